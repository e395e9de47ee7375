import type { SearchHit, SyncResult, VectornatorOptions } from '../types'
import type { VectorStoreProvider } from '../providers/types'
import type { SearchRequest } from './run/search'
import type { CheckReport } from './run/retrieval'
import type { ResolvedOptions } from './options/options'
import type { PlanReport } from './plan/report'
import { createContext, type SyncContext, type VectornatorExtras } from './run/context'
import { openStatCache, prepare, saveStatCache } from './run/prepare'
import { runSync } from './run/run-sync'
import { connectStore, type StoreConnection } from './run/store'
import { storeIsExclusive } from './run/provider'
import { resolveStateStore, type StateStore, type SyncState } from './state'
import { lockState } from './state/lock'
import { verifyState, type VerifyResult } from './inspect/verify'
import { pruneStore, type PruneResult } from './inspect/prune'
import { rollbackRef, stateHistory, type HistoryResult } from './inspect/history'
import type { LlmsTxtSettings, LlmsTxtWritten } from './llms'
import { SyncedReader } from './synced'
import type { Connection, LlmsTxtTarget, SearchAnswer } from './reading'
import { readSyncedState, whileLocked } from './read-state'
import { secretAllowance } from './scan/source'

// Loaded when first used: a sync, run on every build, never needs it.
const reading = () => import('./reading')

export type { PlanReport } from './plan/report'
export type { StoreConnection } from './run/store'
export type { VectornatorExtras } from './run/context'
export type { VerifyResult } from './inspect/verify'
export type { PruneResult } from './inspect/prune'
export type { HistoryResult } from './inspect/history'
export { resultFromPlan } from './run/result'
export type { SearchRequest } from './run/search'
export type { Connection, LlmsTxtTarget, SearchAnswer } from './reading'

/** What a build hands over besides the routes and folders: the files it emitted. */
export interface BuildExtras extends VectornatorExtras {
  /**
   * Absolute paths of files the build emitted, synced besides the documents: those outside the
   * root, too large or holding a credential are left out, each with a warning.
   */
  emitted?: () => Promise<string[]>
}

export interface RollbackResult {
  /** The git ref whose documents were synced (a state commit's recorded source commit). */
  ref: string
  /** The plan, with the `dryRun` option; else undefined. */
  plan?: PlanReport
  /** The sync's outcome, without `dryRun`. */
  result?: SyncResult
}

export interface Vectornator {
  options: ResolvedOptions
  /** The plan, changing nothing. */
  status(): Promise<PlanReport>
  /** Runs the plan and saves the state. */
  sync(): Promise<SyncResult>
  /**
   * The store the state (or the options) name, opened for reading: search, checks, verify.
   * Takes no lock and writes nothing. With `provider`, that provider object is opened instead
   * (a copy of the embedded database), with this project's state.
   */
  connect(over?: { provider?: VectorStoreProvider }): Promise<Connection>
  /** Compares the state with the store (one listing); `repair` converges them. */
  verify(options?: { repair?: boolean }): Promise<VerifyResult>
  /** Removes what this tool created in the store and nothing tracks. */
  prune(options?: { dryRun?: boolean }): Promise<PruneResult>
  /** The syncs recorded on the state branch, newest first (git-branch state only). */
  history(limit?: number): Promise<HistoryResult>
  /** Syncs the documents of an earlier sync (a state branch commit) or of a git ref. */
  rollback(target: string): Promise<RollbackResult>
  /**
   * Searches the store, filtered to the request's version and locale (by default the rules'
   * `default`; `'*'` for all) and its `filter`. Opens the store and closes it again.
   */
  search(query: string, request?: SearchRequest): Promise<SearchHit[]>
  /** As search, with what the store says of how it searched (an embedded store without embedder: keywords only). */
  searchWithNotice(query: string, request?: SearchRequest): Promise<SearchAnswer>
  /** Runs the retrieval checks (`file`, else vectornator.checks.* in the root) against the store. */
  check(file?: string): Promise<CheckReport>
  /**
   * The sync state as the last sync left it, read without a sync (no lock kept, nothing
   * written); undefined before the first sync. `sameStore`: refuse a state written for another
   * store or provider than the options name.
   */
  readState(options?: { sameStore?: boolean }): Promise<SyncState | undefined>
  /** Runs `fn` while no sync can write (the state's lock held), given the state as it is then. */
  whileLocked<T>(fn: (state: SyncState | undefined) => Promise<T>, onWait?: (pid: number) => void): Promise<T>
  /** Writes llms.txt and llms-full.txt from the state (read now unless given) into `target.outDir`. */
  llmsTxt(settings: LlmsTxtSettings, target: LlmsTxtTarget): Promise<LlmsTxtWritten>
  /**
   * Reads the project's documents exactly as they were synced (llms-full.txt and the MCP server
   * read through it): the work tree's copy when its hash is the state's, else the commit's.
   */
  reader(options?: { maxBytes?: number }): SyncedReader
}

