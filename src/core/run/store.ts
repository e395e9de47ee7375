import pLimit from 'p-limit'
import type { VectorStoreProvider } from '../../providers/types'
import { UsageError } from '../../lib/errors'
import { emptyState, resolveStateStore, type StateStore, type SyncState } from '../state'
import { refuseForeignState, type SyncContext } from './context'
import { countsDisagree, storeGone } from './drift'
import { createdNotice, createProvider, releaseProvider, storeIsExclusive } from './provider'
import { lockState } from '../state/lock'
import { plural } from '../../lib/plural'

/* The one way a store is opened: by a sync, by search and checks, by verify and prune. */

export interface StoreConnection {
  provider: VectorStoreProvider
  /** The stored state, or undefined when there is none. */
  state: SyncState | undefined
  storeId: string
  close(): Promise<void>
}

/**
 * Selects the store on `provider`: the one asked for, else the one in the state, else a new one
 * (its id written into `state`). Resolves to why the store's counts disagree with the state,
 * when they do: the one request a sync spends on checking it (see drift.ts).
 */
export async function openStore(
  ctx: SyncContext,
  provider: VectorStoreProvider,
  state: SyncState,
  loaded: SyncState | undefined,
): Promise<string | undefined> {
  const { options } = ctx
  const wanted = options.vectorStoreId ?? (state.storeId || undefined)
  await provider.initialize({ storeId: wanted, storeName: options.storeName })
  await provider.connect()
  if (wanted) {
    const status = provider.storeStatus ? await provider.storeStatus() : undefined
    if (!(provider.storeStatus ? status : await provider.verifyStore()))
      throw new UsageError(notFound(ctx, wanted, provider))
    state.storeId = wanted
    return status && loaded ? countsDisagree(status, Object.keys(loaded.files).length) : undefined
  }
  state.storeId = await provider.createStore(options.storeName)
  options.logger.info(
    `created ${provider.name} store ${state.storeId} ("${options.storeName}"); its id is kept in the sync state`,
  )
  const notice = createdNotice(options, provider)
  if (notice) options.logger.info(notice)
  return undefined
}

function notFound(ctx: SyncContext, storeId: string, provider: VectorStoreProvider): string {
  if (ctx.options.vectorStoreId)
    return `vector store ${storeId} was not found (the store id given with --store / VECTORNATOR_STORE_ID): check the id, or drop it to sync into the state's store`
  return ctx.options.localStore ? notOnThisMachine(storeId) : storeGone(storeId, provider.name)
}

/** storeDisagrees' answer for an embedded store that is not on this machine (readyStore says so). */
export const ELSEWHERE = 'the embedded store is not on this machine'

/** The embedded store a state names is another machine's (the state came with a clone of the branch). */
export function notOnThisMachine(storeId: string): string {
  return `the sync state names embedded store ${storeId}, which is not on this machine (deleted, or synced on another one): run \`vectornator sync\` to build this machine's own`
}

/** Opens the store a state summary names and compares its counts: undefined when they agree. */
export async function storeDisagrees(
  ctx: SyncContext,
  provider: VectorStoreProvider,
  storeId: string,
  documents: number | undefined,
): Promise<string | undefined> {
  await provider.initialize({ storeId, storeName: ctx.options.storeName })
  // No connect() first: the embedded store answers from its counts file without opening the
  // database, which takes seconds (storeStatus connects itself when it must).
  if (!provider.storeStatus) return undefined
  const status = await provider.storeStatus()
  // Another machine's embedded store: the sync builds this machine's own (run-sync.ts readyStore).
  if (!status && ctx.options.localStore && !ctx.options.vectorStoreId) return ELSEWHERE
  if (!status) throw new UsageError(notFound(ctx, storeId, provider))
  return countsDisagree(status, documents ?? -1)
}

/**
 * The store the state (or the options) name, opened for reading: search, checks. Writes nothing.
 * An embedded store, which one process at a time may open, is held under the state's lock until
 * close() (`locked`: the caller holds it already, as a sync running its checks does).
 */
export async function connectStore(
  ctx: SyncContext,
  { locked = false }: { locked?: boolean } = {},
): Promise<StoreConnection> {
  const { options } = ctx
  const stateStore = await resolveStateStore(options, options.logger)
  let release = async () => {}
  let state: SyncState | undefined
  try {
    if (!locked && storeIsExclusive(options)) {
      release = await lockState(options.root, stateStore, {
        onWait: pid => options.logger.info(`waiting for another vectornator run (pid ${pid}) on this state to finish`),
      })
    }
    state = await stateStore.load()
    if (state) refuseForeignState(state, options, stateStore)
  } catch (error) {
    await release()
    throw error
  } finally {
    await stateStore.close()
  }
  const storeId = options.vectorStoreId ?? state?.storeId
  let provider: VectorStoreProvider
  try {
    if (!storeId)
      throw new UsageError(
        `no store to read: nothing has been synced from ${options.root} yet (run \`vectornator sync\`), or pass --store`,
      )
    provider = await openStoreById(ctx, storeId)
  } catch (error) {
    await release()
    throw error
  }
  return {
    provider,
    state,
    storeId,
    close: async () => {
      await releaseProvider(provider)
      await release()
    },
  }
}

/** A provider connected to `storeId`, which must exist (opened as a sync opens it); released when it cannot be. */
export async function openStoreById(ctx: SyncContext, storeId: string): Promise<VectorStoreProvider> {
  const provider = await createProvider(ctx.options)
  try {
    await openStore(ctx, provider, emptyState(storeId), undefined)
    return provider
  } catch (error) {
    await releaseProvider(provider)
    throw error
  }
}

/**
 * No state, but a store that already holds documents this tool wrote: uploading everything again
 * would store each document twice. The state is rebuilt from the store instead (verify --repair).
 */
export async function guardLostState(provider: VectorStoreProvider, stateStore: StateStore): Promise<void> {
  const ours = (await provider.listFiles()).filter(f => f.path !== undefined && f.sha256 !== undefined).length
  if (ours > 0)
    throw new UsageError(
      `store ${provider.storeId} already holds ${plural(ours, 'document')} synced by vectornator, but there is no sync state in ${stateStore.location}: run \`vectornator verify --repair\` to rebuild the state from the store (syncing now would upload every document again)`,
    )
}

/** The documents of a store left behind by --new-store: their File objects go, since no store holds them. */
export async function forgetOldStore(ctx: SyncContext, provider: VectorStoreProvider, old: SyncState): Promise<void> {
  const ids = Object.values(old.files).map(f => f.fileId)
  if (ids.length === 0 || !provider.deleteFileObject) return
  ctx.options.logger.info(
    `removing the ${plural(ids.length, 'file object')} of store ${old.storeId}, which no longer holds them`,
  )
  const limit = pLimit(ctx.options.concurrency)
  await Promise.all(ids.map(id => limit(() => provider.deleteFileObject!(id).catch(() => {}))))
}

/** Whether the store `storeId` exists (the provider is then pointed at it). */
export async function storeExists(ctx: SyncContext, provider: VectorStoreProvider, storeId: string): Promise<boolean> {
  await provider.initialize({ storeId, storeName: ctx.options.storeName })
  await provider.connect()
  return provider.storeStatus ? (await provider.storeStatus()) !== undefined : provider.verifyStore()
}
