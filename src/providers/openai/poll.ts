import { setTimeout as wait } from 'node:timers/promises'
import type { OpenAIContext } from './context'
import { again } from './retry'

/**
 * Our schedule when the server sends no `openai-poll-after-ms` (the real API does not promise
 * it): the SDK's poll helpers would then wait 5 s between reads, longer than most files take to
 * process, and the last batch's wait is what a sync adds after its last upload. 25 ms, doubling
 * to 1 s: a small batch that is done at once is seen done at once, a slow one is read about once
 * a second (two reads more per batch than starting at 100 ms), never more than a second late.
 */
export const POLL_FIRST_MS = 25
export const POLL_MAX_MS = 1000

/** Thrown when the processing timeout passes while polling. */
export class StillInProgress extends Error {}

/**
 * Reads an object (a vector store file, a file batch) until it is no longer `in_progress`: each
 * read a call under the retry policy, the wait the server's hint, else `pollIntervalMs`, else the
 * schedule above. The SDK's `retrieve` does the reading; `first`, when given, is the object as its
 * creation answered (with that answer's hint).
 */
export async function pollUntilSettled<T extends { status: string }>(
  ctx: OpenAIContext,
  read: (signal: AbortSignal) => { withResponse: () => Promise<{ data: T; response: Response }> },
  signal: AbortSignal,
  first?: { data: T; response: Response },
): Promise<T> {
  let interval = POLL_FIRST_MS
  let hint = hintOf(first?.response)
  let current = first?.data
  try {
    while (!current || current.status === 'in_progress') {
      if (current) {
        await wait(ctx.options.pollIntervalMs ?? (hint > 0 ? hint : interval), undefined, { signal })
        interval = Math.min(POLL_MAX_MS, interval * 2)
      }
      const { data, response } = await again(() => read(signal).withResponse())
      current = data
      hint = hintOf(response)
    }
    return current
  } catch (error) {
    if (signal.aborted) throw new StillInProgress(`still in_progress after ${Math.round(ctx.timeoutMs / 1000)}s`)
    throw error
  }
}

/** The server's `openai-poll-after-ms` (NaN without one). */
const hintOf = (response: Response | undefined) => Number(response?.headers.get('openai-poll-after-ms') ?? Number.NaN)
