/**
 * Pacing to the OpenAI API's real limits (uploads 1,000 requests a minute per user; attaches 300
 * a minute per vector store, files and file batches together; 2,000 attached files a minute per
 * organization). Rather than run into 429s until the SDK's retries give up, requests are paced
 * from the response headers: `x-ratelimit-limit-requests` says how many fit in a window and the
 * longest `x-ratelimit-reset-requests` how long the window is; a log of our own requests then
 * holds the next one back only until the oldest leaves the window (not until the whole window has
 * reset, which would double a long sync's time). A 429 that still gets through (another process on
 * the same key) holds every later request of its limit back until `retry-after-ms`/`retry-after`,
 * and goes to the SDK as it came: this layer never sends a request again (retry.ts has the one
 * retry policy).
 *
 * It wraps the `fetch` the SDK uses, so every call still goes through the SDK.
 */

import { RateWindow, rateHeaders, retryAfterMs, type RateStats } from '../shared/rate-window'

export type Fetch = typeof globalThis.fetch

export type PacerStats = RateStats

export interface PacedFetch {
  fetch: Fetch
  stats: PacerStats
}

/** The limit a request counts against, or undefined for those the limits above do not cover. */
export function bucketOf(method: string, url: string): string | undefined {
  if (method !== 'POST') return undefined
  const path = new URL(url).pathname
  if (/\/files$/.test(path) && !/vector_stores/.test(path)) return 'upload'
  if (/\/uploads(\/|$)/.test(path)) return 'upload'
  const attach = /\/vector_stores\/([^/]+)\/(files|file_batches)$/.exec(path)
  if (attach) return `attach:${attach[1]}`
  return undefined
}

export function createPacedFetch(options: { fetch?: Fetch } = {}): PacedFetch {
  const base = options.fetch ?? globalThis.fetch
  const windows = new Map<string, RateWindow>()
  const stats: PacerStats = { waits: 0, waitedMs: 0, rateLimited: 0 }

  const windowOf = (name: string) => {
    let w = windows.get(name)
    if (!w) windows.set(name, (w = new RateWindow(stats)))
    return w
  }

  const paced: Fetch = async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const name = bucketOf(method, url)
    if (!name) return base(input, init)
    const window = windowOf(name)
    const entry = await window.take()
    let response: Response
    try {
      response = await base(input, init)
    } catch (error) {
      window.drop(entry)
      throw error
    }
    window.learn(rateHeaders(response.headers, 'requests'), entry)
    // Refused, so not counted: out of the log; and nothing goes until the server says.
    if (response.status === 429) window.refused(entry, retryAfterMs(response.headers))
    return response
  }
  return { fetch: paced, stats }
}
