/*
 * The journal of a running sync: every remote mutation is written here, and saved, before it is
 * made, so a run killed in between is completed by the next (settle.ts).
 */
import type { LocalFile } from '../scan/scan'
import type { FileState, JournalEntry, SyncState } from '../state/types'

export const now = () => new Date().toISOString()

/** Journals the uploads about to be made (and, for a rename, the file whose attributes change). */
export function journalUploads(
  state: SyncState,
  uploads: { file: LocalFile; previous?: FileState; fileId?: string }[],
): void {
  state.journal = [
    ...(state.journal ?? []),
    ...uploads.map(({ file, previous, fileId }) => ({
      op: 'upload' as const,
      path: file.path,
      hash: file.sha256,
      at: now(),
      ...(previous ? { replaces: previous.fileId } : {}),
      ...(fileId ? { fileId } : {}),
    })),
  ]
}

export function removeJournal(state: SyncState, predicate: (e: JournalEntry) => boolean): void {
  const journal = state.journal
  if (!journal) return
  // In place: called once per document, and a copy of a 500-entry journal each time adds up.
  for (let i = journal.length - 1; i >= 0; i--) if (predicate(journal[i]!)) journal.splice(i, 1)
  if (journal.length === 0) delete state.journal
}

/** Records that `fileId` is to be removed once the state that no longer names it is published. */
export function retire(state: SyncState, path: string, fileId: string): void {
  state.journal = [...(state.journal ?? []), { op: 'delete', path, fileId, at: now() }]
}
