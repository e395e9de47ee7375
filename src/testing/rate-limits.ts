import { ApiError } from './errors'

export interface RateLimitOptions {
  /** Length of a "minute" in milliseconds (default 60000); tests shorten it. */
  minuteMs?: number
  /** `POST /files` and the `/uploads` endpoints, per user (API key). Spec, createFile: 1,000/min. */
  uploadsPerMinute?: number
  /**
   * `POST /vector_stores/{id}/files` and `/file_batches` together, per store. Spec,
   * createVectorStoreFileBatch: "300 requests per minute across both this endpoint and ...files".
   */
  attachRequestsPerMinute?: number
  /** Files attached per organization, over all stores. Spec, createFile: "2,000 attached files per minute". */
  attachedFilesPerMinute?: number
  /**
   * `POST /embeddings` per API key and model: requests (RPM) and input tokens (TPM) a minute.
   * Defaults are usage tier 5's for text-embedding-3-small (10,000 RPM, 10,000,000 TPM); a lower
   * tier (tier 1: 3,000 RPM, 1,000,000 TPM) is what a new account meets.
   */
  embeddingRequestsPerMinute?: number
  embeddingTokensPerMinute?: number
}

export type ResolvedRateLimits = Required<RateLimitOptions>

export const DEFAULT_RATE_LIMITS: ResolvedRateLimits = {
  minuteMs: 60_000,
  uploadsPerMinute: 1000,
  attachRequestsPerMinute: 300,
  attachedFilesPerMinute: 2000,
  embeddingRequestsPerMinute: 10_000,
  embeddingTokensPerMinute: 10_000_000,
}

/** Which request limit governs a route. GETs have none of these. */
export type LimitKind = 'uploads' | 'attach'

/**
 * A sliding-window log: each accepted request (or attached file) is remembered for one window,
 * so what remains is exact at every instant and the wait until capacity frees is computable,
 * which is what `retry-after-ms` has to tell.
 */
class Window {
  private events: Array<{ at: number; cost: number }> = []
  private used = 0

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  private prune(now: number): void {
    while (this.events.length && this.events[0]!.at + this.windowMs <= now) this.used -= this.events.shift()!.cost
  }

  remaining(now: number): number {
    this.prune(now)
    return Math.max(0, this.limit - this.used)
  }

  /** Milliseconds until `cost` more fits; a cost above the limit waits for the whole window. */
  waitFor(cost: number, now: number): number {
    this.prune(now)
    let used = this.used
    for (const event of this.events) {
      if (used + cost <= this.limit) break
      used -= event.cost
      if (used + cost <= this.limit) return event.at + this.windowMs - now
    }
    return used + cost <= this.limit ? 0 : this.windowMs
  }

  /** Until the window is back to its initial state: what `x-ratelimit-reset-requests` reports. */
  resetIn(now: number): number {
    this.prune(now)
    const last = this.events.at(-1)
    return last ? last.at + this.windowMs - now : 0
  }

  take(cost: number, now: number): void {
    this.events.push({ at: now, cost })
    this.used += cost
  }
}

export class RateLimiter {
  private windows = new Map<string, Window>()

  constructor(readonly config: ResolvedRateLimits) {}

  private window(name: string, limit: number): Window {
    let window = this.windows.get(name)
    if (!window) this.windows.set(name, (window = new Window(limit, this.config.minuteMs)))
    return window
  }

  private requests(kind: LimitKind, key: string): Window {
    return kind === 'uploads'
      ? this.window(`uploads:${key}`, this.config.uploadsPerMinute)
      : this.window(`attach:${key}`, this.config.attachRequestsPerMinute)
  }

  /** Admits one request of `kind` for `key` (API key or store ID), or throws the 429 the API sends. */
  admit(kind: LimitKind, key: string, now = Date.now()): void {
    const window = this.requests(kind, key)
    const wait = window.waitFor(1, now)
    if (wait > 0) {
      const what = kind === 'uploads' ? 'file uploads per user' : `file attach requests on vector store ${key}`
      throw tooMany(
        `Rate limit reached for ${what}: limit ${window.limit} per ${formatDuration(this.config.minuteMs)}.`,
        wait,
      )
    }
    window.take(1, now)
  }

