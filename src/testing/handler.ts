import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { admitAzure, type AzureAuth, azureRoute, type AzureRoute, resourceNotFound } from './azure'
import { embeddingRoutes } from './embeddings'
import { ApiError, badRequest, serverError } from './errors'
import type { FaultInjector } from './faults'
import { fileBatchRoutes } from './file-batches'
import { fileRoutes, MAX_FILE_BYTES } from './files'
import { readForm } from './multipart'
import type { RateLimiter } from './rate-limits'
import { retryAfter } from './rate-limits'
import { type Context, type HandlerSettings, Reply, Router } from './router'
import { searchRoutes } from './search'
import type { State } from './state'
import { uploadRoutes } from './uploads'
import { isObject } from './validate'
import { vectorStoreFileRoutes } from './vector-store-files'
import { vectorStoreRoutes } from './vector-stores'

export interface ServerStats {
  requests: number
  /** Requests per route, keyed like `POST /vector_stores/{vector_store_id}/files`. */
  byRoute: Record<string, number>
  /** Every 429 sent, whether from a rate limit or an injected fault. */
  rateLimited: number
  /** Injected faults: 5xx, 429 and dropped connections. */
  faults: number
  /**
   * Requests received and not yet answered, now: from their arrival until their answer is sent
   * (or their connection is dropped), so a client that waits for an answer before sending the
   * next never sees more here than it had out.
   */
  inFlight: number
  /** The most requests in flight at once since the server started (or since `reset()`). */
  peakInFlight: number
  /** The same per route (keyed like `byRoute`): only that route's requests counted. */
  peakInFlightByRoute: Record<string, number>
  reset(): void
}

/** What every request of one server reads and counts. */
export interface ServerEnv {
  state: State
  faults: FaultInjector
  limits: RateLimiter | undefined
  settings: HandlerSettings
  stats: ServerStats
  /** When set, only this bearer key is accepted. */
  apiKey: string | undefined
  /** Azure's credentials and api-versions (its routes are `/openai/...`). */
  azure: AzureAuth
  latencyMs: number | undefined
}

/** Large enough for a 2000-file batch with full attributes on every entry. */
const MAX_JSON_BYTES = 64 * 2 ** 20

const router = new Router([
  ...fileRoutes,
  ...uploadRoutes,
  ...vectorStoreRoutes,
  ...vectorStoreFileRoutes,
  ...fileBatchRoutes,
  ...searchRoutes,
  ...embeddingRoutes,
])

/** Per server's stats, the requests in flight now by route (what peakInFlightByRoute is the most of). */
const inFlightByRoute = new WeakMap<ServerStats, Map<string, number>>()

/** Counts a request in flight from now on; the function returned counts it out (once, however often called). */
function arrive(stats: ServerStats, route: string): () => void {
  const byRoute = inFlightByRoute.get(stats)!
  const now = (byRoute.get(route) ?? 0) + 1
  byRoute.set(route, now)
  stats.peakInFlightByRoute[route] = Math.max(stats.peakInFlightByRoute[route] ?? 0, now)
  stats.peakInFlight = Math.max(stats.peakInFlight, ++stats.inFlight)
  let left = false
  return () => {
    if (left) return
    left = true
    stats.inFlight--
    byRoute.set(route, byRoute.get(route)! - 1)
  }
}

export function createStats(): ServerStats {
  const stats: ServerStats = {
    requests: 0,
    byRoute: {},
    rateLimited: 0,
    faults: 0,
    inFlight: 0,
    peakInFlight: 0,
    peakInFlightByRoute: {},
    reset() {
      stats.requests = stats.rateLimited = stats.faults = 0
      for (const key of Object.keys(stats.byRoute)) delete stats.byRoute[key]
      // Requests still out are counted from the one peak on, so the peak is never below what is now.
      stats.peakInFlight = stats.inFlight
      for (const key of Object.keys(stats.peakInFlightByRoute)) delete stats.peakInFlightByRoute[key]
      for (const [key, n] of inFlightByRoute.get(stats)!) if (n > 0) stats.peakInFlightByRoute[key] = n
    },
  }
  inFlightByRoute.set(stats, new Map())
  return stats
}

