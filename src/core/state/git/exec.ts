import { simpleGit, type SimpleGitOptions } from 'simple-git'

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

/**
 * simple-git 4 strips every ambient GIT_* variable and refuses commands whose environment sets
 * things like GIT_SSH_COMMAND, GIT_ASKPASS, GIT_CONFIG_* or PAGER. Those guards are for programs
 * that pass untrusted input to git. Here every argument is built by this module from validated
 * names, and the environment is the user's own: it is how CI authenticates a push
 * (GIT_ASKPASS, GIT_SSH_COMMAND, GIT_CONFIG_COUNT) and how tests isolate git (GIT_CONFIG_GLOBAL),
 * so it is passed through unchanged.
 */
const TRUSTED_CALLER: SimpleGitOptions['unsafe'] = {
  allowUnsafeAlias: true,
  allowUnsafeAskPass: true,
  allowUnsafeCommandBinaries: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeCredentialHelper: true,
  allowUnsafeEditor: true,
  allowUnsafeMergeDriver: true,
  allowUnsafePager: true,
  allowUnsafeProtocolOverride: true,
  allowUnsafePack: true,
  allowUnsafeSshCommand: true,
  allowUnsafeGitProxy: true,
  allowUnsafeExec: true,
  allowUnsafeHooksPath: true,
  allowUnsafeDiffExternal: true,
  allowUnsafeDiffTextConv: true,
  allowUnsafeFilter: true,
  allowUnsafeFsMonitor: true,
  allowUnsafeGpgProgram: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeInclude: true,
  allowUnsafeSubmodule: true,
  allowUnsafeUrlRewrite: true,
}

export interface GitRunOptions {
  /** Written to the command's stdin (for `hash-object --stdin`, `mktree`, `update-ref --stdin`). */
  input?: string
  /** Added to the environment of this one command. */
  env?: Record<string, string>
}

/**
 * Runs one git command in `cwd` and resolves to its stdout. Rejects when git exits non-zero
 * with something on stderr; a silent non-zero exit (`merge-base` of unrelated commits) resolves
 * to ''. simple-git waits 50 ms for late output after a command that printed nothing, so the
 * commands of a checkpoint are ones that always print.
 *
 * A client per call because simple-git takes stdin and the environment per instance.
 */
export async function git(cwd: string, args: string[], options: GitRunOptions = {}): Promise<string> {
  const env = gitEnv(options.env)
  const { input } = options
  // simple-git neither writes nor closes an empty stdin: the command would wait forever.
  if (input === '') throw new Error(`git ${args[0]}: empty input`)
  const client = simpleGit({
    baseDir: cwd,
    allowEnvironment: Object.keys(env),
    unsafe: TRUSTED_CALLER,
    ...(input === undefined ? {} : { input: () => input }),
  })
  return client.env(env).raw(args)
}

/**
 * Resolves names (`refs/heads/x^{commit}`, `<commit>:<path>`) to object ids, undefined for those
 * naming nothing, with one `cat-file --batch-check`: it answers every name, where
 * `rev-parse --verify --quiet` says nothing on a miss and simple-git then waits 50 ms for output.
 */
export async function resolveNames(cwd: string, names: string[]): Promise<(string | undefined)[]> {
  // One name per line: a name with a line break names nothing (and must not become two queries).
  const asked = names.filter(name => !/[\r\n]/.test(name))
  if (asked.length === 0) return names.map(() => undefined)
  const out = await git(cwd, ['cat-file', '--batch-check=%(objectname)'], { input: asked.map(name => `${name}\n`).join('') })
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
  const lines = text.split('\n').map(line => line.trim()).filter(Boolean)
  return lines.find(line => /^(fatal|error):/.test(line)) ?? lines[0] ?? 'git failed'
}
