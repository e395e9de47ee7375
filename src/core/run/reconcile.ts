import type { Attributes, RemoteFile, VectorStoreProvider } from '../../providers/types'
import { stripSha256 } from '../../lib/sha256'
import type { FileState, SyncState } from '../state/types'

/**
 * How closely the state's documents are compared with the store:
 * - `journal`, after a killed run (settle.ts): what such a run can leave wrong, a document gone
 *   or one whose `path`/`sha256` disagree with the state (a rename cut short). A File object that
 *   cannot be removed stops the settle, so the journal that leads back to it is kept.
 * - `drift`, for a store changed behind the tool's back (drift.ts): also failed and cancelled
 *   documents and every attribute; removing the File object of a detached document is best effort.
 */
export type ReconcileDepth = 'journal' | 'drift'

export interface Reconciled {
  /** Paths the state stopped tracking: the plan uploads them again. */
  forgotten: string[]
  /** Paths whose attributes in the store were put back to what the state records. */
  retagged: string[]
  /** Documents removed from the store (and from `remote`). */
  removed: number
}

function sameAttributes(a: Attributes, b: Attributes): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every(k => a[k] === b[k])
}

/** Whether the stored document agrees with the state's entry, at `depth`. */
function agrees(file: RemoteFile, path: string, entry: FileState, depth: ReconcileDepth): boolean {
  const sha256 = stripSha256(entry.hash)
  if (depth === 'journal') return file.path === undefined || (file.path === path && file.sha256 === sha256)
  const expected = entry.attributes ?? { ...file.attributes, path, sha256 }
  return sameAttributes(file.attributes, expected)
}

/**
 * The one pass that converges the state to what the store holds, entry by entry: a document the
 * store lacks is forgotten (its File object removed), a failed or cancelled one (`drift`) is
 * removed and forgotten, one that disagrees gets the state's attributes back, or is removed and
 * forgotten where the store cannot rewrite them. `remote` (the store's listing, by file id) loses
 * the documents removed. Documents the state does not name are left to the caller.
 */
export async function reconcile(
  state: SyncState,
  provider: VectorStoreProvider,
  remote: Map<string, RemoteFile>,
  depth: ReconcileDepth,
): Promise<Reconciled> {
  const done: Reconciled = { forgotten: [], retagged: [], removed: 0 }
  const removeObject = (provider.deleteFileObject ?? provider.deleteFile).bind(provider)
  const forget = (path: string) => {
    delete state.files[path]
    done.forgotten.push(path)
  }
  const remove = async (path: string, fileId: string) => {
    await provider.deleteFile(fileId)
    remote.delete(fileId)
    done.removed++
    forget(path)
  }
  for (const [path, entry] of Object.entries(state.files)) {
    const file = remote.get(entry.fileId)
    if (!file) {
      // Detached (by hand, or by a removal killed between its two requests): its File object may
      // still be billed, and goes too.
      const removing = removeObject(entry.fileId)
      await (depth === 'drift' ? removing.catch(() => {}) : removing)
      forget(path)
      continue
    }
    if (depth === 'drift' && (file.status === 'failed' || file.status === 'cancelled')) {
      await remove(path, entry.fileId)
      continue
    }
    // Still processing (the store may take its time): the counts keep asking until it settles.
    if (depth === 'drift' && file.status !== 'completed') continue
    if (agrees(file, path, entry, depth)) continue
    if (provider.updateAttributes && entry.attributes) {
      const sha256 = stripSha256(entry.hash)
      await provider.updateAttributes(entry.fileId, {
        path,
        sha256,
        size: entry.metadata.size,
        lastModified: entry.metadata.lastModified,
        // The state wrote them and computed the hash from the content it sent.
        attributes: depth === 'drift' ? entry.attributes : { ...entry.attributes, path, sha256 },
      })
      done.retagged.push(path)
      continue
    }
    await remove(path, entry.fileId)
  }
  return done
}
