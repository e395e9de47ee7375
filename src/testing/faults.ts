/** What `failFile` and `stuckFile` see of a file being attached. */
export interface FaultFile {
  filename: string
  bytes: number
  content: Buffer
}

export type FileFailure = string | { code: 'server_error' | 'unsupported_file' | 'invalid_file'; message: string }

export interface FaultOptions {
  /** Seed of the PRNG that picks faulted requests; the same seed and request order give the same faults. */
  seed?: number
  /** Share of requests (0..1) answered 500, 502 or 503 with an error envelope. */
  error5xx?: number
  /** Share of requests answered 429 with `retry-after-ms` / `retry-after` headers. */
  rateLimit429?: number
  /** The wait the injected 429s ask for, in milliseconds (default 50). */
  retryAfterMs?: number
  /** Share of requests whose socket is destroyed without an answer. */
  drop?: number
  /**
   * Of the dropped POST and DELETE requests, the share (0..1, default 0.5) dropped only after the
   * change was applied: the response is lost, the object exists, and the SDK's retry repeats the
   * change (a second File object for an upload), as on the real API.
   */
  dropAfterApply?: number
  /**
   * A request the SDK has already retried this many times (its `x-stainless-retry-count`
   * header) is never faulted, so a client with at least that many retries always gets through.
   * Unset: no such mercy.
   */
  maxFaultsPerRequest?: number
  /** A message (or `{ code, message }`) makes the vector store file end `failed` with that `last_error`; default code `server_error`. */
  failFile?: (file: FaultFile) => FileFailure | undefined
  /** `true` leaves the vector store file `in_progress` forever, for timeout tests. */
  stuckFile?: (file: FaultFile) => boolean
}

export type Fault =
  | { kind: 'none' }
  | { kind: 'error'; status: 500 | 502 | 503 }
  | { kind: 'rate-limit'; retryAfterMs: number }
  | { kind: 'drop'; afterApply: boolean }

/** mulberry32: a tiny seeded PRNG, plenty for picking faults reproducibly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class FaultInjector {
  private options: FaultOptions = {}
  private random: () => number = mulberry32(0)

  constructor(options: FaultOptions | undefined) {
    this.set(options)
  }

  set(options: FaultOptions | undefined): void {
    this.options = { ...options }
    this.random = mulberry32(options?.seed ?? 0)
  }

  get fileHooks(): Pick<FaultOptions, 'failFile' | 'stuckFile'> {
    return { failFile: this.options.failFile, stuckFile: this.options.stuckFile }
  }

  /**
   * Decides the fate of one request. Exactly two numbers are drawn per request whatever the
   * outcome, so the faults depend only on the order of requests, not on earlier outcomes.
   */
  pick(method: string, retryCount: number): Fault {
    const roll = this.random()
    const detail = this.random()
    const { error5xx = 0, rateLimit429 = 0, drop = 0, maxFaultsPerRequest } = this.options
    if (maxFaultsPerRequest !== undefined && retryCount >= maxFaultsPerRequest) return { kind: 'none' }
    if (roll < error5xx) return { kind: 'error', status: ([500, 502, 503] as const)[Math.floor(detail * 3)]! }
    if (roll < error5xx + rateLimit429) return { kind: 'rate-limit', retryAfterMs: this.options.retryAfterMs ?? 50 }
    if (roll < error5xx + rateLimit429 + drop) {
      const mutates = method === 'POST' || method === 'DELETE'
      return { kind: 'drop', afterApply: mutates && detail < (this.options.dropAfterApply ?? 0.5) }
    }
    return { kind: 'none' }
  }
}
