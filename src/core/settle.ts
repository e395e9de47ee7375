import type { VectorStoreProvider } from '../providers/types'
import type { Logger } from './logger'
import type { SyncState } from './state/types'

/**
 * Completes what a killed run left in its journal, before anything else touches the store:
 * - an upload that got no further than its intent may have left a document the state does not
 *   know: any remote copy of that path not tracked by the state is removed (the plan will
 *   upload it again), so nothing is ever stored twice;
 * - a deletion that was started is finished.
 */
export async function settleJournal(state: SyncState, provider: VectorStoreProvider, logger: Logger): Promise<void> {
  const journal = state.journal ?? []
  if (journal.length === 0) return
  const tracked = new Set(Object.values(state.files).map(f => f.fileId))
  const paths = new Set(journal.filter(e => e.op === 'upload').map(e => e.path))
  let removed = 0
  if (paths.size > 0) {
    for (const remote of await provider.listFiles()) {
      if (remote.path && paths.has(remote.path) && !tracked.has(remote.fileId)) {
        await provider.deleteFile(remote.fileId)
        removed++
      }
    }
    // Uploaded but never attached: the id was journaled, the store has no document for it.
    for (const e of journal) {
      if (e.op === 'upload' && e.fileId && !tracked.has(e.fileId)) {
        await (provider.deleteFileObject ?? provider.deleteFile).call(provider, e.fileId)
        removed++
      }
    }
  }
  for (const e of journal) {
    if (e.op !== 'delete') continue
    await provider.deleteFile(e.fileId)
    if (state.files[e.path]?.fileId === e.fileId) delete state.files[e.path]
  }
  delete state.journal
  logger.info(`completed an interrupted sync: ${journal.length} pending operations settled, ${removed} untracked copies removed`)
}
