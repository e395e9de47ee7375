import { UsageError } from '../../../lib/errors'
import { CLEANUP_SUBJECT, type SyncState } from '../types'
import { parseState } from '../json'
import { git, resolveName, resolveNames } from '../../git/exec'
import { readBlobText } from './objects'
import { pickNewer } from './remote'

/** A commit of the branch that changed this key's state. */
export interface StateCommit {
  commit: string
  /** ISO 8601 committer date. */
  date: string
  /** Subject line: the sync's summary. */
  message: string
  key: string
}

export interface HistorySource {
  cwd: string
  key: string
  /** This key's state file inside the branch's tree. */
  path: string
  localRef: string
  trackingRef: string
  /** The remote, when the repository has it: its copy counts when newer. */
  remote?: string
  /** The tip a sync under way knows, else the newer of the local branch and the remote's copy. */
  tip?: string
}

/** This key's syncs, newest first (no fetch); the commits that only record removals are left out. */
export async function historyOf(source: HistorySource, limit?: number): Promise<StateCommit[]> {
  let tip = source.tip
  if (!tip) {
    const [local, tracking] = await resolveNames(source.cwd, [
      `${source.localRef}^{commit}`,
      `${source.trackingRef}^{commit}`,
    ])
    tip = (await pickNewer(source.cwd, local, source.remote ? tracking : undefined)).tip
  }
  if (!tip) return []
  const out = await git(source.cwd, [
    'log',
    '--no-show-signature',
    '--format=%H%x1f%cI%x1f%s%x1e',
    ...(limit && limit > 0 ? [`--max-count=${Math.floor(limit)}`] : []),
    tip,
    '--',
    source.path,
  ])
  return out
    .split('\x1e')
    .map(record => record.trim())
    .filter(Boolean)
    .map(record => {
      const [commit = '', date = '', message = ''] = record.split('\x1f')
      return { commit, date, message, key: source.key }
    })
    .filter(c => !c.message.startsWith(CLEANUP_SUBJECT))
}

/** This key's state as of a commit; undefined when the key had none there. */
export async function stateAt(
  cwd: string,
  path: string,
  location: string,
  commitish: string,
): Promise<SyncState | undefined> {
  if (!commitish || commitish.startsWith('-')) throw new UsageError(`not a commit: "${commitish}"`)
  const commit = await resolveName(cwd, `${commitish}^{commit}`)
  if (!commit) throw new UsageError(`unknown commit "${commitish}" (see the history of ${location})`)
  const blob = await resolveName(cwd, `${commit}:${path}`)
  if (!blob) return undefined
  return parseState(await readBlobText(cwd, blob), `${commitish}:${path}`)
}
