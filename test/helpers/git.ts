import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const ISOLATED_ENV = [
  'HOME',
  'XDG_CONFIG_HOME',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'EMAIL',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
]

/**
 * Keeps the host's git configuration out of every git command of this test process, including
 * the ones the code under test runs: no global or system config, so no identity either.
 * Resolves to the undo (environment back, temporary folders removed), for `afterAll`.
 */
export function isolateGitEnv(): () => void {
  const saved = Object.fromEntries(ISOLATED_ENV.map(name => [name, process.env[name]]))
  const home = mkdtempSync(join(tmpdir(), 'vn-home-'))
  const globalConfig = join(home, 'empty.gitconfig')
  writeFileSync(globalConfig, '')
  for (const name of ISOLATED_ENV) delete process.env[name]
  process.env.HOME = home
  process.env.XDG_CONFIG_HOME = join(home, '.config')
  process.env.GIT_CONFIG_GLOBAL = globalConfig
  process.env.GIT_CONFIG_NOSYSTEM = '1'
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    rmSync(home, { recursive: true, force: true })
    if (template) rmSync(template.dir, { recursive: true, force: true })
    template = undefined
  }
}

/** Runs git and returns its stdout; throws with stderr on failure. */
export function git(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] })
}

/** Exit code of a git command (for commands whose failure is the point). */
export function gitStatus(cwd: string, args: string[]): number {
  try {
    execFileSync('git', args, { cwd, stdio: 'ignore' })
    return 0
  } catch (error) {
    return (error as { status?: number }).status ?? 1
  }
}

/** Commits with an identity given on the command line only, so the repository keeps none. */
export function commit(cwd: string, message: string, args: string[] = ['-a']): string {
  git(cwd, [
    '-c',
    'user.name=Test',
    '-c',
    'user.email=test@example.com',
    'commit',
    '-q',
    '--no-gpg-sign',
    '-m',
    message,
    ...args,
  ])
  return git(cwd, ['rev-parse', 'HEAD']).trim()
}

export function write(cwd: string, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(cwd, path)), { recursive: true })
  writeFileSync(join(cwd, path), content)
}

export interface Sandbox {
  dir: string
  /** A bare repository with one commit on `main`. */
  remote: string
  /** A new clone of the remote; `depth` gives a shallow one. */
  clone(name: string, options?: { depth?: number }): string
  /** A repository with no remote. */
  init(name: string): string
  cleanup(): void
}

let template: { dir: string; remote: string; seed: string } | undefined

/**
 * The remote and a clone of it, built with git once per test file; each sandbox copies them
 * (cloning is a handful of git processes, and tests create dozens of clones).
 */
function sandboxTemplate(): { dir: string; remote: string; seed: string } {
  if (template) return template
  const dir = mkdtempSync(join(tmpdir(), 'vn-template-'))
  const remote = join(dir, 'remote.git')
  git(dir, ['init', '-q', '--bare', '-b', 'main', remote])
  const seed = join(dir, 'seed')
  git(dir, ['clone', '-q', remote, seed])
  write(seed, 'README.md', '# project\n')
  write(seed, 'docs/guide.md', 'guide\n')
  git(seed, ['add', '.'])
  commit(seed, 'initial')
  git(seed, ['push', '-q', 'origin', 'HEAD:main'])
  template = { dir, remote, seed }
  return template
}

export function createSandbox(): Sandbox {
  const base = sandboxTemplate()
  const dir = mkdtempSync(join(tmpdir(), 'vn-git-'))
  const remote = join(dir, 'remote.git')
  cpSync(base.remote, remote, { recursive: true })
  return {
    dir,
    remote,
    clone(name, options = {}) {
      const target = join(dir, name)
      if (options.depth) {
        git(dir, ['clone', '-q', '--depth', String(options.depth), `file://${remote}`, target])
        return target
      }
      // A copy of a fresh clone, pointed at this sandbox's remote, is that clone.
      cpSync(base.seed, target, { recursive: true })
      const config = join(target, '.git', 'config')
      writeFileSync(config, readFileSync(config, 'utf8').replace(base.remote, remote))
      return target
    },
    init(name) {
      const target = join(dir, name)
      git(dir, ['init', '-q', '-b', 'main', target])
      write(target, 'README.md', '# local\n')
      git(target, ['add', '.'])
      commit(target, 'initial')
      return target
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function workTreeFiles(root: string, dir = root, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (dir === root && name === '.git') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) workTreeFiles(root, path, out)
    else out.push(`${path.slice(root.length + 1)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`)
  }
  return out
}

/**
 * Everything of a clone that vectornator must not touch: HEAD, index (bytes and mtime, read
 * first because `git status` could refresh it), work tree, status, diffs, stash, merge state.
 * `--no-optional-locks` keeps the snapshot itself from rewriting the index.
 */
export function snapshot(cwd: string): Record<string, string> {
  const gitDir = join(cwd, '.git')
  const index = join(gitDir, 'index')
  const run = (args: string[]) => {
    try {
      return git(cwd, ['--no-optional-locks', ...args])
    } catch (error) {
      return `failed: ${(error as { status?: number }).status}`
    }
  }
  return {
    indexHash: createHash('sha256').update(readFileSync(index)).digest('hex'),
    indexMtime: String(statSync(index).mtimeMs),
    head: readFileSync(join(gitDir, 'HEAD'), 'utf8'),
    headCommit: run(['rev-parse', 'HEAD']),
    status: run(['status', '--porcelain=v2', '--branch', '--untracked-files=all']),
    diff: run(['diff']),
    diffCached: run(['diff', '--cached']),
    stash: run(['stash', 'list']),
    mergeHead: existsSync(join(gitDir, 'MERGE_HEAD')) ? readFileSync(join(gitDir, 'MERGE_HEAD'), 'utf8') : '',
    files: workTreeFiles(cwd).join('\n'),
    config: readFileSync(join(gitDir, 'config'), 'utf8'),
  }
}
