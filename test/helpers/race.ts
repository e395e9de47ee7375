import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { cliPath, tsx } from './cli'
import { git, type Sandbox } from './git'

// What the racing-sync tests share, whatever store they race on: the trees a store must hold, the
// state the remote publishes, clones, and a remote that holds the first push it receives.

export const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex')

/** path → sha256 of the documents of a commit (what the store must hold after a sync of it). */
export function treeOf(repo: string, commitish: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const path of git(repo, ['ls-tree', '-r', '--name-only', commitish, '--', 'docs'])
    .split('\n')
    .filter(p => p.endsWith('.md')))
    out[path] = sha(git(repo, ['show', `${commitish}:${path}`]))
  return out
}

export interface PublishedState {
  sourceCommit?: string
  files: Record<string, { hash: string; fileId: string }>
  journal?: unknown[]
}

/** The sync state as the remote's state branch holds it. */
export function publishedState(sandbox: Sandbox): PublishedState {
  const key = git(sandbox.remote, ['ls-tree', '--name-only', 'vectornator-metadata']).trim()
  return JSON.parse(git(sandbox.remote, ['show', `vectornator-metadata:${key}/metadata.json`]))
}

/** path → sha256 as the published state names them. */
export const stateDocs = (state: PublishedState): Record<string, string> =>
  Object.fromEntries(Object.entries(state.files).map(([p, e]) => [p, e.hash.replace('sha256:', '')]))

/** Every push takes a second at the remote, so concurrent syncs start from the same state. */
export function slowPushes(sandbox: Sandbox): void {
  const hook = join(sandbox.remote, 'hooks', 'pre-receive')
  writeFileSync(hook, '#!/bin/sh\ncat >/dev/null\nsleep 1\nexit 0\n')
  chmodSync(hook, 0o755)
}

/** A real clone of the remote as it is now (main checked out). */
export function cloneOf(sandbox: Sandbox, name: string): string {
  git(sandbox.dir, ['clone', '-q', '-b', 'main', `file://${sandbox.remote}`, name])
  return join(sandbox.dir, name)
}

export interface HeldPush {
  held: string
  left: string
  release: () => void
  landed: () => boolean
}

/**
 * The remote holds the first push it receives (A's) until the test releases it. `order` says
 * when the held push lands against B's sync: before B starts, between B's fetch and B's push
 * (B's first push waits for it, then is refused), or never (B publishes first; the held push is
 * released afterwards and refused).
 */
export function holdFirstPush(sandbox: Sandbox, order: 'before' | 'during' | 'never'): HeldPush {
  const dir = join(sandbox.dir, 'hold')
  mkdirSync(dir)
  writeFileSync(join(dir, 'hold'), '')
  const base = git(sandbox.remote, ['rev-parse', 'vectornator-metadata']).trim()
  const hook = join(sandbox.remote, 'hooks', 'pre-receive')
  writeFileSync(
    hook,
    [
      '#!/bin/sh',
      'cat >/dev/null',
      `D=${dir}`,
      'if mv "$D/hold" "$D/holding" 2>/dev/null; then',
      '  touch "$D/held"',
      // Bounded: a test that fails before releasing it must not leave a push waiting forever.
      '  i=0; while [ ! -e "$D/release" ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done',
      '  touch "$D/left"',
      '  exit 0',
      'fi',
      ...(order === 'during'
        ? [
            'touch "$D/release"',
            `i=0; while [ "$(git rev-parse vectornator-metadata)" = "${base}" ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done`,
          ]
        : []),
      'exit 0',
      '',
    ].join('\n'),
  )
  chmodSync(hook, 0o755)
  return {
    held: join(dir, 'held'),
    left: join(dir, 'left'),
    release: () => writeFileSync(join(dir, 'release'), ''),
    landed: () => git(sandbox.remote, ['rev-parse', 'vectornator-metadata']).trim() !== base,
  }
}

/** Waits (up to a minute) for the condition, and fails the test if it never holds. */
export async function until(what: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !what(); i++) await new Promise(r => setTimeout(r, 50))
  expect(what()).toBe(true)
}

/**
 * `vectornator sync` in the repository, killed once its push is held at the remote (its git push
 * lives on); resolves to its exit code.
 */
export function syncKilledWhenHeld(
  repo: string,
  push: HeldPush,
  env: Record<string, string | undefined>,
  args: string[],
): Promise<number | null> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, ['--import', tsx, cliPath, 'sync', ...args], {
      cwd: repo,
      env: { ...process.env, ...env, CI: '1', NO_COLOR: '1' },
      stdio: 'ignore',
    })
    const timer = setInterval(() => {
      if (existsSync(push.held)) {
        clearInterval(timer)
        child.kill('SIGKILL')
      }
    }, 20)
    child.on('close', code => {
      clearInterval(timer)
      resolve(code)
    })
  })
}
