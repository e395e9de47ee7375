import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sync } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { makeTree, writeTree } from '../helpers/tree'
import {
  CRASH_STATE_KEY,
  describeTrigger,
  expectConverged,
  KillProxy,
  type KillTrigger,
  prng,
  readState,
  runChild,
} from './helpers'

/**
 * Crash safety: a sync killed with SIGKILL at any moment is completed by the next run. A real child
 * process runs the real core and SDK against the offline server, which lives in this process (and
 * so survives every kill) behind a proxy that can kill the child at a chosen request. Each round
 * edits, adds, deletes and moves documents, kills one run (sometimes also the recovery run), then
 * lets a clean run finish and checks that store, File objects and state all agree with the disk.
 * Once with the file state, once with the git-branch state in a repository with a bare remote
 * (its checkpoints in the git directory, its state published by a push).
 */
const SEED = Number(process.env.VECTORNATOR_CRASH_SEED ?? 20240611)
const random = prng(SEED)
const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))

// One trigger per round, covering every step of a sync; the numbers within are drawn from the seed.
const B = 'POST /vector_stores/{id}/file_batches'
// `uploads` is the number of documents the round sends; runs take ~300-450 ms from the start of their sync.
const schedule: {
  name: string
  trigger: (uploads: number) => KillTrigger
  single?: boolean
  rename?: boolean
  second?: () => KillTrigger
}[] = [
  {
    name: 'store created, its id not yet saved',
    trigger: () => ({ route: 'POST /vector_stores', n: 1, when: 'after' }),
  },
  {
    name: 'mid-upload: an upload made, its answer lost',
    trigger: uploads => ({ route: 'POST /files', n: between(1, Math.min(4, uploads)), when: 'after' }),
  },
  { name: 'during scan and plan', trigger: () => ({ afterMs: between(5, 60) }) },
  { name: 'between upload and attach', trigger: () => ({ route: B, n: 1, when: 'before' }) },
  { name: 'batch attached, its answer lost', trigger: () => ({ route: B, n: 1, when: 'after' }) },
  {
    name: 'mid-batch: while the store processes it',
    trigger: () => ({ route: 'GET /vector_stores/{id}/file_batches/{id}', n: 1, when: 'before' }),
  },
  { name: 'at a state save', trigger: () => ({ save: between(2, 3) }) },
  {
    name: 'mid-delete: detached, File object not yet deleted',
    trigger: () => ({ route: 'DELETE /vector_stores/{id}/files/{id}', n: 1, when: 'after' }),
  },
  {
    name: 'mid-delete: before the File object goes',
    trigger: () => ({ route: 'DELETE /files/{id}', n: between(1, 2), when: 'before' }),
  },
  { name: 'while sweeping leftover File objects', trigger: () => ({ route: 'GET /files', n: 1, when: 'before' }) },
  { name: 'at a random moment', trigger: () => ({ afterMs: between(50, 280) }) },
  {
    name: 'mid-rename: attributes rewritten, state not saved',
    trigger: () => ({ route: 'POST /vector_stores/{id}/files/{id}', n: 1, when: 'after' }),
    rename: true,
  },
  {
    name: 'single update: new version attached, answer lost',
    trigger: () => ({ route: 'POST /vector_stores/{id}/files', n: 1, when: 'after' }),
    single: true,
  },
  {
    name: 'single update: old version being removed',
    trigger: () => ({ route: 'DELETE /vector_stores/{id}/files/{id}', n: 1, when: 'before' }),
    single: true,
  },
  { name: 'at the final state write', trigger: () => ({ finish: true }) },
  {
    name: 'killed, then killed again while listing the store to settle',
    trigger: () => ({ route: B, n: 1, when: 'after' }),
    second: () => ({ route: 'GET /vector_stores/{id}/files', n: 1, when: 'after' }),
  },
  {
    name: 'killed, then killed again while settling',
    trigger: uploads => ({ route: 'POST /files', n: between(1, Math.min(5, uploads)), when: 'after' }),
    second: () => ({ route: 'DELETE /files/{id}', n: 1, when: 'after' }),
  },
  {
    name: 'at a random moment, twice',
    trigger: () => ({ afterMs: between(100, 280) }),
    second: () => ({ afterMs: between(20, 250) }),
  },
  { name: 'at a random state save', trigger: () => ({ save: between(1, 3) }) },
]

let server: OpenAIServer
let proxy: KillProxy

