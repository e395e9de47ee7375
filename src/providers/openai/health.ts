import type { Fetch } from './pacing'

/** Answers remembered to tell an API that fails now and then from one that is overloaded or down. */
const WINDOW = 20
/** Failures among the last WINDOW answers from which the API counts as overloaded. */
const BURST = 10

/**
 * How the API has been answering lately, and so how long a retry waits. A server error now and
 * then (a bad node behind the load balancer) is retried at once, almost: waiting seconds for it,
 * as the SDK's backoff does, holds a request slot others could use, and turned a 6 s sync into a
 * minute under 15% errors. A burst of them (most recent answers failing) is an API in trouble,
 * and gets the full exponential backoff. Rate limits are not this: the server says how long to
 * wait (`retry-after-ms`, the reset headers), and pacing.ts keeps to it.
 */
export class ApiHealth {
  private readonly recent: boolean[] = []

  /** Records an answer (or a lost connection: `failed`). */
  note(failed: boolean): void {
    this.recent.push(failed)
    if (this.recent.length > WINDOW) this.recent.shift()
  }

  overloaded(): boolean {
    let failures = 0
    for (const failed of this.recent) if (failed) failures++
    return failures >= BURST
  }

  /** Milliseconds before retry number `attempt` (1 for the first) of a failed request. */
  delayMs(attempt: number): number {
    const [first, max] = this.overloaded() ? [500, 8_000] : [25, 1_000]
    return Math.round(Math.min(max, first * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2))
  }
}

/** One per process: a sync talks to one API. */
export const apiHealth = new ApiHealth()

/** The retries a provider's requests needed, for the summary line. */
export interface RetryCounts {
  serverErrors: number
  rateLimits: number
  lostConnections: number
}

/**
 * Under the SDK: notes every answer in `apiHealth`, counts what will be retried, and tells the
 * SDK how long to wait before retrying a server error (`retry-after-ms`, which it honours) when
 * the server did not say.
 */
export function retryAdvice(base: Fetch, counts: RetryCounts): Fetch {
  return async (input, init) => {
    let response: Response
    try {
      response = await base(input, init)
    } catch (error) {
      apiHealth.note(true)
      if (!init?.signal?.aborted) counts.lostConnections++
      throw error
    }
    const serverError = response.status >= 500
    apiHealth.note(serverError)
    if (response.status === 429) counts.rateLimits++
    if (!serverError) return response
    counts.serverErrors++
    if (
      response.headers.has('retry-after-ms') ||
      response.headers.has('retry-after') ||
      response.headers.get('x-should-retry') === 'false'
    )
      return response
    const headers = new Headers(response.headers)
    // The SDK numbers its sends: the wait grows with them, as its own backoff would.
    const sent = Number(new Headers(init?.headers).get('x-stainless-retry-count') ?? 0)
    headers.set('retry-after-ms', String(apiHealth.delayMs((Number.isFinite(sent) ? sent : 0) + 1)))
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
  }
}
