import OpenAI from 'openai'
import { UNREACHABLE_HEADER } from './refused'
import { apiHealth } from './health'

/**
 * The retry policy of the OpenAI provider, all of it.
 *
 * - The SDK retries every call `maxRetries` times (default 5: 408, 409, 429 after its
 *   `retry-after-ms`/`retry-after`, 5xx, lost connections): up to 1 + maxRetries sends.
 * - On top of it, `again` makes at most ROUNDS rounds of such a call when the last failure is
 *   still transient, after a backoff; so one call is sent at most
 *   ROUNDS x (1 + maxRetries) times: 3 x 6 = 18 with the defaults.
 * - Uploads (`POST /files`) keep that bound but make the attempts themselves: the SDK's retries are
 *   off for them and `again` makes all ROUNDS x (1 + maxRetries) attempts, so the provider knows
 *   which attempts may have made a File object (upload.ts).
 * - Embedding requests (embedders/openai.ts) do the same: the SDK's retries off, every attempt
 *   made by `again` through the embeddings pacing, ROUNDS x (1 + maxRetries) at most.
 * - A file the store itself failed (`last_error.code` `server_error`) is attached again in a new
 *   batch, ATTACH_ROUNDS attaches in all: a new request, not a resend, under the same bound.
 * - Nothing else sends a request again: the paced fetch under the SDK (pacing.ts) only holds
 *   requests back, and the polls of a batch are reads, each one a call under this policy.
 */
export const ROUNDS = 3

/** Attaches of one file at most when the store fails it with an error of its own (pipeline.ts). */
export const ATTACH_ROUNDS = 2

/** Sends of one call at most, every layer counted. */
export const maxSends = (maxRetries: number) => ROUNDS * (1 + maxRetries)

/** What is worth another try once the SDK's own retries are spent: a lost connection, 408, 409, 429, 5xx. */
export function isTransient(error: unknown): boolean {
  if (error instanceof OpenAI.APIUserAbortError) return false
  if (error instanceof OpenAI.APIConnectionError) return true
  if (!(error instanceof OpenAI.APIError)) return false
  // Nothing listens there: said at once (refused.ts).
  if (error.headers?.get(UNREACHABLE_HEADER)) return false
  const status = error.status
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500
}

export const isNotFound = (error: unknown) => error instanceof OpenAI.APIError && error.status === 404
export const isRateLimited = (error: unknown) => error instanceof OpenAI.APIError && error.status === 429

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

/**
 * The server's `retry-after-ms` on a 429, else the wait health.ts advises: short for a failure
 * now and then, the full exponential backoff (0.5 s, 1 s, ... up to 8 s) while most answers fail.
 */
function backoff(error: unknown, attempt: number): number {
  const asked = isRateLimited(error)
    ? Number((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after-ms') ?? Number.NaN)
    : Number.NaN
  if (Number.isFinite(asked)) return asked
  return apiHealth.delayMs(attempt)
}

export interface Attempts {
  /** Attempts in all (default ROUNDS: rounds of a call the SDK already retries). */
  attempts?: number
  /** Told of each failed attempt that will be tried again. */
  onRetry?: (error: unknown, attempt: number) => void
}

/**
 * Calls `fn` again when it fails transiently, at most `attempts` times in all. Only for calls that
 * are safe to repeat: reads, polls, deletes (missing is not an error), attaches (attaching a file
 * again replaces its attachment) and uploads made with the SDK's retries off (upload.ts).
 */
export async function again<T>(fn: (attempt: number) => Promise<T>, options: Attempts = {}): Promise<T> {
  const attempts = options.attempts ?? ROUNDS
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error
      options.onRetry?.(error, attempt)
      await sleep(backoff(error, attempt))
    }
  }
}

/** Missing is not an error for a deletion. */
export const ignoreNotFound = (error: unknown) => {
  if (!isNotFound(error)) throw error
}
