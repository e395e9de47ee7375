import type { Logger } from '../../lib/logger'
import type { StateStore, SyncState } from '../state'

/** How long a change waits before it is saved with the others made meanwhile. */
const CHECKPOINT_MS = 500

export interface Checkpoints {
  /** Notes a change: saved within CHECKPOINT_MS, with every other change made until then. */
  checkpoint(): void
  /** Saves now (after any save under way): before a remote mutation, at the end. */
  flush(): Promise<void>
  /** After a failure: waits out a save under way, then saves what there is, without throwing. */
  abandon(): Promise<void>
}

/**
 * The saves of one sync's state while it runs: coalesced, one at a time, so a run that is killed
 * leaves a recent state (and its journal) for the next run to settle.
 */
export function createCheckpoints(store: StateStore, state: SyncState, logger: Logger): Checkpoints {
  let timer: NodeJS.Timeout | undefined
  let pending: Promise<void> | undefined
  let dirty = false
  const warn = (error: Error) => logger.warn(`could not save the state: ${error.message}`)

  async function flush(): Promise<void> {
    if (timer) { clearTimeout(timer); timer = undefined }
    while (pending) await pending
    dirty = false
    pending = store.save(state).finally(() => { pending = undefined })
    await pending
  }

  return {
    flush,
    checkpoint() {
      dirty = true
      timer ??= setTimeout(() => {
        timer = undefined
        if (dirty) void flush().catch(warn)
      }, CHECKPOINT_MS)
    },
    async abandon() {
      if (timer) { clearTimeout(timer); timer = undefined }
      while (pending) await pending.catch(() => {})
      await store.save(state).catch(warn)
    },
  }
}