/** The server's request handler: faults, authentication, rate limits, the route, the reply. */
export function createHandler(env: ServerEnv): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  let requestCounter = 0
  return async (req, res) => {
    const started = Date.now()
    const method = req.method ?? 'GET'
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname.replace(/\/+$/, '')
    const azure = path.startsWith('/v1/') ? undefined : azureRoute(path)
    const match = path.startsWith('/v1/')
      ? safeMatch(method, path.slice(3))
      : azure
        ? safeMatch(method, azure.path)
        : undefined
    const routeName = match?.route ? `${method} ${match.route.path}` : `${method} (unmatched)`
    env.stats.requests++
    env.stats.byRoute[routeName] = (env.stats.byRoute[routeName] ?? 0) + 1
    // Counted out before the answer goes (the client cannot have it sooner), or when this throws.
    const leave = arrive(env.stats, routeName)
    try {
      await answer()
    } finally {
      leave()
    }

    async function answer() {
      if (env.latencyMs) await sleep(env.latencyMs)

      const fault = env.faults.pick(method, Number(req.headers['x-stainless-retry-count']) || 0)
      if (fault.kind !== 'none') env.stats.faults++
      if (fault.kind === 'drop' && !fault.afterApply) {
        leave()
        return void req.socket.destroy()
      }

      let reply: Reply
      const limitHeaders: Record<string, string> = {}
      try {
        if (fault.kind === 'error') throw serverError(fault.status)
        if (fault.kind === 'rate-limit') {
          throw new ApiError(429, 'Rate limit reached for requests. Please try again shortly.', {
            type: 'requests',
            code: 'rate_limit_exceeded',
            headers: retryAfter(fault.retryAfterMs),
          })
        }
        reply = await route(env, req, url, match, limitHeaders, azure)
      } catch (error) {
        reply = errorReply(error)
      }
      leave()
      // A response lost after the change was made: the client cannot tell it from a failure.
      if (fault.kind === 'drop') return void req.socket.destroy()
      if (reply.status === 429) env.stats.rateLimited++
      send(res, reply, {
        'x-request-id': `req_${(++requestCounter).toString(16).padStart(24, '0')}`,
        'openai-processing-ms': String(Date.now() - started),
        ...limitHeaders,
      })
    }
  }
}

/** Authenticates, admits under the rate limits (their headers go into `limitHeaders`), and runs the route. */
async function route(
  env: ServerEnv,
  req: IncomingMessage,
  url: URL,
  match: ReturnType<typeof safeMatch>,
  limitHeaders: Record<string, string>,
  azure: AzureRoute | undefined,
): Promise<Reply> {
  const method = req.method ?? 'GET'
  const path = url.pathname.replace(/\/+$/, '')
  const apiKey = azure
    ? admitAzure(azure, url.searchParams, req.headers, env.azure)
    : authenticate(req.headers.authorization, env.apiKey)
  if (azure && !match?.route) throw resourceNotFound()
  if (!match?.route) {
    if (match?.allowed.length)
      throw new ApiError(405, `Invalid method for URL (${method} ${path}).`, {
        headers: { allow: match.allowed.join(', ') },
      })
    throw new ApiError(404, `Invalid URL (${method} ${path})`)
  }
  const { route, params } = match
  const ctx: Context = {
    params,
    query: url.searchParams,
    headers: req.headers,
    apiKey,
    state: env.state,
    settings: env.settings,
    faults: env.faults,
    limits: env.limits,
    json: () => readJson(req),
    form: () => readForm(req, MAX_FILE_BYTES + 2 ** 20),
  }
  if (route.limit && env.limits) {
    const key = route.limit.key(ctx)
    try {
      env.limits.admit(route.limit.kind, key)
    } finally {
      Object.assign(limitHeaders, env.limits.headers(route.limit.kind, key))
    }
  }
  const result = await route.handle(ctx)
  return result instanceof Reply ? result : new Reply(result as object)
}

function send(res: ServerResponse, reply: Reply, headers: Record<string, string>): void {
  const body = Buffer.isBuffer(reply.body)
    ? reply.body
    : Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body))
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'openai-version': '2020-10-01',
    ...headers,
    ...reply.headers,
    'content-length': String(body.length),
  })
  res.end(body)
}

function safeMatch(method: string, path: string) {
  try {
    return router.match(method, path)
  } catch {
    return undefined
  }
}

function authenticate(header: string | undefined, expected: string | undefined): string {
  const key = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1]
  if (!key) {
    throw new ApiError(
      401,
      `You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.`,
    )
  }
  if (expected !== undefined && key !== expected) {
    const shown =
      key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}` : '*'.repeat(key.length)
    throw new ApiError(
      401,
      `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      { code: 'invalid_api_key' },
    )
  }
  return key
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_JSON_BYTES) throw badRequest('The request body is too large.')
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (!text.trim()) return {}
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw badRequest(
      `We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)`,
    )
  }
  if (!isObject(body)) throw badRequest('The request body must be a JSON object.')
  return body
}

export function errorReply(error: unknown): Reply {
  if (error instanceof ApiError) return new Reply(error.toJSON(), error.status, error.headers)
  // A bug in this server, not an API behaviour: say so rather than pass for a real 500.
  const message = `Internal error in the vectornator test server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
  return new Reply(new ApiError(500, message, { type: 'server_error' }).toJSON(), 500, { 'x-should-retry': 'false' })
}
