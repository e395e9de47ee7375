import type { RemoteFile, VectorStoreProvider } from '../../providers/types'
import type { Logger } from '../../lib/logger'
import { sweepOrphans } from './orphans'
import type { SyncState } from '../state/types'
import { plural } from '../../lib/plural'
import { reconcile } from './reconcile'

export interface SettleSummary {
  /** Journal entries settled. */
  entries: number
  /** Documents removed: untracked copies of journaled paths, and deletions that were started. */
  removedDocuments: number
  /** Bare File objects removed (uploaded, never attached). */
  removedFileObjects: number
  /** Paths the state no longer tracks because the store lacks their document (the plan re-adds them). */
  forgotten: string[]
  /** Documents whose `path`/`sha256` attributes were put back to what the state records (a killed rename). */
  retagged: string[]
}

/**
 * Completes what a killed run left in its journal, before anything is planned. Every step only
 * converges the store and the state towards each other, so settling twice (a run killed while
 * settling) is harmless; the journal is cleared only once all of it is done.
 *
 * - A deletion that was started is finished, and its path forgotten.
 * - A path whose upload was started is reconciled: the copy the state tracks is kept, every other
 *   copy of that path is removed (so nothing is ever stored twice), and a File object uploaded for
 *   it but never attached is deleted: by the id the journal caught, else (for content still on disk,
 *   `local`) by its name and size among the File objects made since the journal entry.
 * - A tracked document whose `path`/`sha256` attributes disagree with the state (a rename killed
 *   between the store and the state) gets the state's attributes back; where the provider cannot
 *   rewrite attributes it is removed and forgotten, so the plan uploads the document again.
 * - An entry of the state whose document the store lacks is forgotten (the plan re-adds it), so
 *   the state never claims a document that is not there.
 */
export async function settleJournal(
  state: SyncState,
  provider: VectorStoreProvider,
  logger: Logger,
  local: Iterable<{ path: string; sha256: string; size: number }> = [],
): Promise<SettleSummary | undefined> {
  const journal = state.journal ?? []
  if (journal.length === 0) return undefined
  const summary: SettleSummary = {
    entries: journal.length,
    removedDocuments: 0,
    removedFileObjects: 0,
    forgotten: [],
    retagged: [],
  }

  const remote = new Map<string, RemoteFile>()
  for (const file of await provider.listFiles()) remote.set(file.fileId, file)

  // Deletions that were started: finish them.
  for (const e of journal) {
    if (e.op !== 'delete') continue
    await provider.deleteFile(e.fileId)
    if (remote.delete(e.fileId)) summary.removedDocuments++
    if (state.files[e.path]?.fileId === e.fileId) delete state.files[e.path]
  }

  // Uploads that were started: keep the tracked copy, remove the others.
  const uploads = journal.filter(e => e.op === 'upload')
  const paths = new Set(uploads.map(e => e.path))
  const tracked = () => new Set(Object.values(state.files).map(f => f.fileId))
  let held = tracked()
  for (const file of [...remote.values()]) {
    if (file.path && paths.has(file.path) && !held.has(file.fileId)) {
      await provider.deleteFile(file.fileId)
      remote.delete(file.fileId)
      summary.removedDocuments++
    }
  }

  const deleteObject = (provider.deleteFileObject ?? provider.deleteFile).bind(provider)
  // What is left in the store against the state: a rename killed between the two is put back.
  const reconciled = await reconcile(state, provider, remote, 'journal')
  summary.removedDocuments += reconciled.removed
  summary.forgotten.push(...reconciled.forgotten)
  summary.retagged.push(...reconciled.retagged)

  // Uploaded, never attached: by the id the journal caught, then by name for those it did not.
  // And the version an update replaced, once nothing tracks it (its removal may have been cut short).
  held = tracked()
  for (const e of uploads) {
    for (const id of [e.fileId, e.replaces]) {
      if (id && !held.has(id) && !remote.has(id)) {
        await deleteObject(id)
        summary.removedFileObjects++
      }
    }
  }
  // By name only for content still on disk, whose size then narrows the match: an upload of the
  // killed run has this name, this size, and was made after the journal entry was written.
  const sizes = new Map<string, number>()
  const hashes = new Map(uploads.map(e => [e.path, e.hash]))
  for (const f of local) if (hashes.get(f.path) === f.sha256) sizes.set(f.path, f.size)
  if (sizes.size > 0) {
    const since = Math.min(
      ...uploads
        .filter(e => sizes.has(e.path))
        .map(e => Date.parse(e.at))
        .filter(Number.isFinite),
    )
    summary.removedFileObjects += await sweepOrphans(provider, state, sizes.keys(), {
      sinceMs: Number.isFinite(since) ? since : 0,
      attached: new Set(remote.keys()),
      sizes,
    })
  }

  delete state.journal
  logger.info(
    `completed an interrupted sync: ${plural(journal.length, 'pending operation')} settled, ${plural(summary.removedDocuments, 'untracked copy', 'untracked copies')} and ${plural(summary.removedFileObjects, 'unattached file object')} removed${summary.forgotten.length ? `, ${plural(summary.forgotten.length, 'document')} to upload again` : ''}`,
  )
  return summary
}
