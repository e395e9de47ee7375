import type { PlanReport } from '../plan/report'
import { readDocuments } from '../scan/source'
import type { LocalFile, ScanResult, SkippedFile } from '../scan/scan'
import { FileStatCache, statCachePath } from '../scan/stat-cache'
import { emptyState, type StateStore, type SyncState } from '../state'
import { filesDigest, summarize, summaryFor, type StateSummary } from '../state/summary'
import { refuseForeignState, planFor, type SyncContext } from './context'
import { adoptBuild } from './build-record'
import { sortByPath } from '../../lib/paths'

/** The first phase of a sync: the state loaded (or proven unchanged), the documents scanned, the plan. */
export type Prepared = PlanReport & { loaded: SyncState | undefined; files: LocalFile[]; sourceCommit?: string }

/** A sync the state summary shows would change nothing: the state was never read. */
export interface Unchanged {
  unchanged: LocalFile[]
  skipped: SkippedFile[]
  storeId: string
  /** Documents the summarised state names: what the store's counts are compared with. */
  documents?: number
}

/** The summary a quick check compares with, and the identity of the state the store holds now. */
export interface QuickCheck {
  summary: StateSummary
  identifying: Promise<string | undefined>
}

/**
 * Starts a quick check: the summary of the last synced state, when it was made for these
 * settings, and the stored state's identity, asked at once so that what it waits for (git
 * processes, a hash in the thread pool) runs while the scan keeps this thread busy.
 */
export function startQuickCheck(
  ctx: SyncContext,
  stateStore: StateStore,
  cache: FileStatCache | undefined,
): QuickCheck | undefined {
  const summary = quickSummary(ctx, cache)
  if (!summary || !stateStore.storedIdentity || !stateStore.loadedIdentity) return undefined
  const identifying = stateStore.storedIdentity(cache)
  identifying.catch(() => {})
  return { summary, identifying }
}

/** True once the stored state is proven to be the one the summary describes. */
export async function stateIsSummarised(check: QuickCheck): Promise<boolean> {
  return (await check.identifying.catch(() => undefined)) === check.summary.identity
}

export function prepare(ctx: SyncContext, stateStore: StateStore, cache: FileStatCache | undefined): Promise<Prepared>
export function prepare(
  ctx: SyncContext,
  stateStore: StateStore,
  cache: FileStatCache | undefined,
  quick: QuickCheck | undefined,
): Promise<Prepared | Unchanged>
/**
 * Loads the state and scans the documents side by side, then plans. With a quick check, a state
 * whose summary in the local cache matches the documents is not read at all (see state/summary.ts).
 */
export async function prepare(
  ctx: SyncContext,
  stateStore: StateStore,
  cache: FileStatCache | undefined,
  quick?: QuickCheck,
): Promise<Prepared | Unchanged> {
  const { options } = ctx
  // The scan needs nothing from the state: it runs while the state loads (a git fetch, a parse).
  let scanning = scanDocuments(ctx, cache)
  scanning.catch(() => {})
  let collected: Promise<{ files: LocalFile[]; skipped: SkippedFile[]; commit?: string }> | undefined
  // Once, whichever path asks first: the skipped files are said once, the build's files read once.
  const collect = () =>
    (collected ??= (async () => {
      const scanned = await scanning
      const extra = ctx.extras.extraFiles ? await ctx.extras.extraFiles() : []
      ctx.emitted = extra.map(f => f.path)
      const files = extra.length ? mergeFiles(scanned.files, extra) : scanned.files
      for (const s of scanned.skipped) options.logger.warn(`skipped ${s.path}: ${s.reason}`)
      options.onProgress({ type: 'scan', files: files.length })
      return { files, skipped: scanned.skipped, commit: scanned.commit }
    })())
  let loaded: SyncState | undefined
  try {
    if (quick && (await quick.identifying) === quick.summary.identity) {
      const { summary } = quick
      const local = await collect()
      if (
        filesDigest(
          local.files,
          f => f.path,
          f => f.sha256,
        ) === summary.files
      ) {
        options.onProgress({
          type: 'plan',
          add: 0,
          update: 0,
          delete: 0,
          unchanged: local.files.length,
          rename: 0,
          retag: 0,
        })
        return {
          unchanged: local.files,
          skipped: local.skipped,
          storeId: summary.storeId,
          documents: summary.documents,
        }
      }
    }
    loaded = await stateStore.load()
    if (loaded) refuseForeignState(loaded, options, stateStore)
    // A run with no build of its own takes what the last build recorded (build-record.ts).
    if (adoptBuild(ctx, loaded)) {
      await scanning.catch(() => {})
      scanning = scanDocuments(ctx, cache)
      collected = undefined
    }
  } catch (error) {
    await scanning.catch(() => {})
    throw error
  }
  // Not remembered here: a state this tree did not produce (another clone's, a race's) is
  // trusted by the quick check only after a full sync compared it with this tree and the store.
  const state = loaded ?? emptyState(options.vectorStoreId ?? '')
  const { files, skipped, commit } = await collect()
  return { ...planFor(ctx, files, state), skipped, loaded, files, sourceCommit: commit }
}

/** The summary of the last synced state, when it was made for these settings (see state/summary.ts). */
function quickSummary(ctx: SyncContext, cache: FileStatCache | undefined): StateSummary | undefined {
  const { options } = ctx
  return summaryFor(cache?.state, {
    storeId: options.vectorStoreId,
    provider: options.providerName,
    fingerprint: ctx.contentFingerprint,
    attributes: ctx.attributesFingerprint,
  })
}

/** Keeps the summary of the state the store now holds, for the next sync's quick check. */
export function remember(cache: FileStatCache | undefined, state: SyncState, stateStore: StateStore): void {
  const identity = stateStore.loadedIdentity?.()
  if (cache && identity && cache.state?.identity !== identity) cache.state = summarize(state, identity)
}

/** The local stat cache, when documents come from the work tree (not from a git ref). */
export async function openStatCache(ctx: SyncContext): Promise<FileStatCache | undefined> {
  return ctx.options.ref ? undefined : FileStatCache.load(statCachePath(ctx.options.root))
}

export async function saveStatCache(ctx: SyncContext, cache: FileStatCache | undefined): Promise<void> {
  await cache?.save().catch(e => ctx.options.logger.debug(`could not save the stat cache: ${e.message}`))
}

/**
 * The documents, hashed through the local stat cache: a document whose size, mtime, ctime and
 * inode are those recorded is not read again.
 */
function scanDocuments(ctx: SyncContext, cache: FileStatCache | undefined): Promise<ScanResult & { commit?: string }> {
  const { options, limits } = ctx
  // A git ref's documents come from git's objects, hashed as they stream: no cache to consult.
  return readDocuments(options, options.maxFileSize ?? limits.maxFileBytes, options.ref ? undefined : cache)
}

/** Emitted build files join the scanned documents; a path found twice is kept once. */
function mergeFiles(scanned: LocalFile[], extra: LocalFile[]): LocalFile[] {
  const byPath = new Map(scanned.map(f => [f.path, f]))
  for (const f of extra) byPath.set(f.path, f)
  return sortByPath([...byPath.values()])
}