/** A server of its own for each state kind: the check that no File object is left over counts them all. */
function freshServer(): void {
  beforeAll(async () => {
    server = await createOpenAIServer({ processingMs: 40, latencyMs: 8 })
    proxy = new KillProxy(server)
    await proxy.start()
  })
  afterAll(async () => {
    await proxy?.close()
    await server?.close()
  })
}

let serial = 0
const page = (n: number) => `# Page ${n}\n\nRevision ${serial++} of page ${n}: widgets, gadgets and marker zq${n}x.\n`

const remotes: string[] = []
afterAll(() => {
  for (const dir of remotes) rmSync(dir, { recursive: true, force: true })
})

/** A repository at `root` whose `origin` is a bare repository of its own. */
function gitRepository(root: string): void {
  const remote = mkdtempSync(join(tmpdir(), 'vn-crash-remote-'))
  remotes.push(remote)
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'ignore' })
  git(remote, 'init', '-q', '--bare')
  git(root, 'init', '-q')
  git(root, 'remote', 'add', 'origin', remote)
}

describe.each(['file', 'git-branch'] as const)('crash safety, %s state', metadata => {
  freshServer()
  it(`a sync killed at ${schedule.length} points (seed ${SEED}) is completed by the next run: every document once, no orphan, state true`, async () => {
    const tree: Record<string, string> = {}
    let next = 0
    for (; next < 24; next++) tree[`docs/page-${String(next).padStart(3, '0')}.md`] = page(next)
    const root = makeTree(tree)
    if (metadata === 'git-branch') gitRepository(root)
    const log: string[] = []

    let changed: Record<string, string | null> = {}
    for (const [round, step] of schedule.entries()) {
      if (round > 0) {
        // Edits, additions, deletions and a move between kills, so every kind of change is crashed.
        const paths = Object.keys(tree)
        const change: Record<string, string | null> = {}
        if (step.single) {
          const p = pick(paths)
          change[p] = tree[p] = `${tree[p]}\nOne more line ${serial++}.\n`
        } else {
          for (let i = between(1, 3); i > 0; i--) {
            const p = pick(paths)
            change[p] = tree[p] = `${tree[p]}\nEdited ${serial++}.\n`
          }
          for (let i = between(1, 3); i > 0; i--) {
            const p = `docs/page-${String(next).padStart(3, '0')}.md`
            change[p] = tree[p] = page(next++)
          }
          for (let i = between(1, 2); i > 0; i--) {
            const p = pick(Object.keys(tree).filter(k => change[k] === undefined))
            if (!p) continue
            delete tree[p]
            change[p] = null
          }
          if (step.rename || random() < 0.4) {
            const from = pick(Object.keys(tree).filter(k => change[k] === undefined))
            if (from) {
              const to = from.replace('docs/', 'moved/')
              change[to] = tree[to] = tree[from]!
              delete tree[from]
              change[from] = null
            }
          }
        }
        writeTree(root, change)
        changed = change
      }

      const uploads =
        round === 0
          ? Object.keys(tree).length
          : Object.keys(changed).filter(p => changed[p] !== null && !p.startsWith('moved/')).length
      const trigger = step.trigger(uploads)
      const first = await runChild(root, proxy, trigger, metadata)
      let line = `${round}: ${step.name} (${describeTrigger(trigger)}): ${first.killed ? `killed after ${first.ms} ms` : `not hit, ${first.output} in ${first.ms} ms`}`
      if (step.second) {
        const again = step.second()
        const second = await runChild(root, proxy, again, metadata)
        line += `; then ${describeTrigger(again)}: ${second.killed ? 'killed' : 'not hit'}`
      }
      log.push(line)

      const clean = await sync({
        root,
        provider: 'openai',
        apiKey: 'sk-crash-test',
        baseURL: server.url,
        metadata: metadata === 'file' ? 'file' : { type: 'git-branch', key: CRASH_STATE_KEY },
        logger: silentLogger,
      })
      expect(clean.failed, line).toEqual([])
      try {
        expectConverged(server, tree, readState(root, metadata))
      } catch (error) {
        ;(error as Error).message = `after round ${line}\n${(error as Error).message}`
        throw error
      }
    }

    // The schedule did kill where it meant to (a trigger that did not fire is reported above).
    const killed = log.filter(l => /: killed/.test(l)).length
    console.info(`crash schedule (seed ${SEED}):\n  ${log.join('\n  ')}`)
    expect(killed).toBeGreaterThanOrEqual(schedule.length - 2)
  }, 120_000)
})
