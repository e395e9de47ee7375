import { promises as fs } from 'node:fs'
import type { RemoteFile, RemoteFileStatus, VectorStoreProvider } from '../../providers/types'
import { UsageError } from '../../lib/errors'
import { findOrphanFileObjects, type FileObjectRef } from '../run/orphans'
import type { ResolvedOptions } from '../options/options'
import { refuseForeignState, type SyncContext } from '../run/context'
import { openStoreById } from '../run/store'
import { providerLimits, releaseProvider } from '../run/provider'
import { scan } from '../scan/scan'
import { settleJournal } from '../run/settle'
import { adopt } from '../run/drift'
import { emptyState, StateError, type FileState, type StateStore, type SyncState } from '../state'
import { stripSha256 } from '../../lib/sha256'
import { comparePaths, sortByPath } from '../../lib/paths'

/** How the stored state was found. */
export type StateCondition = 'ok' | 'missing' | 'corrupt'

/** What the remote store holds that the state does not describe, by kind. */
export interface Drift {
  storeId: string
  state: StateCondition
  /** Why the state could not be read (`corrupt`). */
  stateError?: string
  /** Documents the state tracks. */
  tracked: number
  /** Documents in the store. */
  remote: number
  /** Documents without vectornator's `path`/`sha256` attributes: never touched by verify or prune. */
  foreign: number
  /** Operations an interrupted sync left in the journal (settled by the next sync or by --repair). */
  journal: number
  /** Tracked by the state, absent from the store. */
  missing: { path: string; fileId: string }[]
  /** In the store, but its `path`/`sha256` attributes disagree with the state. */
  stale: { path: string; fileId: string; sha256: string; remotePath?: string; remoteSha256?: string }[]
  /** Tracked, but the store has not (or not successfully) processed it. */
  failed: { path: string; fileId: string; status: RemoteFileStatus; error?: string }[]
  /** Documents with vectornator's attributes that the state does not track; `duplicate` when it tracks another copy of the path. */
  untracked: { path: string; fileId: string; sha256: string; status: RemoteFileStatus; duplicate: boolean }[]
  /** File objects uploaded under a document's name that nothing is attached to or tracks. */
  orphanFileObjects: FileObjectRef[]
  /** True when any of the above (but `foreign`) is not empty, or the state is not `ok`. */
  drift: boolean
}

export interface RepairSummary {
  /** The state was missing or corrupt and has been rebuilt from the store alone. */
  stateRebuilt: boolean
  /** Where the corrupt state was kept before it was replaced (state file only). */
  backup?: string
  /** Journal entries settled. */
  settled: number
  /** Paths the state stopped tracking (missing, failed or stale in the store): the next sync uploads them. */
  forgotten: string[]
  /** Paths the state now tracks from a document found in the store. */
  adopted: string[]
  /** Ids of documents deleted (duplicates, failed copies). */
  deletedDocuments: string[]
  /** Ids of bare File objects deleted. */
  deletedFileObjects: string[]
}

export interface VerifyResult extends Drift {
  /** Set with --repair: what was done. */
  repaired?: RepairSummary
  /** Set with --repair: the comparison made after the repair. */
  after?: Drift
}

const hashOf = (entry: FileState) => stripSha256(entry.hash)
const isOurs = (f: RemoteFile): f is RemoteFile & { path: string; sha256: string } =>
  typeof f.path === 'string' && typeof f.sha256 === 'string'

/** Only a state that cannot be parsed is "corrupt"; other StateErrors (a failed fetch) are not ours to paper over. */
function isCorrupt(error: unknown): error is StateError {
  return error instanceof StateError && /corrupt|not a vectornator state/.test(error.message)
}

/** The state file's path when the state is kept in a file (for a backup and to salvage a store id). */
function stateFilePath(options: ResolvedOptions, stateStore: StateStore): string | undefined {
  const meta = options.metadata
  if ('load' in meta || stateStore.kind !== 'file') return undefined
  return meta.path
}

/** The store id a corrupt state file still names, if it can be read off its text. */
async function salvageStoreId(path: string | undefined): Promise<string | undefined> {
  if (!path) return undefined
  const text = await fs.readFile(path, 'utf8').catch(() => '')
  return /"storeId"\s*:\s*"([\w-]+)"/.exec(text)?.[1]
}

