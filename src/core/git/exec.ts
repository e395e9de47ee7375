import { spawn } from 'node:child_process'

/**
 * Variables that point git at another repository, index or object store. Git sets some of them
 * when it runs a hook (a build started from a pre-push hook inherits a relative GIT_DIR), and
 * they would send our commands elsewhere than the repository around `cwd`.
 */
const REPO_LOCATING_ENV = new Set([
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_QUARANTINE_PATH',
])

/** The user's environment as plain `git` would see it, minus the repository-locating variables. */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !REPO_LOCATING_ENV.has(name.toUpperCase())) env[name] = value
  }
  return { ...env, ...extra }
}

export interface GitRunOptions {
  /** Written to the command's stdin (for `hash-object --stdin`, `mktree`, `update-ref --stdin`). */
  input?: string
  /** Added to the environment of this one command. */
  env?: Record<string, string>
}

/** A git command that failed: its output (stdout, then stderr) is the message, as git wrote it. */
export class GitError extends Error {
  override name = 'GitError'
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message)
  }
}

/**
 * Runs one git command in `cwd` and resolves to its stdout. Rejects when git exits non-zero
 * with something on stderr (the message is stdout then stderr); a silent non-zero exit
 * (`merge-base` of unrelated commits) resolves to its stdout.
 *
 * A process of its own, spawned directly: every argument is built by this module from validated
 * names, and the environment is the user's own, which is how CI authenticates a push
 * (GIT_ASKPASS, GIT_SSH_COMMAND, GIT_CONFIG_COUNT) and how tests isolate git (GIT_CONFIG_GLOBAL).
 * A wrapper library would cost a no-op sync a fifth of its time in loading alone.
 */
export function git(cwd: string, args: string[], options: GitRunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: gitEnv(options.env),
      windowsHide: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new GitError(
              `fatal: git was not found on PATH (${error.message}): install git, or use metadata: 'file'`,
              null,
            )
          : error,
      )
    })
    child.on('close', code => {
      const stdout = Buffer.concat(out).toString('utf8')
      const stderr = Buffer.concat(err)
      if (code !== 0 && stderr.length > 0) reject(new GitError(`${stdout}${stderr.toString('utf8')}`, code))
      else resolve(stdout)
    })
    // A command that ends before reading all of its input (an error) closes the pipe: its exit
    // status says what happened, not the EPIPE.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input)
  })
}

/**
 * Resolves names (`refs/heads/x^{commit}`, `<commit>:<path>`) to object ids, undefined for those
 * naming nothing, with one `cat-file --batch-check` for all of them.
 */
export async function resolveNames(cwd: string, names: string[]): Promise<(string | undefined)[]> {
  // One name per line: a name with a line break names nothing (and must not become two queries).
  const asked = names.filter(name => !/[\r\n]/.test(name))
  if (asked.length === 0) return names.map(() => undefined)
  const out = await git(cwd, ['cat-file', '--batch-check=%(objectname)'], {
    input: asked.map(name => `${name}\n`).join(''),
  })
  const lines = out.split('\n')
  const found = new Map(asked.map((name, i) => [name, /^[0-9a-f]{40,64}$/.test(lines[i] ?? '') ? lines[i] : undefined]))
  return names.map(name => found.get(name))
}

export async function resolveName(cwd: string, name: string): Promise<string | undefined> {
  return (await resolveNames(cwd, [name]))[0]
}

/** First line of a git error, for one-line messages. */
export function gitErrorLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  const lines = text
    .split('\n')
    .map(line => line.trim())
    .filter(Boolean)
  return lines.find(line => /^(fatal|error):/.test(line)) ?? lines[0] ?? 'git failed'
}
