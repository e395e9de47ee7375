import { UsageError } from '../../lib/errors'
import type { Logger } from '../../lib/logger'
import type { GitBranchStore, StateCommit } from '../state/git-branch'
import type { StateStore } from '../state/types'

export interface HistoryResult {
  /** Where the state is kept, e.g. `branch vectornator-metadata (docs-openai)`. */
  location: string
  /** The syncs recorded there, newest first. */
  commits: StateCommit[]
}

function branchStore(stateStore: StateStore): GitBranchStore {
  if (stateStore.kind !== 'git-branch')
    throw new UsageError(
      `the sync state is kept in ${stateStore.location}, not on a git branch: history and rollback need --metadata git-branch`,
    )
  return stateStore as GitBranchStore
}

/** `vectornator history`: the syncs recorded on the state branch. */
export async function stateHistory(stateStore: StateStore, limit: number): Promise<HistoryResult> {
  return { location: stateStore.location, commits: await branchStore(stateStore).history(limit) }
}

/**
 * The git ref a rollback syncs: a commit of the state branch names a sync, whose recorded source
 * commit it returns; anything else is taken as a ref of the repository.
 */
export async function rollbackRef(stateStore: StateStore, target: string, logger: Logger): Promise<string> {
  const recorded = await branchStore(stateStore)
    .readAt(target)
    .catch(() => undefined)
  if (!recorded) return target
  if (!recorded.sourceCommit)
    throw new UsageError(
      `sync ${target} recorded no source commit (it synced an uncommitted work tree or predates source tracking): roll back to a git ref instead`,
    )
  logger.info(`sync ${target} published source commit ${recorded.sourceCommit.slice(0, 12)}`)
  return recorded.sourceCommit
}
