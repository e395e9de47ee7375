import type { RemoteFile, StoreStatus, VectorStoreProvider } from '../../providers/types'
import type { Logger } from '../../lib/logger'
import type { FileState, SyncState } from '../state/types'
import { plural } from '../../lib/plural'
import { prefixSha256 } from '../../lib/sha256'
import { reconcile } from './reconcile'

/*
 * A store changed behind the tool's back: deleted, emptied, files detached or deleted by hand, a
 * file stuck `failed`, attributes edited. A sync that trusted its state alone would call such a
 * store "unchanged"; these checks make it look.
 */

/** The message for a state whose store no longer exists, naming the way back. */
export function storeGone(storeId: string, provider: string): string {
  return `${provider} store ${storeId} named by the sync state no longer exists (deleted outside vectornator?): run \`vectornator sync --new-store\` to create a new store and upload every document`
}

/**
 * Whether the store's own counts agree with a state of `documents` documents: as many files,
 * all completed. Undefined when they agree, else why not (one line).
 */
export function countsDisagree(status: StoreStatus, documents: number): string | undefined {
  if (status.files === documents && status.completed === documents) return undefined
  const parts = [`${status.completed} completed`]
  if (status.inProgress) parts.push(`${status.inProgress} in progress`)
  if (status.failed) parts.push(`${status.failed} failed`)
  if (status.cancelled) parts.push(`${status.cancelled} cancelled`)
  return `the store holds ${plural(status.files, 'document')} (${parts.join(', ')}) where the sync state records ${documents}: comparing every document`
}

export interface DriftRepair {
  /** Paths the state stopped tracking (missing, failed, or altered beyond repair): the plan uploads them again. */
  forgotten: string[]
  /** Paths the state did not name, taken from a completed copy the store holds (never stored twice). */
  adopted: string[]
  /** Paths whose attributes were edited in the store and were put back. */
  retagged: string[]
  /**
   * Documents of this store, with vectornator's attributes, that the state does not name: left by
   * a sync that was killed before it published, or made by one still running from an older state.
   */
  untracked: RemoteFile[]
}

/** A state entry for a document found in the store (its attributes are all there is to go on). */
export function adopt(file: RemoteFile & { path: string; sha256: string }): FileState {
  const at = file.createdAt ? new Date(file.createdAt * 1000).toISOString() : new Date().toISOString()
  return {
    fileId: file.fileId,
    hash: prefixSha256(file.sha256),
    uploadedAt: at,
    version: 1,
    metadata: { path: file.path, size: file.bytes ?? 0, lastModified: at },
    attributes: file.attributes,
  }
}

/**
 * Compares every document the state names with the store (one listing) and converges the state
 * to what is true: a document the store lacks is forgotten (its File object removed), a failed or
 * cancelled one is removed and forgotten, an altered one gets its recorded attributes back (or
 * is removed and forgotten where the store cannot rewrite them). The plan made afterwards uploads
 * whatever was forgotten. Documents no state names are returned, not removed here: the sync
 * retires them (see retireUntracked), so they go only once a state that does not name them is
 * published.
 */
export async function repairDrift(
  provider: VectorStoreProvider,
  state: SyncState,
  logger: Logger,
): Promise<DriftRepair> {
  const remote = new Map<string, RemoteFile>()
  for (const file of await provider.listFiles()) remote.set(file.fileId, file)
  const { forgotten, retagged } = await reconcile(state, provider, remote, 'drift')
  const repair: DriftRepair = { forgotten, adopted: [], retagged, untracked: [] }
  // Every document the state still names is in the store; those it forgot were removed from it.
  const named = new Set(Object.values(state.files).map(f => f.fileId))
  for (const file of remote.values()) {
    if (named.has(file.fileId) || typeof file.path !== 'string' || typeof file.sha256 !== 'string') continue
    // A path the state lost (a state restored from a backup) whose document is still stored: the
    // copy is taken instead of uploading a second one.
    if (!state.files[file.path] && file.status === 'completed') {
      state.files[file.path] = adopt(file as RemoteFile & { path: string; sha256: string })
      named.add(file.fileId)
      repair.adopted.push(file.path)
      continue
    }
    repair.untracked.push(file)
  }
  if (repair.adopted.length)
    logger.warn(
      `the sync state did not name ${plural(repair.adopted.length, 'document')} the store holds: taken back into the state`,
    )
  if (repair.forgotten.length || repair.retagged.length)
    logger.warn(
      `repaired the store: ${plural(repair.forgotten.length, 'document')} missing, failed or altered to upload again${repair.retagged.length ? `, ${repair.retagged.length} with edited attributes put back` : ''}`,
    )
  return repair
}

/**
 * Retires the documents of this store that the state does not name, so the publication that
 * follows removes them: the store then holds exactly the published tree, even when a sync on
 * another machine was killed after its uploads and before its push.
 *
 * Why this never takes another sync's work: every one of them was in the store before this sync
 * publishes, so a sync that made it and is still running started from an older state than the
 * one about to be published. Its push is then refused, and it plans again against this state,
 * checking that its uploads are still stored before it names them (publish.ts); one that yields
 * has nothing to lose. The store is this project's (the state names it), so nothing of another
 * project is ever among them.
 */
export function retireUntracked(state: SyncState, untracked: readonly RemoteFile[], logger: Logger): void {
  if (untracked.length === 0) return
  const named = new Set(Object.values(state.files).map(f => f.fileId))
  const journal = state.journal ?? []
  const journaled = new Set(journal.map(e => e.fileId))
  const at = new Date().toISOString()
  let count = 0
  for (const file of untracked) {
    if (named.has(file.fileId) || journaled.has(file.fileId)) continue
    journal.push({ op: 'delete', path: file.path ?? '', fileId: file.fileId, at })
    count++
  }
  if (count === 0) return
  state.journal = journal
  logger.warn(
    `the store holds ${plural(count, 'document')} that the sync state does not name (a sync stopped before it published, or one still running from an older state): removed once this sync publishes`,
  )
}
