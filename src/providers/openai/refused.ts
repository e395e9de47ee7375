import type { Fetch } from './pacing'

/** Errors that say nothing listens at the address (or the host does not exist): no retry helps. */
const UNREACHABLE: Record<string, string> = { ECONNREFUSED: 'connection refused', ENOTFOUND: 'no such host' }

/** Marks the answer made for an unreachable server (isTransient in retry.ts does not retry it). */
export const UNREACHABLE_HEADER = 'x-vectornator-unreachable'

/** The system error code under a failed fetch (undici nests it, sometimes in an AggregateError). */
function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const { code, errors, cause } = e as { code?: unknown; errors?: unknown[]; cause?: unknown }
    if (typeof code === 'string' && UNREACHABLE[code]) return code
    const inner = errors?.map(codeOf).find(Boolean)
    if (inner) return inner
    e = cause
  }
  return undefined
}

/**
 * A server that refuses the connection (a wrong OPENAI_BASE_URL, a server not started) is said at
 * once, naming the address and the setting, instead of after minutes of retries meant for a
 * server that is overloaded or restarting: two quick tries more, then an answer the SDK does not
 * retry (`x-should-retry: false`) carrying that one line. A timeout, a reset or any answer from
 * the server still takes the usual retries.
 */
export function failFastWhenUnreachable(base: Fetch, setting = 'OPENAI_BASE_URL or the baseURL option'): Fetch {
  return async (input, init) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await base(input, init)
      } catch (error) {
        const code = codeOf(error)
        if (!code || init?.signal?.aborted) throw error
        if (attempt < 3) {
          await new Promise(r => setTimeout(r, 150 * attempt))
          continue
        }
        const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
        const message = `cannot connect to ${url.origin} (${UNREACHABLE[code]}): check ${setting}, and that the server there is running`
        return new Response(JSON.stringify({ error: { message, type: 'connection_error', code } }), {
          status: 503,
          headers: { 'content-type': 'application/json', 'x-should-retry': 'false', [UNREACHABLE_HEADER]: code },
        })
      }
    }
  }
}
