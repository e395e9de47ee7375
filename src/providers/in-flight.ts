import { UsageError } from '../lib/errors'

/**
 * The one bound on a provider's requests in flight (the user's `concurrency`): made once when the
 * provider is created and never changed, so at any moment at most `max` requests are out,
 * whatever they are for and whichever call made them.
 */
export interface Gate {
  readonly max: number
  /** Runs `task` once fewer than `max` tasks run; a waiter whose `signal` aborts leaves the queue. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal | null): Promise<T>
}

type Fetch = typeof globalThis.fetch

/** Throws one line naming the fix when `max` cannot bound anything. */
export function checkConcurrency(max: unknown): number {
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1)
    throw new UsageError(`concurrency must be a whole number of at least 1, got ${JSON.stringify(max)}`)
  return max
}

export function createGate(max: number): Gate {
  checkConcurrency(max)
  let running = 0
  const queue: (() => void)[] = []
  // A slot is handed straight to the next waiter, never freed in between: a task that arrives
  // while the waiter has yet to resume cannot take it too.
  const release = () => {
    const next = queue.shift()
    if (next) next()
    else running--
  }
  return {
    max,
    async run(task, signal) {
      if (running < max) running++
      else {
        signal?.throwIfAborted()
        await new Promise<void>((resolve, reject) => {
          const start = () => {
            signal?.removeEventListener('abort', abort)
            resolve()
          }
          const abort = () => {
            queue.splice(queue.indexOf(start), 1)
            reject(signal!.reason)
          }
          queue.push(start)
          signal?.addEventListener('abort', abort, { once: true })
        })
      }
      try {
        return await task()
      } finally {
        release()
      }
    },
  }
}

/**
 * A fetch that sends through the gate. The slot is held until the answer's headers arrive (or the
 * request fails): what the server still sends after them is the body of an answer already given.
 */
export function gatedFetch(base: Fetch, gate: Gate): Fetch {
  return (input, init) => gate.run(() => base(input, init), init?.signal)
}
