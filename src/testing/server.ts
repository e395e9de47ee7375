import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { embeddingRoutes } from './embeddings'
import { ApiError, badRequest, serverError } from './errors'
import { FaultInjector, type FaultOptions } from './faults'
import { fileBatchRoutes } from './file-batches'
import { type FileObject, fileRoutes, MAX_FILE_BYTES } from './files'
import { readForm } from './multipart'
import { processingClock, type ProcessingTime } from './processing'
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimitOptions, retryAfter } from './rate-limits'
import { type Context, type HandlerSettings, Reply, Router } from './router'
import { searchRoutes } from './search'
import { State } from './state'
import { uploadRoutes } from './uploads'
import { isObject } from './validate'
import { renderVsFile, type VectorStoreFileObject, vectorStoreFileRoutes } from './vector-store-files'
import { vectorStoreRoutes } from './vector-stores'

export interface OpenAIServerOptions {
  /** When set, only this bearer key is accepted; otherwise any non-empty one. No key is always a 401. */
  apiKey?: string
  /** Added to every request, in milliseconds (default 0). */
  latencyMs?: number
  /**
   * How long a vector store file stays `in_progress` before it settles, in milliseconds (default
   * 5): a number, or a range like `{ min: 500, max: 2000, seed: 1 }` for realistic, repeatable times.
   */
  processingMs?: ProcessingTime
  /**
   * Whether an in-progress file or batch read carries `openai-poll-after-ms` (default true). The
   * real API does not always send it; without it the SDK's poll helpers wait 5 s between reads.
   */
  pollHint?: boolean
  /** Interface to listen on (default 127.0.0.1). */
  host?: string
  /** Port to listen on (default 0: a free one). */
  port?: number
  faults?: FaultOptions
  /** On by default with the real limits; `false` turns them off. */
  rateLimits?: false | RateLimitOptions
  /** Length of the embeddings when a request gives no `dimensions` (default: the model's real length, 256 for unknown models). */
  embeddingDimensions?: number
}

export interface ServerStats {
  requests: number
  /** Requests per route, keyed like `POST /vector_stores/{vector_store_id}/files`. */
  byRoute: Record<string, number>
  /** Every 429 sent, whether from a rate limit or an injected fault. */
  rateLimited: number
  /** Injected faults: 5xx, 429 and dropped connections. */
  faults: number
  reset(): void
}

