import type { SearchHit, SyncResult, VectornatorOptions } from '../types'
import { searchArguments, searchDocs, type SearchRequest } from './run/search'
import type { ResolvedOptions } from './options/options'
import type { PlanReport } from './plan/report'
import { createContext, type SyncContext, type VectornatorExtras } from './run/context'
import { openStatCache, prepare, saveStatCache } from './run/prepare'
import { runSync } from './run/run-sync'
import { connectStore, type StoreConnection } from './run/store'
import { storeIsExclusive } from './run/provider'
import { resolveStateStore, type StateStore } from './state'
import { lockState } from './state/lock'
import { verifyState, type VerifyResult } from './inspect/verify'
import { pruneStore, type PruneResult } from './inspect/prune'
import { rollbackRef, stateHistory, type HistoryResult } from './inspect/history'

export type { PlanReport } from './plan/report'
export type { StoreConnection } from './run/store'
export type { VectornatorExtras } from './run/context'
export type { VerifyResult } from './inspect/verify'
export type { PruneResult } from './inspect/prune'
export type { HistoryResult } from './inspect/history'
export { resultFromPlan } from './run/result'
export type { SearchRequest } from './run/search'

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
   * Takes no lock and writes nothing.
   */
  connect(): Promise<StoreConnection>
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
}

/**
 * The core every face calls (plugin, CLI, Action, library): options are resolved and checked
 * once, here, before any I/O; each operation holds the state's lock while it reads or writes the
 * state (run/run-sync.ts holds a sync's phases).
 */
export function createVectornator(userOptions: VectornatorOptions = {}, extras: VectornatorExtras = {}): Vectornator {
  const ctx = createContext(userOptions, extras)
  const { options } = ctx
  const mutates = !options.dryRun
  return {
    options,
    connect: () => connectStore(ctx),
    search: async (query, request) => {
      // A bad request is refused before the store is opened.
      searchArguments(options, query, request)
      const connection = await connectStore(ctx)
      try {
        return await searchDocs(connection.provider, options, query, request)
      } finally {
        await connection.close()
      }
    },
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
      const back = createVectornator({ ...userOptions, ref }, extras)
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
