import type { ResolvedOptions } from './options/options'
import { refuseForeignState } from './run/context'
import { resolveStateStore, type SyncState } from './state'
import { lockState } from './state/lock'

/**
 * The one way the state is read outside a sync (llms.txt, the MCP server, the core object's
 * readState): no lock kept, nothing written; undefined before the first sync. `sameStore`: a
 * state written for another store or provider than the options name is refused.
 */
export async function readSyncedState(
  options: ResolvedOptions,
  { sameStore = false }: { sameStore?: boolean } = {},
): Promise<SyncState | undefined> {
  const store = await resolveStateStore(options, options.logger)
  try {
    const state = await store.load()
    if (state && sameStore) refuseForeignState(state, options, store)
    return state
  } finally {
    await store.close()
  }
}

/** Runs `fn` while no sync can write (the state's lock held), given the state as it is then. */
export async function whileLocked<T>(
  options: ResolvedOptions,
  fn: (state: SyncState | undefined) => Promise<T>,
  onWait?: (pid: number) => void,
): Promise<T> {
  const store = await resolveStateStore(options, options.logger)
  try {
    const release = await lockState(options.root, store, { onWait })
    try {
      return await fn(await store.load())
    } finally {
      await release()
    }
  } finally {
    await store.close()
  }
}
