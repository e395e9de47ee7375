import type { VectorStoreProvider } from '../providers/types'
import type { FileState, SyncState } from './state/types'

/**
 * Merges the state another machine pushed meanwhile (`theirs`) with this run's (`mine`), so a
 * race loses no update and leaves no duplicate: per path the later upload wins, and the losing
 * copy is removed from the store when the two differ.
 */
export async function reconcileStates(theirs: SyncState, mine: SyncState, provider: VectorStoreProvider): Promise<SyncState> {
  const files: Record<string, FileState> = { ...theirs.files }
  const drop = new Set<string>()
  for (const [path, entry] of Object.entries(mine.files)) {
    const other = theirs.files[path]
    if (!other || other.fileId === entry.fileId) { files[path] = entry; continue }
    const mineWins = entry.uploadedAt >= other.uploadedAt
    files[path] = mineWins ? entry : other
    drop.add(mineWins ? other.fileId : entry.fileId)
  }
  // Paths only the other run has are kept: it synced them, and the next sync re-plans from here.
  const kept = new Set(Object.values(files).map(f => f.fileId))
  for (const fileId of drop) if (!kept.has(fileId)) await provider.deleteFile(fileId)
  return { ...mine, files, lastSync: mine.lastSync > theirs.lastSync ? mine.lastSync : theirs.lastSync }
}
