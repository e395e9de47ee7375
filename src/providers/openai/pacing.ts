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

export type Fetch = typeof globalThis.fetch

/**
 * What is known of one limit. The server counts requests in a window of `windowMs` (a sliding
 * window, or a token bucket refilled over it: both admit `limit` requests in any such window), so
 * pacing keeps a log of our own requests and never has more than `limit` of them in one window:
 * once the window is full, the next request waits until the oldest leaves it, not until the
 * whole window has reset.
 */
interface Bucket {
  /** `x-ratelimit-limit-requests`, once a response has said it. */
  limit?: number
  /** Length of the window: the longest `x-ratelimit-reset-requests` announced. */
  windowMs: number
  /** Our requests that may still count, by when they were (at the latest) counted: sent, then answered. */
  log: { at: number }[]
  /** Nothing is sent before this: a 429's `retry-after`, or the server's word that none is left. */
  blockedUntil: number
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

export function createPacedFetch(options: { fetch?: Fetch } = {}): PacedFetch {
  const base = options.fetch ?? globalThis.fetch
  const buckets = new Map<string, Bucket>()
  const stats: PacerStats = { waits: 0, waitedMs: 0, rateLimited: 0 }

  const bucket = (name: string) => {
    let b = buckets.get(name)
    if (!b) buckets.set(name, (b = { windowMs: 0, log: [], blockedUntil: 0 }))
    return b
  }

  /** Milliseconds until a request fits in the bucket's window (0: now). */
  function waitFor(b: Bucket, now: number): number {
    let wait = b.blockedUntil - now
    // Only a full log can hold a request back: pruned then, not on every request.
    if (b.limit && b.windowMs && b.log.length >= b.limit) {
      b.log = b.log.filter(e => e.at + b.windowMs > now)
      if (b.log.length >= b.limit) {
        const expiries = b.log.map(e => e.at + b.windowMs).sort((x, y) => x - y)
        wait = Math.max(wait, expiries[b.log.length - b.limit]! - now)
      }
    }
    return wait
  }

  /** Waits until the request fits, then counts it in the log. */
  async function take(name: string): Promise<{ at: number }> {
    const b = bucket(name)
    while (true) {
      const now = Date.now()
      const wait = waitFor(b, now)
      if (wait <= 0) {
        const entry = { at: now }
        b.log.push(entry)
        return entry
      }
      stats.waits++
      stats.waitedMs += wait + 5
      await sleep(wait + 5)
    }
  }

  function learn(name: string, headers: Headers, entry: { at: number }): void {
    const b = bucket(name)
    // Counted at the latest when answered: a window is measured from then on, so pacing never runs ahead of the server.
    entry.at = Date.now()
    const limit = Number(headers.get('x-ratelimit-limit-requests'))
    const remaining = Number(headers.get('x-ratelimit-remaining-requests'))
    const reset = parseResetDuration(headers.get('x-ratelimit-reset-requests'))
    if (Number.isFinite(limit) && limit > 0) b.limit = limit
    if (reset !== undefined) b.windowMs = Math.max(b.windowMs, reset)
    // None left, and not by our own doing (another process on the same key): wait for the reset.
    if (
      headers.has('x-ratelimit-remaining-requests') &&
      remaining <= 0 &&
      reset !== undefined &&
      b.limit &&
      b.log.length < b.limit
    )
      b.blockedUntil = Math.max(b.blockedUntil, Date.now() + reset)
  }

  const paced: Fetch = async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const name = bucketOf(method, url)
    if (!name) return base(input, init)
    const entry = await take(name)
    let response: Response
    try {
      response = await base(input, init)
    } catch (error) {
      const b = bucket(name)
      b.log = b.log.filter(e => e !== entry)
      throw error
    }
    learn(name, response.headers, entry)
    if (response.status === 429) {
      stats.rateLimited++
      const b = bucket(name)
      // Refused, so not counted: out of the log; and nothing goes until the server says.
      b.log = b.log.filter(e => e !== entry)
      b.blockedUntil = Math.max(b.blockedUntil, Date.now() + (retryAfterMs(response.headers) ?? 1000))
    }
    return response
  }
  return { fetch: paced, stats }
}
