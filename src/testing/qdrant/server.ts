/**
 * An in-memory Qdrant REST server for the official `@qdrant/js-client-rest` client, faithful to
 * the published OpenAPI document in what a document store relies on: collections (create, get,
 * exists, list, delete), points (upsert, delete by ids or filter, set and overwrite payload,
 * retrieve, scroll with filter and offset, count, nearest-vector query and search with a filter),
 * the `{ result, status, time }` envelope and the `{ status: { error } }` error body with its
 * codes, the `api-key` header when a key is set (and a read-only key), and the request size limit.
 *
 * ```ts
 * const server = await createQdrantServer({ apiKey: 'secret' })
 * const client = new QdrantClient({ url: server.url, apiKey: 'secret' })
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Collections } from './collections'
import { BadRequest, compareIds } from './filter'

export interface QdrantServerOptions {
  /** When set, every request must carry it (`api-key` header, or `Authorization: Bearer`), else a 401. */
  apiKey?: string
  /** A key that may read but not write (a write answers 403), as Qdrant's `read_only_api_key`. */
  readOnlyApiKey?: string
  /** Largest request body, in bytes (Qdrant's `max_request_size_mb`, 32 MiB by default). */
  maxRequestBytes?: number
  host?: string
  port?: number
}

export interface QdrantFault {
  status: number
  /** The `status.error` of the body. */
  error: string
  headers?: Record<string, string>
}

export interface QdrantServer {
  url: string
  port: number
  close(): Promise<void>
  /** Requests answered, by `METHOD /route/{template}`. */
  stats: { requests: number; byRoute: Record<string, number> }
  /** The next request on a matching route (all routes when none is given) answers this instead. */
  failNext(fault: QdrantFault, route?: string): void
  /** Names of the collections. */
  collections(): string[]
  /** The points of a collection, in id order, with their payloads and vectors. */
  points(collection: string): { id: number | string; payload: Record<string, unknown>; vector: number[] }[]
}

export const QDRANT_VERSION = '1.18.0'
const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024

type Handler = (ctx: { name: string; body: Record<string, unknown>; wait: boolean }) => unknown

interface Route {
  method: string
  template: string
  pattern: RegExp
  write: boolean
  handle: Handler
}