/** Paths of the documents under the root (their uploads' File objects are recognised by name). */
export async function localPaths(options: ResolvedOptions): Promise<string[]> {
  const scanned = await scan({
    root: options.root,
    include: options.include,
    exclude: options.exclude,
    gitignore: options.gitignore,
    dot: options.dot,
    maxFileBytes: options.maxFileSize ?? providerLimits(options).maxFileBytes,
  })
  return scanned.files.map(f => f.path)
}

/** Compares the state with the store: one listing of its documents, one of the File objects. */
export async function inspect(
  provider: VectorStoreProvider,
  state: SyncState,
  condition: StateCondition,
  extraPaths: Iterable<string> = [],
): Promise<Drift & { remoteFiles: RemoteFile[] }> {
  const remoteFiles = await provider.listFiles()
  const byId = new Map(remoteFiles.map(f => [f.fileId, f]))
  const ours = remoteFiles.filter(isOurs)
  const trackedIds = new Set(Object.values(state.files).map(f => f.fileId))

  const drift: Drift = {
    storeId: state.storeId,
    state: condition,
    tracked: Object.keys(state.files).length,
    remote: remoteFiles.length,
    foreign: remoteFiles.length - ours.length,
    journal: state.journal?.length ?? 0,
    missing: [],
    stale: [],
    failed: [],
    untracked: [],
    orphanFileObjects: [],
    drift: false,
  }
  for (const [path, entry] of Object.entries(state.files).sort(([a], [b]) => comparePaths(a, b))) {
    const remote = byId.get(entry.fileId)
    if (!remote) drift.missing.push({ path, fileId: entry.fileId })
    else if (remote.status !== 'completed')
      drift.failed.push({
        path,
        fileId: entry.fileId,
        status: remote.status,
        ...(remote.lastError ? { error: remote.lastError } : {}),
      })
    else if (remote.path !== path || remote.sha256 !== hashOf(entry))
      drift.stale.push({
        path,
        fileId: entry.fileId,
        sha256: hashOf(entry),
        remotePath: remote.path,
        remoteSha256: remote.sha256,
      })
  }
  for (const f of ours) {
    if (trackedIds.has(f.fileId)) continue
    drift.untracked.push({
      path: f.path,
      fileId: f.fileId,
      sha256: f.sha256,
      status: f.status,
      duplicate: state.files[f.path] !== undefined,
    })
  }
  sortByPath(drift.untracked)
  const names = new Set([...Object.keys(state.files), ...ours.map(f => f.path), ...extraPaths])
  drift.orphanFileObjects = await findOrphanFileObjects(provider, state, names, { attached: new Set(byId.keys()) })
  drift.drift =
    condition !== 'ok' ||
    drift.journal > 0 ||
    drift.missing.length > 0 ||
    drift.stale.length > 0 ||
    drift.failed.length > 0 ||
    drift.untracked.length > 0 ||
    drift.orphanFileObjects.length > 0
  return { ...drift, remoteFiles }
}

/**
 * Converges the state and the store:
 * - a tracked document that is missing, failed or mis-tagged is forgotten (the next sync uploads it);
 * - for each path the state does not track, the newest completed copy in the store is adopted;
 * - every other copy of a path (duplicates, failed copies) is deleted, with its File object;
 * - bare File objects nothing uses are deleted.
 * With an empty state this is the rebuild from the store alone.
 */
async function repair(
  provider: VectorStoreProvider,
  state: SyncState,
  drift: Drift & { remoteFiles: RemoteFile[] },
  summary: RepairSummary,
): Promise<void> {
  for (const { path } of [...drift.missing, ...drift.failed, ...drift.stale]) {
    delete state.files[path]
    summary.forgotten.push(path)
  }
  const kept = new Set(Object.values(state.files).map(f => f.fileId))
  const byPath = new Map<string, (RemoteFile & { path: string; sha256: string })[]>()
  for (const f of drift.remoteFiles.filter(isOurs)) {
    if (kept.has(f.fileId)) continue
    const list = byPath.get(f.path)
    if (list) list.push(f)
    else byPath.set(f.path, [f])
  }
  for (const [path, copies] of byPath) {
    let keep: (RemoteFile & { path: string; sha256: string }) | undefined
    if (!state.files[path]) {
      const completed = copies.filter(c => c.status === 'completed')
      // The newest by creation time; within the same second, the first listed (stores list newest first).
      keep = completed.reduce<typeof keep>(
        (best, c) => (!best || (c.createdAt ?? 0) > (best.createdAt ?? 0) ? c : best),
        undefined,
      )
      if (keep) {
        state.files[path] = adopt(keep)
        summary.adopted.push(path)
      }
    }
    for (const copy of copies) {
      if (copy === keep) continue
      await provider.deleteFile(copy.fileId)
      summary.deletedDocuments.push(copy.fileId)
    }
  }
  for (const orphan of drift.orphanFileObjects) {
    await provider.deleteFileObject!(orphan.fileId)
    summary.deletedFileObjects.push(orphan.fileId)
  }
  summary.forgotten.sort()
  summary.adopted.sort()
}

