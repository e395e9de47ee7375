import type { FileState, SyncState } from '../state/types'
import { stripSha256 } from '../../lib/sha256'
import { sortByPath } from '../../lib/paths'
import { plural } from '../../lib/plural'

/** The least a planner needs to know of a local document. */
export interface PlanFile {
  path: string
  sha256: string
  size: number
}

export interface PlanOptions {
  /** The provider can change a stored document's attributes in place (free renames). */
  canRetag: boolean
  /** Fingerprint of the settings that shape stored content; a change re-indexes everything. */
  contentFingerprint?: string
  /** Those settings, so the plan can name what changed. */
  contentSettings?: Record<string, unknown>
  /** Fingerprint of the settings that shape attributes (baseUrl, attribute list). */
  attributesFingerprint?: string
}

export interface Plan<F extends PlanFile = PlanFile> {
  add: F[]
  update: { file: F; entry: FileState }[]
  delete: { path: string; entry: FileState }[]
  unchanged: F[]
  /** Same content under a new path: attributes updated in place, nothing uploaded. */
  rename: { file: F; from: string; entry: FileState }[]
  /** Same content and path whose attributes may have changed (settings changed). */
  retag: { file: F; entry: FileState }[]
  /** Why documents are re-indexed, e.g. "chunking changed: 282 documents to re-index". */
  reasons: string[]
}

const hashOf = (entry: FileState) => stripSha256(entry.hash)

/**
 * Pure: from the local documents and the stored state to what must happen. Only content and the
 * settings that shape the store decide a change, never mtime.
 */
export function plan<F extends PlanFile>(local: F[], state: SyncState, options: PlanOptions): Plan<F> {
  const result: Plan<F> = { add: [], update: [], delete: [], unchanged: [], rename: [], retag: [], reasons: [] }
  const reindexAll =
    options.contentFingerprint !== undefined &&
    state.fingerprint !== undefined &&
    state.fingerprint !== options.contentFingerprint &&
    Object.keys(state.files).length > 0
  const attributesChanged =
    options.attributesFingerprint !== undefined &&
    (state.settings?.attributes as string | undefined) !== undefined &&
    state.settings?.attributes !== options.attributesFingerprint

  const localPaths = new Set(local.map(f => f.path))
  const added: F[] = []
  for (const file of local) {
    const entry = state.files[file.path]
    if (!entry) added.push(file)
    else if (reindexAll || hashOf(entry) !== file.sha256) result.update.push({ file, entry })
    else if (attributesChanged && options.canRetag) result.retag.push({ file, entry })
    else if (attributesChanged) result.update.push({ file, entry })
    else result.unchanged.push(file)
  }

  // Documents gone from the root, indexed by content so a moved file can keep its remote copy.
  const gone = new Map<string, { path: string; entry: FileState }[]>()
  for (const [path, entry] of Object.entries(state.files)) {
    if (localPaths.has(path)) continue
    const list = gone.get(hashOf(entry))
    if (list) list.push({ path, entry })
    else gone.set(hashOf(entry), [{ path, entry }])
  }

  for (const file of added) {
    const candidates = options.canRetag && !reindexAll ? gone.get(file.sha256) : undefined
    const match = candidates?.shift()
    if (match) result.rename.push({ file, from: match.path, entry: match.entry })
    else result.add.push(file)
  }
  for (const list of gone.values()) for (const { path, entry } of list) result.delete.push({ path, entry })
  sortByPath(result.delete)

  if (reindexAll) {
    const changed = describeSettingsChange(state.settings?.content, options.contentSettings)
    result.reasons.push(`${changed}: ${plural(result.update.length, 'document')} to re-index`)
  }
  if (attributesChanged)
    result.reasons.push(
      `attribute settings changed: ${result.retag.length + (options.canRetag ? 0 : result.update.length)} documents to re-tag`,
    )
  return result
}

/** Names the settings that differ, e.g. `chunkSize changed`. */
function describeSettingsChange(previous: unknown, current: Record<string, unknown> | undefined): string {
  if (!previous || typeof previous !== 'object' || !current) return 'store settings changed'
  const before = previous as Record<string, unknown>
  const keys = new Set([...Object.keys(before), ...Object.keys(current)])
  const changed = [...keys].filter(k => JSON.stringify(before[k]) !== JSON.stringify(current[k])).sort()
  return changed.length > 0 ? `${changed.join(', ')} changed` : 'store settings changed'
}

export function planSize(plan: Plan): number {
  return plan.add.length + plan.update.length + plan.delete.length + plan.rename.length + plan.retag.length
}
