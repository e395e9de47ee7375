import type { SearchHit, SyncResult, VectornatorOptions } from '../types'
import { searchArguments, searchDocs, type SearchRequest } from './inspect/search'
import type { ResolvedOptions } from './options/options'
import type { PlanReport } from './plan/report'
import { acquireLock, lockFileFor } from './run/lock'
import { createContext, type SyncContext, type VectornatorExtras } from './run/context'
import { openStatCache, prepare, saveStatCache } from './run/prepare'
import { runSync } from './run/run-sync'
import { connectStore, type StoreConnection } from './run/store'
import { resolveStateStore, type StateStore } from './state'

export type { PlanReport } from './plan/report'
export type { StoreConnection } from './run/store'
export type { VectornatorExtras } from './run/context'
export { resultFromPlan } from './run/result'
export type { SearchRequest } from './inspect/search'

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
  /**
   * Searches the store, filtered to the request's version and locale (by default the rules'
   * `default`; `'*'` for all) and its `filter`. Opens the store and closes it again.
   */
  search(query: string, request?: SearchRequest): Promise<SearchHit[]>
}

/**
 * The core every face calls (plugin, CLI, Action, library): options are resolved and checked
 * once, here, before any I/O; each operation takes the state's lock and runs its phases
 * (run/run-sync.ts for a sync).
 */
export function createVectornator(userOptions: VectornatorOptions = {}, extras: VectornatorExtras = {}): Vectornator {
  const ctx = createContext(userOptions, extras)
  const { options } = ctx
  return {
    options,
    connect: () => connectStore(ctx),
    search: async (query, request) => {
      // A bad request is refused before the store is opened.
      searchArguments(options, query, request)
      const connection = await connectStore(ctx)
      try { return await searchDocs(connection.provider, options, query, request) }
      finally { await connection.close() }
    },
    status: () => withState(ctx, async (store) => {
      const { loaded: _loaded, files: _files, ...report } = await prepare(ctx, store, await openStatCache(ctx))
      return report
    }),
    sync: async () => {
      // The state's location is found (git processes, for a branch) while the cache is read.
      const resolving = resolveStateStore(options, options.logger)
      resolving.catch(() => {})
      const cache = await openStatCache(ctx)
      return withState(ctx, async (store) => {
        try { return await runSync(ctx, store, cache) }
        finally {
          // Saved whatever happened: the hashes computed are good for the next run.
          if (!options.dryRun) await saveStatCache(ctx, cache)
        }
      }, resolving)
    },
  }
}

/** Runs `fn` on the state store with the state's lock held (none for a dry run), then releases both. */
async function withState<T>(ctx: SyncContext, fn: (store: StateStore) => Promise<T>, resolving = resolveStateStore(ctx.options, ctx.options.logger)): Promise<T> {
  const { options } = ctx
  const store = await resolving
  const release = options.dryRun
    ? async () => {}
    : await acquireLock(lockFileFor(options.root, store.kind, store.location), {
        onWait: pid => options.logger.info(`waiting for another vectornator run (pid ${pid}) on this state to finish`),
      })
  try { return await fn(store) }
  finally {
    await store.close()
    await release()
  }
}

/** Runs one sync. */
export function sync(options: VectornatorOptions = {}): Promise<SyncResult> {
  return createVectornator(options).sync()
}

/** Searches the synced store (see Vectornator.search). */
export function search(query: string, request: SearchRequest = {}, options: VectornatorOptions = {}): Promise<SearchHit[]> {
  return createVectornator(options).search(query, request)
}

/** The plan of a sync, changing nothing. */
export function status(options: VectornatorOptions = {}): Promise<PlanReport> {
  return createVectornator(options).status()
}