  /** Consumes `count` of the organization's attached-files budget, or throws 429 without consuming. */
  attachFiles(count: number, now = Date.now()): void {
    const window = this.window('attached-files', this.config.attachedFilesPerMinute)
    const wait = window.waitFor(count, now)
    if (wait > 0) {
      throw tooMany(
        `Rate limit reached for attached files per organization: limit ${window.limit} per ${formatDuration(this.config.minuteMs)}, requested ${count}, remaining ${window.remaining(now)}.`,
        wait,
      )
    }
    window.take(count, now)
  }

  /**
   * Admits one embeddings request of `tokens` input tokens for a key and model, or throws the 429
   * the API sends (its message names the limit, as the real one does: "on tokens per min (TPM)").
   * Either way the answer carries both limits' headers, which is how a client learns to pace.
   */
  admitEmbeddings(key: string, model: string, tokens: number, now = Date.now()): Record<string, string> {
    const requests = this.window(`embeddings:${key}:${model}:requests`, this.config.embeddingRequestsPerMinute)
    const budget = this.window(`embeddings:${key}:${model}:tokens`, this.config.embeddingTokensPerMinute)
    const headers = () => ({
      'x-ratelimit-limit-requests': String(requests.limit),
      'x-ratelimit-remaining-requests': String(requests.remaining(now)),
      'x-ratelimit-reset-requests': formatDuration(requests.resetIn(now)),
      'x-ratelimit-limit-tokens': String(budget.limit),
      'x-ratelimit-remaining-tokens': String(budget.remaining(now)),
      'x-ratelimit-reset-tokens': formatDuration(budget.resetIn(now)),
    })
    const refuse = (window: Window, type: 'requests' | 'tokens', cost: number, wait: number) => {
      const what = type === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)'
      // More than the whole limit can never pass: the API calls it too large rather than "try again".
      const message =
        cost > window.limit
          ? `Request too large for ${model} on ${what}: Limit ${window.limit}, Requested ${cost}. The input or output tokens must be reduced in order to run successfully.`
          : `Rate limit reached for ${model} on ${what}: Limit ${window.limit}, Used ${window.limit - window.remaining(now)}, Requested ${cost}. Please try again in ${formatDuration(wait)}.`
      return new ApiError(429, message, {
        type,
        code: 'rate_limit_exceeded',
        headers: { ...(cost > window.limit ? {} : retryAfter(wait)), ...headers() },
      })
    }
    const waitRequests = requests.waitFor(1, now)
    if (waitRequests > 0) throw refuse(requests, 'requests', 1, waitRequests)
    const waitTokens = budget.waitFor(tokens, now)
    if (waitTokens > 0) throw refuse(budget, 'tokens', tokens, waitTokens)
    requests.take(1, now)
    budget.take(tokens, now)
    return headers()
  }

  /** The `x-ratelimit-*-requests` headers for the limit governing a route. */
  headers(kind: LimitKind, key: string, now = Date.now()): Record<string, string> {
    const window = this.requests(kind, key)
    return {
      'x-ratelimit-limit-requests': String(window.limit),
      'x-ratelimit-remaining-requests': String(window.remaining(now)),
      'x-ratelimit-reset-requests': formatDuration(window.resetIn(now)),
    }
  }
}

export function tooMany(message: string, waitMs: number): ApiError {
  return new ApiError(429, message, { type: 'requests', code: 'rate_limit_exceeded', headers: retryAfter(waitMs) })
}

/** Both forms the SDK reads: `retry-after-ms` first, then `retry-after` in whole seconds (minimum 1, per the spec's `TooManyRequests`). */
export function retryAfter(waitMs: number): Record<string, string> {
  const ms = Math.max(1, Math.ceil(waitMs))
  return { 'retry-after-ms': String(ms), 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) }
}

/** Durations as the real headers print them (Go style): `120ms`, `1s`, `17.5s`, `6m0s`, `1h2m3s`. */
export function formatDuration(ms: number): string {
  ms = Math.max(0, Math.round(ms))
  if (ms < 1000) return `${ms}ms`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const seconds = Number(((ms % 60_000) / 1000).toFixed(3))
  if (hours) return `${hours}h${minutes}m${seconds}s`
  if (minutes) return `${minutes}m${seconds}s`
  return `${seconds}s`
}
