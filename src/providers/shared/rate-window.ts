/**
 * One rate limit as a client sees it: the server admits `limit` units (requests, or tokens) in any
 * window of `windowMs`, whether it counts a sliding window or a token bucket refilled over it. The
 * client keeps a log of what it sent, and holds the next send back only until enough of the log
 * has left the window (not until the whole window has reset, which would double a long run).
 *
 * Both are learnt from the answers' `x-ratelimit-*` headers, so nothing is assumed of an account's
 * tier: until a limit is known, nothing waits.
 */
export interface RateEntry {
  /** When it counts from: sent, then moved to when it was answered (the server's count is no earlier). */
  at: number
  cost: number
}

export interface RateStats {
  waits: number
  waitedMs: number
  rateLimited: number
}

/** What one answer said of a limit (`x-ratelimit-limit-*`, `-remaining-*`, `-reset-*`). */
export interface RateHeaders {
  limit?: number
  remaining?: number
  resetMs?: number
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

export class RateWindow {
  limit?: number
  /** The longest reset announced: how long the server's window is. */
  windowMs = 0
  /** Nothing is sent before this: a 429's `retry-after`, or the server's word that none is left. */
  blockedUntil = 0
  private log: RateEntry[] = []
  private used = 0

  constructor(private readonly stats: RateStats) {}

  /** Milliseconds until `cost` more fits (0: now). A cost above the whole limit waits for an empty window. */
  waitFor(cost: number, now: number): number {
    let wait = this.blockedUntil - now
    const { limit, windowMs } = this
    // Only a full window can hold a send back: the log is pruned then, not on every send.
    if (limit && windowMs && this.used + cost > limit) {
      this.log = this.log.filter(e => e.at + windowMs > now)
      this.used = this.log.reduce((sum, e) => sum + e.cost, 0)
      if (this.used + cost > limit) {
        const oldest = [...this.log].sort((a, b) => a.at - b.at)
        let used = this.used
        let until = now
        for (const entry of oldest) {
          used -= entry.cost
          until = entry.at + windowMs
          if (used + cost <= limit) break
        }
        wait = Math.max(wait, until - now)
      }
    }
    return wait
  }

  /** Waits until `cost` fits, then counts it. */
  async take(cost = 1): Promise<RateEntry> {
    while (true) {
      const now = Date.now()
      const wait = this.waitFor(cost, now)
      if (wait <= 0) {
        const entry = { at: now, cost }
        this.log.push(entry)
        this.used += cost
        return entry
      }
      this.stats.waits++
      this.stats.waitedMs += wait + 5
      await sleep(wait + 5)
    }
  }

  /** Not counted by the server after all (refused, or never answered). */
  drop(entry: RateEntry): void {
    const before = this.log.length
    this.log = this.log.filter(e => e !== entry)
    if (this.log.length < before) this.used -= entry.cost
  }

  /** What the server charged, once it says (tokens are estimated before the send). */
  charge(entry: RateEntry, cost: number): void {
    if (this.log.includes(entry)) this.used += cost - entry.cost
    entry.cost = cost
  }

  /** Learns the limit from an answer to `entry`; blocks until the reset when none is left by others' doing. */
  learn(headers: RateHeaders, entry: RateEntry | undefined): void {
    const now = Date.now()
    if (entry) entry.at = now
    if (headers.limit !== undefined && Number.isFinite(headers.limit) && headers.limit > 0) this.limit = headers.limit
    if (headers.resetMs !== undefined) this.windowMs = Math.max(this.windowMs, headers.resetMs)
    // None left, and not by our own doing (another process on the same key): wait for the reset.
    if (
      headers.remaining !== undefined &&
      headers.remaining <= 0 &&
      headers.resetMs !== undefined &&
      this.limit &&
      this.used < this.limit
    )
      this.blockedUntil = Math.max(this.blockedUntil, now + headers.resetMs)
  }

  /** A 429: nothing goes until the server says (`counted` false when another window of the same request counts it). */
  refused(entry: RateEntry | undefined, retryAfterMs: number | undefined, counted = true): void {
    if (counted) this.stats.rateLimited++
    if (entry) this.drop(entry)
    this.blockedUntil = Math.max(this.blockedUntil, Date.now() + (retryAfterMs ?? 1000))
  }
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

/** One limit's headers (`requests` or `tokens`) as numbers; absent ones undefined. */
export function rateHeaders(headers: Headers, unit: 'requests' | 'tokens'): RateHeaders {
  const number = (name: string) => {
    const value = headers.get(name)
    if (value === null) return undefined
    const n = Number(value)
    return Number.isFinite(n) ? n : undefined
  }
  return {
    limit: number(`x-ratelimit-limit-${unit}`),
    remaining: number(`x-ratelimit-remaining-${unit}`),
    resetMs: parseResetDuration(headers.get(`x-ratelimit-reset-${unit}`)),
  }
}

/** `retry-after-ms`, else `retry-after` in seconds or as a date. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined
  const ms = Number(headers.get('retry-after-ms'))
  if (headers.has('retry-after-ms') && Number.isFinite(ms)) return ms
  const s = headers.get('retry-after')
  if (s === null) return undefined
  const seconds = Number(s)
  if (Number.isFinite(seconds)) return seconds * 1000
  const date = Date.parse(s)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
