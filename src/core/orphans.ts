import type { VectorStoreProvider } from '../providers/types'
import type { SyncState } from './state/types'

/**
 * Deletes file objects a run left behind without a document: an upload retried after its first
 * answer was lost creates a second File object that nobody holds the id of. They are recognised
 * by the name this tool gives a path's upload, their creation during the run (`sinceMs`), and by
 * being neither tracked in the state nor attached to the store; nothing else is touched.
 */
export async function sweepOrphans(provider: VectorStoreProvider, state: SyncState, paths: Iterable<string>, sinceMs: number): Promise<number> {
  if (!provider.listFileObjects || !provider.fileObjectName || !provider.deleteFileObject) return 0
  const names = new Set<string>()
  for (const path of paths) names.add(provider.fileObjectName(path))
  if (names.size === 0) return 0
  const tracked = new Set(Object.values(state.files).map(f => f.fileId))
  // Seconds, with a little slack for a clock that differs from the store's.
  const since = Math.floor(sinceMs / 1000) - 120
  const candidates = (await provider.listFileObjects(since))
    .filter(o => names.has(o.filename) && !tracked.has(o.fileId))
  let removed = 0
  for (const candidate of candidates) {
    // Attached to the store means another sync holds it: never ours to delete.
    if (provider.getFile && await provider.getFile(candidate.fileId)) continue
    await provider.deleteFileObject(candidate.fileId)
    removed++
  }
  return removed
}