export interface OpenAIServer {
  /** Base URL for the SDK, ending in `/v1`. */
  url: string
  port: number
  close(): Promise<void>
  stats: ServerStats
  /** Replaces the fault settings (and restarts the PRNG from their seed). */
  setFaults(faults: FaultOptions | undefined): void
  /** Every File object, oldest first, with its bytes. */
  files(): Array<FileObject & { content: Buffer }>
  /** The files of a vector store as the API would render them now, oldest first. */
  vectorStoreFiles(storeId: string): VectorStoreFileObject[]
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

/** An in-memory, OpenAI-compatible HTTP server on 127.0.0.1 and a free port. */
export async function createOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const state = new State()
  const faults = new FaultInjector(options.faults)
  const limits = options.rateLimits === false ? undefined : new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits })
  const settings: HandlerSettings = {
    processingMs: processingClock(options.processingMs),
    pollHint: options.pollHint ?? true,
    embeddingDimensions: options.embeddingDimensions,
  }
  const stats: ServerStats = {
    requests: 0,
    byRoute: {},
    rateLimited: 0,
    faults: 0,
    reset() {
      stats.requests = stats.rateLimited = stats.faults = 0
      for (const key of Object.keys(stats.byRoute)) delete stats.byRoute[key]
    },
  }
  let requestCounter = 0

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now()
    const method = req.method ?? 'GET'
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname.replace(/\/+$/, '')
    const match = path.startsWith('/v1/') ? safeMatch(method, path.slice(3)) : undefined
    const routeName = match?.route ? `${method} ${match.route.path}` : `${method} (unmatched)`
    stats.requests++
    stats.byRoute[routeName] = (stats.byRoute[routeName] ?? 0) + 1
    if (options.latencyMs) await sleep(options.latencyMs)

    const fault = faults.pick(method, Number(req.headers['x-stainless-retry-count']) || 0)
    if (fault.kind !== 'none') stats.faults++
    if (fault.kind === 'drop' && !fault.afterApply) return void req.socket.destroy()

    let reply: Reply
    let limitHeaders: Record<string, string> = {}
    try {
      if (fault.kind === 'error') throw serverError(fault.status)
      if (fault.kind === 'rate-limit') {
        throw new ApiError(429, 'Rate limit reached for requests. Please try again shortly.', { type: 'requests', code: 'rate_limit_exceeded', headers: retryAfter(fault.retryAfterMs) })
      }
      const apiKey = authenticate(req.headers.authorization, options.apiKey)
      if (!match?.route) {
        if (match?.allowed.length) throw new ApiError(405, `Invalid method for URL (${method} ${path}).`, { headers: { allow: match.allowed.join(', ') } })
        throw new ApiError(404, `Invalid URL (${method} ${path})`)
      }
      const { route, params } = match
      const ctx: Context = {
        params,
        query: url.searchParams,
        headers: req.headers,
        apiKey,
        state,
        settings,
        faults,
        limits,
        json: () => readJson(req),
        form: () => readForm(req, MAX_FILE_BYTES + 2 ** 20),
      }
      if (route.limit && limits) {
        const key = route.limit.key(ctx)
        try {
          limits.admit(route.limit.kind, key)
        }
        finally {
          limitHeaders = limits.headers(route.limit.kind, key)
        }
      }
      const result = await route.handle(ctx)
      reply = result instanceof Reply ? result : new Reply(result as object)
    }
    catch (error) {
      reply = errorReply(error)
    }
    // A response lost after the change was made: the client cannot tell it from a failure.
    if (fault.kind === 'drop') return void req.socket.destroy()
    if (reply.status === 429) stats.rateLimited++
    const body = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body))
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'x-request-id': `req_${(++requestCounter).toString(16).padStart(24, '0')}`,
      'openai-version': '2020-10-01',
      'openai-processing-ms': String(Date.now() - started),
      ...limitHeaders,
      ...reply.headers,
      'content-length': String(body.length),
    })
    res.end(body)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify(errorReply(error).body))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const { address, port } = server.address() as AddressInfo

  return {
    url: `http://${urlHost(address)}:${port}/v1`,
    port,
    stats,
    setFaults: next => faults.set(next),
    files: () => [...state.files.values()].sort((a, b) => a.seq - b.seq).map(f => ({ ...f.object, content: f.content })),
    vectorStoreFiles(storeId) {
      const store = state.stores.get(storeId)
      if (!store) return []
      const now = Date.now()
      return [...store.files.values()].sort((a, b) => a.seq - b.seq).map(r => renderVsFile(r, now))
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.close(error => (error ? reject(error) : resolve()))
      server.closeAllConnections()
    }),
  }
}

/** A wildcard address is not one a client can dial: point it at the loopback instead. */
function urlHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1'
  if (address === '::') return '[::1]'
  return address.includes(':') ? `[${address}]` : address
}

function safeMatch(method: string, path: string) {
  try {
    return router.match(method, path)
  }
  catch {
    return undefined
  }
}

function authenticate(header: string | undefined, expected: string | undefined): string {
  const key = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1]
  if (!key) {
    throw new ApiError(401, `You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.`)
  }
  if (expected !== undefined && key !== expected) {
    const shown = key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}` : '*'.repeat(key.length)
    throw new ApiError(401, `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`, { code: 'invalid_api_key' })
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
  }
  catch {
    throw badRequest(`We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)`)
  }
  if (!isObject(body)) throw badRequest('The request body must be a JSON object.')
  return body
}

function errorReply(error: unknown): Reply {
  if (error instanceof ApiError) return new Reply(error.toJSON(), error.status, error.headers)
  // A bug in this server, not an API behaviour: say so rather than pass for a real 500.
  const message = `Internal error in the vectornator test server: ${error instanceof Error ? error.stack ?? error.message : String(error)}`
  return new Reply(new ApiError(500, message, { type: 'server_error' }).toJSON(), 500, { 'x-should-retry': 'false' })
}
