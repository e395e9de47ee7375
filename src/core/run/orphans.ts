import type { VectorStoreProvider } from '../../providers/types'
import type { SyncState } from '../state/types'

export interface FileObjectRef {
  fileId: string
  filename: string
  createdAt: number
  /** Size, when the provider reports it. */
  bytes?: number
}

export interface OrphanSearch {
  /** Only File objects created at or after this time (ms since the epoch); default: all of them. */
  sinceMs?: number
  /**
   * Ids of every document in the store, when the caller has just listed it: saves one request per
   * candidate. Without it each candidate is looked up (`getFile`).
   */
  attached?: ReadonlySet<string>
  /**
   * Sizes by path: a File object only counts when its size is the size of that path's content
   * (when the provider reports sizes). Narrows the name match to uploads of this very content.
   */
  sizes?: ReadonlyMap<string, number>
}

/**
 * Slack on `sinceMs` for a local clock behind the store's. Small on purpose: a clock further off
 * leaves an orphan for `prune`, where a wide window could take another project's upload.
 */
const CLOCK_SLACK_S = 10

/** True when the provider keeps File objects apart from documents and can list and delete them. */
export function tracksFileObjects(provider: VectorStoreProvider): boolean {
  return Boolean(provider.listFileObjects && provider.fileObjectName && provider.deleteFileObject)
}

/**
 * File objects this tool uploaded that no document uses: an upload retried after its first answer
 * was lost (a second File object nobody holds the id of), or an upload a killed run never attached.
 * Recognised by all of: the name this tool gives an upload of one of `paths`
 * (`provider.fileObjectName`), creation at or after `sinceMs`, not tracked by the state, and not
 * attached to the store (and, given `sizes`, the size of that path's content). Nothing else is
 * ever a candidate: a File object uploaded under another name, or attached to this store, is never
 * returned.
 *
 * A name is not proof of ownership: another store in the same account (another project) may hold
 * a document of the same path, whose File object is attached there, not here. So a sync never
 * sweeps by name on its own: only after a killed run (settle.ts, narrowed by size and time), or
 * when asked (`prune`, `verify --repair`).
 */
export async function findOrphanFileObjects(
  provider: VectorStoreProvider,
  state: SyncState,
  paths: Iterable<string>,
  search: OrphanSearch = {},
): Promise<FileObjectRef[]> {
  if (!tracksFileObjects(provider)) return []
  const names = new Set<string>()
  const sizes = new Map<string, Set<number>>()
  for (const path of paths) {
    const name = provider.fileObjectName!(path)
    names.add(name)
    const size = search.sizes?.get(path)
    if (size !== undefined) sizes.set(name, (sizes.get(name) ?? new Set()).add(size))
  }
  if (names.size === 0) return []
  const sizeMatches = (o: FileObjectRef) =>
    !search.sizes || o.bytes === undefined || sizes.get(o.filename)?.has(o.bytes) === true
  const tracked = new Set(Object.values(state.files).map(f => f.fileId))
  const since = search.sinceMs === undefined ? 0 : Math.max(0, Math.floor(search.sinceMs / 1000) - CLOCK_SLACK_S)
  const candidates = ((await provider.listFileObjects!(since)) as FileObjectRef[]).filter(
    o => names.has(o.filename) && sizeMatches(o) && !tracked.has(o.fileId) && !search.attached?.has(o.fileId),
  )
  const orphans: FileObjectRef[] = []
  for (const candidate of candidates) {
    // Attached to the store means a document uses it: never ours to delete.
    if (!search.attached && provider.getFile && (await provider.getFile(candidate.fileId))) continue
    orphans.push(candidate)
  }
  return orphans
}

/**
 * Deletes the orphan File objects of `paths` created since `sinceMs` (see findOrphanFileObjects).
 * Resolves to how many were deleted.
 */
export async function sweepOrphans(
  provider: VectorStoreProvider,
  state: SyncState,
  paths: Iterable<string>,
  search: OrphanSearch & { sinceMs: number },
): Promise<number> {
  const orphans = await findOrphanFileObjects(provider, state, paths, search)
  for (const orphan of orphans) await provider.deleteFileObject!(orphan.fileId)
  return orphans.length
}