export async function createQdrantServer(options: QdrantServerOptions = {}): Promise<QdrantServer> {
  const collections = new Collections()
  const stats = { requests: 0, byRoute: {} as Record<string, number> }
  const faults: { fault: QdrantFault; route?: string }[] = []
  const maxBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES
  const updated = (operationId: number, wait: boolean) => ({
    operation_id: operationId,
    status: wait ? 'completed' : 'acknowledged',
  })

  const routes: Route[] = [
    route('GET', '/collections', false, () => ({ collections: [...collections.all.keys()].map(name => ({ name })) })),
    route('GET', '/collections/{collection_name}', false, ({ name }) => collections.info(name)),
    route('PUT', '/collections/{collection_name}', true, ({ name, body }) => collections.create(name, body)),
    route('DELETE', '/collections/{collection_name}', true, ({ name }) => collections.delete(name)),
    route('GET', '/collections/{collection_name}/exists', false, ({ name }) => ({ exists: collections.all.has(name) })),
    route('PUT', '/collections/{collection_name}/points', true, ({ name, body, wait }) => {
      const [first] = collections.upsert(name, body)
      return updated(first?.version ?? collections.get(name).operations, wait)
    }),
    route('POST', '/collections/{collection_name}/points', false, ({ name, body }) => {
      const c = collections.get(name)
      const ids = Array.isArray(body.ids) ? body.ids : []
      return collections.selected(c, { points: ids }).map(p => ({
        id: p.id,
        payload: body.with_payload === false ? null : structuredClone(p.payload),
        vector: null,
      }))
    }),
    route('POST', '/collections/{collection_name}/points/delete', true, ({ name, body, wait }) =>
      updated(collections.deletePoints(name, body), wait),
    ),
    route('POST', '/collections/{collection_name}/points/payload', true, ({ name, body, wait }) =>
      updated(collections.setPayload(name, body, false), wait),
    ),
    route('PUT', '/collections/{collection_name}/points/payload', true, ({ name, body, wait }) =>
      updated(collections.setPayload(name, body, true), wait),
    ),
    route('POST', '/collections/{collection_name}/points/scroll', false, ({ name, body }) =>
      collections.scroll(name, body),
    ),
    route('POST', '/collections/{collection_name}/points/count', false, ({ name, body }) =>
      collections.count(name, body),
    ),
    route('POST', '/collections/{collection_name}/points/query', false, ({ name, body }) =>
      collections.query(name, body),
    ),
    // The older search endpoint: a `vector` and a list of scored points.
    route(
      'POST',
      '/collections/{collection_name}/points/search',
      false,
      ({ name, body }) => collections.query(name, { ...body, query: body.vector }).points,
    ),
  ]

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, { status: { error: `Service internal error: ${String(error)}` }, time: 0 })
      else res.end()
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    const url = new URL(req.url ?? '/', 'http://qdrant')
    const method = req.method ?? 'GET'
    stats.requests++
    const text = await readBody(req, maxBytes).catch((error: unknown) => error as BadRequest)
    if (url.pathname === '/' && method === 'GET') {
      // The version answer is not wrapped, and needs no key.
      return reply(res, 200, { title: 'qdrant - vector search engine', version: QDRANT_VERSION, commit: 'offline' })
    }
    const found = routes.map(r => ({ r, m: r.pattern.exec(url.pathname) })).find(({ r, m }) => m && r.method === method)
    const key = found ? `${method} ${found.r.template}` : `${method} ${url.pathname}`
    stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1
    const time = () => (performance.now() - started) / 1000

    if (options.apiKey !== undefined || options.readOnlyApiKey !== undefined) {
      const given = header(req, 'api-key') ?? header(req, 'authorization')?.replace(/^Bearer /, '')
      // Qdrant answers an authentication failure in plain text, outside the JSON envelope.
      if (given === undefined) return replyText(res, 401, 'Must provide an API key or an Authorization bearer token')
      const readOnly = given === options.readOnlyApiKey && given !== options.apiKey
      if (!readOnly && given !== options.apiKey) return replyText(res, 401, 'Invalid API key or JWT')
      if (readOnly && found?.r.write)
        return reply(res, 403, {
          status: {
            error: `Forbidden: Write access to collection ${decodeURIComponent(found.m![1] ?? '')} is required`,
          },
          time: time(),
        })
    }
    const fault = faults.findIndex(f => f.route === undefined || f.route === key)
    if (fault >= 0) {
      const [{ fault: f }] = faults.splice(fault, 1) as [{ fault: QdrantFault }]
      return reply(res, f.status, { status: { error: f.error }, time: time() }, f.headers)
    }
    if (!found) return replyText(res, 404, '')
    if (text instanceof BadRequest)
      return reply(res, text.status, { result: null, status: { error: text.message }, time: time() })
    try {
      let body: Record<string, unknown> = {}
      if (text) {
        try {
          body = JSON.parse(text) as Record<string, unknown>
        } catch (error) {
          throw new BadRequest(`Format error in JSON body: ${(error as Error).message}`)
        }
        if (!body || typeof body !== 'object' || Array.isArray(body))
          throw new BadRequest('Format error in JSON body: expected a JSON object')
      }
      const name = decodeURIComponent(found.m![1] ?? '')
      const wait = url.searchParams.get('wait') === 'true'
      const result = found.r.handle({ name, body, wait })
      reply(res, 200, { result, status: 'ok', time: time() })
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error
      reply(res, error.status, { status: { error: error.message }, time: time() })
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    stats,
    failNext: (fault, route) => faults.push({ fault, route }),
    collections: () => [...collections.all.keys()],
    points: name =>
      [...collections.get(name).points.values()]
        .sort((a, b) => compareIds(a.id, b.id))
        .map(p => ({ id: p.id, payload: structuredClone(p.payload), vector: [...p.vector] })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close(error => (error ? reject(error) : resolve()))
      }),
  }
}

function route(method: string, template: string, write: boolean, handle: Handler): Route {
  const pattern = new RegExp(`^${template.replace('{collection_name}', '([^/]+)')}$`)
  return { method, template, pattern, write, handle }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) over = true
      else chunks.push(chunk)
    })
    req.on('end', () =>
      over
        ? reject(new BadRequest(`JSON payload (${size} bytes) is larger than allowed (limit: ${limit} bytes).`))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    )
    req.on('error', reject)
  })
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

function replyText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
  res.end(text)
}
