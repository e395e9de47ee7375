/**
 * Pacing to the OpenAI API's real limits (uploads 1,000 requests a minute per user; attaches 300
 * a minute per vector store, files and file batches together; 2,000 attached files a minute per
 * organization). Rather than run into 429s until the SDK's retries give up, requests wait for the
 * window the server announces in `x-ratelimit-remaining-requests` / `x-ratelimit-reset-requests`,
 * and a 429 that still gets through is waited out (`retry-after-ms`, `retry-after`) a bounded
 * number of times before the SDK sees it.
 *
 * It wraps the `fetch` the SDK uses, so every call still goes through the SDK.
 */

type Fetch = typeof globalThis.fetch

interface Bucket {
  /** Requests the server says are left in this window, less those sent since. */
  remaining: number
  /** When the window resets (ms since epoch). */
  resetAt: number
}

export interface PacerStats {
  waits: number
  waitedMs: number
  rateLimited: number
}

export interface PacedFetch {
  fetch: Fetch
  stats: PacerStats
}

/** `6m0s`, `1.5s`, `120ms`, `1h2m` -> milliseconds. */
export function parseResetDuration(value: string | null): number | undefined {
  if (!value) return undefined
  const numeric = Number(value)
  if (Number.isFinite(numeric)) return numeric * 1000
  let total = 0
  let matched = false
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    matched = true
    const n = Number(m[1])
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000
  }
  return matched ? total : undefined
}

function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(headers.get('retry-after-ms'))
  if (headers.has('retry-after-ms') && Number.isFinite(ms)) return ms
  const s = headers.get('retry-after')
  if (s === null) return undefined
  const seconds = Number(s)
  if (Number.isFinite(seconds)) return seconds * 1000
  const date = Date.parse(s)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
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

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

export function createPacedFetch(options: { fetch?: Fetch, maxWaits?: number } = {}): PacedFetch {
  const base = options.fetch ?? globalThis.fetch
  const maxWaits = options.maxWaits ?? 8
  const buckets = new Map<string, Bucket>()
  const stats: PacerStats = { waits: 0, waitedMs: 0, rateLimited: 0 }

  /** Waits while the bucket is spent, then takes one request from it. */
  async function take(name: string): Promise<void> {
    while (true) {
      const bucket = buckets.get(name)
      const now = Date.now()
      if (!bucket || bucket.resetAt <= now || bucket.remaining > 0) {
        if (bucket && bucket.resetAt > now) bucket.remaining--
        return
      }
      const wait = bucket.resetAt - now + 5
      stats.waits++
      stats.waitedMs += wait
      await sleep(wait)
    }
  }

  function learn(name: string, headers: Headers): void {
    const remaining = Number(headers.get('x-ratelimit-remaining-requests'))
    const reset = parseResetDuration(headers.get('x-ratelimit-reset-requests'))
    if (!headers.has('x-ratelimit-remaining-requests') || !Number.isFinite(remaining) || reset === undefined) return
    const resetAt = Date.now() + reset
    const bucket = buckets.get(name)
    // Responses arrive out of order: keep the most pessimistic view of the current window.
    if (!bucket || bucket.resetAt < Date.now() || remaining < bucket.remaining)
      buckets.set(name, { remaining, resetAt: Math.max(resetAt, bucket && bucket.resetAt > Date.now() ? bucket.resetAt : 0) })
  }

  const paced: Fetch = async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const name = bucketOf(method, url)
    if (!name) return base(input, init)
    for (let attempt = 0; ; attempt++) {
      await take(name)
      const response = await base(input, init)
      learn(name, response.headers)
      if (response.status !== 429 || attempt >= maxWaits) return response
      stats.rateLimited++
      const wait = retryAfterMs(response.headers) ?? 1000 * 2 ** attempt
      buckets.set(name, { remaining: 0, resetAt: Date.now() + wait })
      // The body of a multipart upload is a one-shot stream in some runtimes: only replay what can be.
      if (init?.body && typeof (init.body as ReadableStream).getReader === 'function') return response
      await response.body?.cancel().catch(() => {})
    }
  }
  return { fetch: paced, stats }
}