/**
 * The core every face calls (plugin, CLI, Action, library): options are resolved and checked
 * once, here, before any I/O; each operation holds the state's lock while it reads or writes the
 * state (run/run-sync.ts holds a sync's phases).
 */
export function createVectornator(
  userOptions: VectornatorOptions = {},
  buildExtras: BuildExtras = {},
  /** `userOptions` as resolveOptions resolved them, by a face that did so already. */
  resolved?: ResolvedOptions,
): Vectornator {
  const { emitted, ...given } = buildExtras
  const extras: VectornatorExtras = emitted
    ? { ...given, extraFiles: async () => (await reading()).emittedDocuments(ctx, await emitted()) }
    : given
  const ctx = createContext(userOptions, extras, { resolved })
  const { options } = ctx
  const mutates = !options.dryRun
  const connect = async ({ provider }: { provider?: VectorStoreProvider } = {}): Promise<Connection> => {
    const { withSearch } = await reading()
    if (!provider) return withSearch(ctx, await connectStore(ctx))
    // The state where this project keeps it: a provider object alone would not say the store is local.
    const metadata = await resolveStateStore(options, options.logger)
    const other = createContext({ ...userOptions, provider, metadata }, {})
    return withSearch(other, await connectStore(other))
  }
  return {
    options,
    connect,
    search: async (query, request) => (await (await reading()).searchOnce(ctx, connect, query, request)).hits,
    searchWithNotice: async (query, request) => (await reading()).searchOnce(ctx, connect, query, request),
    check: async file => (await reading()).checkStore(ctx, connect, file),
    readState: ({ sameStore = false } = {}) => readSyncedState(options, { sameStore }),
    whileLocked: (fn, onWait) => whileLocked(options, fn, onWait),
    llmsTxt: async (settings, target) => (await reading()).llmsTxtOf(ctx, settings, target),
    reader: ({ maxBytes } = {}) => new SyncedReader(options.root, { allowSecret: secretAllowance(options), maxBytes }),
    status: () =>
      withState(ctx, mutates, async stateStore => {
        const { loaded: _loaded, files: _files, ...report } = await prepare(ctx, stateStore, await openStatCache(ctx))
        return report
      }),
    sync: async () => {
      // The state's location is found (git processes, for a branch) while the cache is read.
      const resolving = resolveStateStore(options, options.logger)
      resolving.catch(() => {})
      const cache = await openStatCache(ctx)
      return withState(
        ctx,
        mutates,
        async stateStore => {
          try {
            return await runSync(ctx, stateStore, cache)
          } finally {
            // Saved whatever happened: the hashes computed are good for the next run.
            if (!options.dryRun) await saveStatCache(ctx, cache)
          }
        },
        resolving,
      )
    },
    // An embedded store is read under the lock too: one process at a time may open it.
    verify: ({ repair = false } = {}) =>
      withState(ctx, repair || storeIsExclusive(options), stateStore => verifyState(ctx, stateStore, { repair })),
    prune: ({ dryRun = options.dryRun } = {}) =>
      withState(ctx, !dryRun, stateStore => pruneStore(ctx, stateStore, { dryRun })),
    history: (limit = 20) => withState(ctx, false, stateStore => stateHistory(stateStore, limit)),
    rollback: async target => {
      const ref = await withState(ctx, false, stateStore => rollbackRef(stateStore, target, options.logger))
      const back = createVectornator({ ...userOptions, ref }, buildExtras)
      return options.dryRun ? { ref, plan: await back.status() } : { ref, result: await back.sync() }
    },
  }
}

/**
 * Runs `fn` on the state store, with the state's lock held when it may write (a sync, a repair,
 * a prune; not a dry run or a read), then releases both.
 */
async function withState<T>(
  ctx: SyncContext,
  lock: boolean,
  fn: (stateStore: StateStore) => Promise<T>,
  resolving = resolveStateStore(ctx.options, ctx.options.logger),
): Promise<T> {
  const { options } = ctx
  const stateStore = await resolving
  let release = async () => {}
  try {
    if (lock) {
      release = await lockState(options.root, stateStore, {
        onWait: pid => options.logger.info(`waiting for another vectornator run (pid ${pid}) on this state to finish`),
      })
    }
    return await fn(stateStore)
  } finally {
    await stateStore.close()
    await release()
  }
}

/** Runs one sync. */
export function sync(options: VectornatorOptions = {}): Promise<SyncResult> {
  return createVectornator(options).sync()
}

/** Searches the synced store (see Vectornator.search). */
export function search(
  query: string,
  request: SearchRequest = {},
  options: VectornatorOptions = {},
): Promise<SearchHit[]> {
  return createVectornator(options).search(query, request)
}

/** The plan of a sync, changing nothing. */
export function status(options: VectornatorOptions = {}): Promise<PlanReport> {
  return createVectornator(options).status()
}
