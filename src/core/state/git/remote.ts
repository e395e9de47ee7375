import { UnpublishedError } from '../types'
import { git, gitErrorLine, resolveName } from '../../git/exec'

/** Never let a fetch or push wait for a password typed into the terminal of a build. */
const NETWORK_ENV = { GIT_TERMINAL_PROMPT: '0' }

/**
 * Fetches the remote's branch into its remote-tracking ref and resolves to its tip, or undefined
 * when the remote has no such branch. Writes no FETCH_HEAD (the user's `git pull` state is theirs),
 * fetches no tags or submodules, runs no auto-gc. `--depth=1` only in a shallow clone, where
 * history is absent anyway: in a full clone it would make the repository shallow.
 */
export async function fetchBranch(
  cwd: string,
  remote: string,
  branch: string,
  shallow: boolean,
): Promise<string | undefined> {
  const tracking = `refs/remotes/${remote}/${branch}`
  try {
    await git(
      cwd,
      [
        'fetch',
        '--no-tags',
        '--no-write-fetch-head',
        '--no-recurse-submodules',
        '--no-auto-maintenance',
        ...(shallow ? ['--depth=1'] : []),
        remote,
        `+refs/heads/${branch}:${tracking}`,
      ],
      { env: NETWORK_ENV },
    )
  } catch (error) {
    if (/couldn't find remote ref/i.test((error as Error).message)) return undefined
    throw error
  }
  return resolveName(cwd, `${tracking}^{commit}`)
}

/**
 * Pushes `oid` to the remote's branch as a fast-forward. Resolves to 'rejected' when the remote
 * moved (another machine synced first); any other failure is thrown.
 * `--no-verify`: the user's pre-push hook is for their code, not for this bookkeeping branch.
 */
export async function pushBranch(
  cwd: string,
  remote: string,
  branch: string,
  oid: string,
): Promise<'pushed' | 'rejected'> {
  try {
    await git(cwd, ['push', '--porcelain', '--no-verify', remote, `${oid}:refs/heads/${branch}`], { env: NETWORK_ENV })
    return 'pushed'
  } catch (error) {
    const text = (error as Error).message
    if (/\[rejected\]|non-fast-forward|fetch first|stale info/.test(text)) return 'rejected'
    // Two pushes reaching the server at the same moment: the loser's ref lock fails there.
    if (/\[remote rejected\].*(lock|failed to update|incorrect old value)/.test(text)) return 'rejected'
    throw new UnpublishedError(
      `could not push the sync state to ${remote}/${branch} (${gitErrorLine(error)}): it is kept on this machine's branch ${branch} only; give the job write access (GitHub Actions: \`permissions: contents: write\`), or set metadata.push to false`,
    )
  }
}

/**
 * Which of the local branch and the remote's copy a sync should start from.
 * - one is missing, or they are equal: the other / either;
 * - one contains the other: the newer one;
 * - they diverged from a common commit: local, which holds this machine's unpushed records (a
 *   checkpoint left by a crash, a sync run with push off); the push at the end reconciles them;
 * - no common history is visible: the remote. In a shallow clone the history that would relate
 *   them is absent, and a local branch older than the remote looks exactly like this.
 */
export async function pickNewer(
  cwd: string,
  local: string | undefined,
  remote: string | undefined,
): Promise<{ tip: string | undefined; unrelated: boolean }> {
  if (!local || !remote || local === remote) return { tip: local ?? remote, unrelated: false }
  const base = (await git(cwd, ['merge-base', local, remote])).trim()
  if (base === local) return { tip: remote, unrelated: false }
  if (base) return { tip: local, unrelated: false }
  return { tip: remote, unrelated: true }
}
