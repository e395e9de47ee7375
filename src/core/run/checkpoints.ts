import type { Logger } from '../../lib/logger'
import type { StateStore, SyncState } from '../state'

/** How long a change waits before it is saved with the others made meanwhile. */
const CHECKPOINT_MS = 500
/**
 * A save writes the whole state, so its cost grows with the corpus (a second and more for a
 * state of 100,000 documents, written to git): the wait after one is this many times as long as
 * it took, so saving never takes more than a fifth of a run, whatever the size of the state.
 */
const WAIT_PER_SAVE = 4

export interface Checkpoints {
  /** Notes a change: saved within CHECKPOINT_MS, with every other change made until then. */
  checkpoint(): void
  /** Saves now (after any save under way): before a remote mutation, at the end. */
  flush(): Promise<void>
  /**
   * Drops the save waiting to be made and waits out one under way, saving nothing: for a caller
   * that writes the state itself next (a finish), so the whole state is not written twice.
   */
  drain(): Promise<void>
  /** After a failure: waits out a save under way, then saves what there is, without throwing. */
  abandon(): Promise<void>
}

/**
 * The saves of one sync's state while it runs: coalesced, one at a time, so a run that is killed
 * leaves a recent state (and its journal) for the next run to settle.
 */
export function createCheckpoints(stateStore: StateStore, state: SyncState, logger: Logger): Checkpoints {
  let timer: NodeJS.Timeout | undefined
  let pending: Promise<void> | undefined
  let dirty = false
  let lastSaveMs = 0
  const warn = (error: Error) => logger.warn(`could not save the state: ${error.message}`)

  async function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer)
      timer = undefined
    }
    while (pending) await pending
    dirty = false
    const started = Date.now()
    pending = stateStore.save(state).finally(() => {
      pending = undefined
      lastSaveMs = Date.now() - started
    })
    await pending
  }

  async function drain(): Promise<void> {
    if (timer) {
      clearTimeout(timer)
      timer = undefined
    }
    dirty = false
    while (pending) await pending.catch(() => {})
  }

  return {
    flush,
    drain,
    checkpoint() {
      dirty = true
      timer ??= setTimeout(
        () => {
          timer = undefined
          if (dirty) void flush().catch(warn)
        },
        Math.max(CHECKPOINT_MS, WAIT_PER_SAVE * lastSaveMs),
      )
    },
    async abandon() {
      await drain()
      await stateStore.save(state).catch(warn)
    },
  }
}
