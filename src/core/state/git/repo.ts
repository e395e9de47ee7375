import { UsageError } from '../../../lib/errors'
import { StateError } from '../types'
import { git } from '../../git/exec'
import { probe } from './probe'

/** Identity used when the repository has none (a CI runner): commits still work. */
export const DEFAULT_AUTHOR = { name: 'vectornator', email: 'vectornator@users.noreply.github.com' }

/** `update-ref --stdin` transactions need 2.27, `fetch --no-write-fetch-head` 2.29. */
const MIN_GIT: [number, number] = [2, 29]

let gitVersion: Promise<string> | undefined

async function checkGitVersion(cwd: string): Promise<void> {
  gitVersion ??= git(cwd, ['version'])
  const text = await gitVersion
  const [, major = '0', minor = '0'] = /(\d+)\.(\d+)/.exec(text) ?? []
  if (Number(major) < MIN_GIT[0] || (Number(major) === MIN_GIT[0] && Number(minor) < MIN_GIT[1])) {
    throw new UsageError(
      `the git-branch state needs git ${MIN_GIT.join('.')} or later (found "${text.trim()}"); upgrade git or use metadata: 'file'`,
    )
  }
}

export async function isGitRepo(cwd: string): Promise<boolean> {
  return (await probe(cwd)).inside
}

/** Absolute path of the work tree's top folder. */
export async function gitTopLevel(cwd: string): Promise<string> {
  const found = await probe(cwd)
  if (found.top) return found.top
  throw new UsageError(
    `${cwd} is not inside a git work tree${found.error ? ` (${found.error})` : ''}; run it in a git repository or use metadata: 'file'`,
  )
}

export interface RepoInfo {
  /** The git directory shared by all worktrees, where the lock lives. */
  commonDir: string
  shallow: boolean
  /** The remote to sync with, when the repository has it. */
  remote?: string
  /** GIT_AUTHOR_* / GIT_COMMITTER_* for commit-tree, filling only what git would lack. */
  identityEnv: Record<string, string>
}

/** git's rules for ref names (`git help check-ref-format`), checked here to spare a process per name. */
export function isValidRefName(ref: string): boolean {
  return (
    ref !== '@' &&
    !/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|^\/|\/$|\.$/.test(ref) &&
    ref.split('/').every(part => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'))
  )
}

/** Throws a UsageError naming the option when the branch or remote cannot be used. */
export function checkBranchAndRemote(branch: string, remote: string): void {
  if (!isValidRefName(`refs/heads/${branch}`))
    throw new UsageError(`metadata.branch is not a valid git branch name: ${branch}`)
  // The remote is a word of its own on git's command line (`git fetch <remote>`): never an option.
  if (remote.startsWith('-') || !isValidRefName(`refs/remotes/${remote}/${branch}`)) {
    throw new UsageError(`metadata.remote is not a valid git remote name: ${remote}`)
  }
}

/**
 * Only what git itself would lack: a user.name or user.email in the config (or the matching
 * environment variable) is kept, a missing one is filled with the vectornator default.
 */
function identityEnv(config: string[], author?: { name: string; email: string }): Record<string, string> {
  if (author) {
    return {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    }
  }
  const has = (key: string) => config.some(line => line.startsWith(`user.${key}\n`) && line.length > key.length + 6)
  const env: Record<string, string> = {}
  for (const role of ['AUTHOR', 'COMMITTER']) {
    if (!has('name') && !process.env[`GIT_${role}_NAME`]) env[`GIT_${role}_NAME`] = DEFAULT_AUTHOR.name
    if (!has('email') && !process.env[`GIT_${role}_EMAIL`] && !process.env.EMAIL)
      env[`GIT_${role}_EMAIL`] = DEFAULT_AUTHOR.email
  }
  return env
}

export async function inspectRepo(
  cwd: string,
  options: { branch: string; remote: string; author?: { name: string; email: string } },
): Promise<RepoInfo> {
  const found = await probe(cwd)
  if (!found.inside || !found.commonDir)
    throw new UsageError(
      `${cwd} is not inside a git work tree${found.error ? ` (${found.error})` : ''}; use metadata: 'file' outside git`,
    )
  const config = found.config ?? []
  const hasRemote = config.some(entry => entry.startsWith(`remote.${options.remote}.url\n`))
  return {
    commonDir: found.commonDir,
    shallow: Boolean(found.shallow),
    remote: hasRemote ? options.remote : undefined,
    identityEnv: identityEnv(config, options.author),
  }
}

/**
 * What writing the branch needs: a git new enough for the plumbing used, and the branch checked
 * out nowhere (moving it would make that worktree's files look changed). Checked before a sync
 * reads the state to work on it; a sync that finds nothing to do writes nothing and skips it.
 */
export async function checkWritable(cwd: string, branch: string): Promise<void> {
  const [, worktrees] = await Promise.all([checkGitVersion(cwd), git(cwd, ['worktree', 'list', '--porcelain'])])
  if (worktrees.split('\n').includes(`branch refs/heads/${branch}`)) {
    throw new StateError(
      `branch ${branch} is checked out in a worktree; switch that worktree to another branch, vectornator writes it without a checkout`,
    )
  }
}