const strip = <T extends { remoteFiles: unknown }>(d: T): Omit<T, 'remoteFiles'> => {
  const { remoteFiles: _remoteFiles, ...rest } = d
  return rest
}

/**
 * `vectornator verify [--repair]`: compares the sync state with the remote store, paging through
 * every document and its `path`/`sha256` attributes, and reports drift. With `repair`, converges
 * them (see `repair`), after settling any interrupted sync; a missing or corrupt state is rebuilt
 * from the store alone, and only then is a corrupt state replaced (a state file is kept aside).
 * Needs the store id: from the state, else --store / VECTORNATOR_STORE_ID, else read off a corrupt
 * state file.
 */
export async function verifyState(
  ctx: SyncContext,
  stateStore: StateStore,
  { repair: doRepair = false }: { repair?: boolean } = {},
): Promise<VerifyResult> {
  const { options } = ctx
  const logger = options.logger
  let provider: VectorStoreProvider | undefined
  try {
    let loaded: SyncState | undefined
    let condition: StateCondition = 'ok'
    let stateError: string | undefined
    try {
      loaded = await stateStore.load()
      if (!loaded) condition = 'missing'
    } catch (error) {
      if (!isCorrupt(error)) throw error
      condition = 'corrupt'
      stateError = error.message
    }
    if (loaded) refuseForeignState(loaded, options, stateStore)
    const file = stateFilePath(options, stateStore)
    const storeId =
      options.vectorStoreId ??
      (loaded?.storeId || undefined) ??
      (condition === 'corrupt' ? await salvageStoreId(file) : undefined)
    if (!storeId) {
      throw new UsageError(
        condition === 'missing'
          ? `there is no sync state in ${stateStore.location} to verify: pass the store with --store (or VECTORNATOR_STORE_ID)${doRepair ? ' to rebuild the state from it' : ''}`
          : `the sync state in ${stateStore.location} is corrupt and names no store that can be read: pass the store with --store (or VECTORNATOR_STORE_ID)`,
      )
    }
    provider = await openStoreById(ctx, storeId)
    const state = loaded ?? { ...emptyState(storeId), provider: options.providerName }
    state.storeId = storeId
    const local = await localPaths(options)
    const before = await inspect(provider, state, condition, local)
    const result: VerifyResult = { ...strip(before), ...(stateError ? { stateError } : {}) }
    if (!doRepair) return result

    const summary: RepairSummary = {
      stateRebuilt: condition !== 'ok',
      settled: 0,
      forgotten: [],
      adopted: [],
      deletedDocuments: [],
      deletedFileObjects: [],
    }
    if (condition === 'corrupt' && file) {
      summary.backup = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
      await fs.copyFile(file, summary.backup)
    }
    let current = before
    if (state.journal?.length) {
      summary.settled = state.journal.length
      const settled = await settleJournal(state, provider, logger)
      if (settled) summary.forgotten.push(...settled.forgotten)
      current = await inspect(provider, state, condition, local)
    }
    await repair(provider, state, current, summary)
    delete state.journal
    await stateStore.finish(state, { message: repairMessage(summary), changed: true })
    result.repaired = summary
    result.after = strip(await inspect(provider, state, 'ok', local))
    return result
  } finally {
    await releaseProvider(provider)
  }
}

function repairMessage(s: RepairSummary): string {
  const parts = [
    s.stateRebuilt ? `state rebuilt from the store (${s.adopted.length} documents)` : '',
    s.settled ? `${s.settled} interrupted operations settled` : '',
    s.forgotten.length ? `${s.forgotten.length} forgotten` : '',
    !s.stateRebuilt && s.adopted.length ? `${s.adopted.length} adopted` : '',
    s.deletedDocuments.length ? `${s.deletedDocuments.length} extra documents deleted` : '',
    s.deletedFileObjects.length ? `${s.deletedFileObjects.length} unattached file objects deleted` : '',
  ].filter(Boolean)
  return `vectornator: verify --repair${parts.length ? `: ${parts.join(', ')}` : ' (nothing to repair)'}`
}
