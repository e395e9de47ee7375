/**
 * An offline Pinecone: the control plane (describe and list indexes, which is how a client finds
 * an index's host) and every index's data plane, served by one node:http server. Requests need
 * the `Api-Key` header; errors have the published bodies (the control plane's
 * `{ error: { code, message }, status }`, the data plane's `{ code, message, details }`).
 *
 * One departure, forced by running locally: an index's `host` is a full `http://` URL (the real
 * one is a bare host name the client prefixes with https://), and each index is served under
 * `/data/<index>` of the same server.
 *
 * ```ts
 * const server = await createPineconeServer({ indexes: [{ name: 'docs', dimension: 1536 }] })
 * const pc = new Pinecone({ apiKey: server.apiKey, controllerHostUrl: server.url })
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleData } from './data'
import { ApiError, IndexState, LIMITS, type IndexSpec, type StoredRecord } from './index-state'

export type { IndexSpec, StoredRecord } from './index-state'

export interface PineconeServerOptions {
  /** The one key accepted (default `pc-test-key`). */
  apiKey?: string
  indexes?: IndexSpec[]
}

export interface PineconeServerFault {
  /** `METHOD /path` as counted in `requests`, e.g. `POST /vectors/upsert`. */
  route: string
  status: number
  message?: string
  /** How many requests fail (default 1). */
  times?: number
}

export interface PineconeServer {
  /** The control plane's URL (the client's `controllerHostUrl`). */
  url: string
  apiKey: string
  /** Requests answered, by `METHOD /path` (data plane paths without the index prefix). */
  requests: Record<string, number>
  addIndex(spec: IndexSpec): void
  /** The records of a namespace, sorted by id (empty when it does not exist). */
  records(index: string, namespace: string): StoredRecord[]
  /** The next matching requests fail with this status. */
  fail(fault: PineconeServerFault): void
  close(): Promise<void>
}

/** gRPC codes the data plane answers with, by HTTP status. */
const RPC_CODES: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 500: 13, 503: 14 }
const CONTROL_CODES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
}

export async function createPineconeServer(options: PineconeServerOptions = {}): Promise<PineconeServer> {
  const apiKey = options.apiKey ?? 'pc-test-key'
  const indexes = new Map<string, IndexState>()
  const requests: Record<string, number> = {}
  const faults: Required<PineconeServerFault>[] = []
  let base = ''

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const method = req.method ?? 'GET'
    const data = /^\/data\/([^/]+)(\/.*)$/.exec(url.pathname)
    const route = data ? data[2]! : url.pathname
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const error = (status: number, message: string) =>
      reply(
        status,
        data
          ? { code: RPC_CODES[status] ?? 2, message, details: [] }
          : { error: { code: CONTROL_CODES[status] ?? 'UNKNOWN', message }, status },
      )
    const raw = await readBody(req)
    const counted = `${method} ${route.startsWith('/namespaces/') ? '/namespaces/{namespace}' : route.replace(/^\/indexes\/[^/]+$/, '/indexes/{index_name}')}`
    requests[counted] = (requests[counted] ?? 0) + 1
    if (req.headers['api-key'] !== apiKey) return error(401, 'Invalid API Key')
    const fault = faults.find(f => f.route === counted && f.times > 0)
    if (fault) {
      fault.times--
      return error(fault.status, fault.message)
    }
    try {
      if (data) {
        const index = indexes.get(decodeURIComponent(data[1]!))
        if (!index) return error(404, `Index ${data[1]} not found`)
        if (raw.length > LIMITS.requestBytes)
          throw new ApiError(
            400,
            `Request size ${raw.length} bytes exceeds the limit of ${LIMITS.requestBytes} bytes per request`,
          )
        return reply(200, handleData(index, method, route, url.searchParams, parse(raw)))
      }
      if (method === 'GET' && route === '/indexes')
        return reply(200, { indexes: [...indexes.values()].map(i => i.model()) })
      const named = /^\/indexes\/([^/]+)$/.exec(route)
      if (method === 'GET' && named) {
        const index = indexes.get(decodeURIComponent(named[1]!))
        if (!index) return error(404, `Resource ${decodeURIComponent(named[1]!)} not found`)
        return reply(200, index.model())
      }
      return error(404, `Not Found: ${method} ${route}`)
    } catch (thrown) {
      if (thrown instanceof ApiError) return error(thrown.status, thrown.message)
      throw thrown
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((thrown: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ code: 13, message: String((thrown as Error)?.message ?? thrown), details: [] }))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const addIndex = (spec: IndexSpec) => {
    const full = {
      metric: 'cosine' as const,
      kind: 'serverless' as const,
      vectorType: 'dense' as const,
      ...spec,
    }
    indexes.set(spec.name, new IndexState(full, `${base}/data/${encodeURIComponent(spec.name)}`))
  }
  for (const spec of options.indexes ?? []) addIndex(spec)

  return {
    url: base,
    apiKey,
    requests,
    addIndex,
    records: (index, namespace) =>
      [...(indexes.get(index)?.namespaces.get(namespace)?.values() ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1)),
    fail: fault => faults.push({ message: `Injected ${fault.status}`, times: 1, ...fault }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close(e => (e ? reject(e) : resolve()))
        server.closeAllConnections()
      }),
  }
}

/** The body, read whole up to twice the request limit (a larger one is refused all the same). */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = []
  let size = 0
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length
    if (size <= LIMITS.requestBytes * 2) parts.push(part)
  }
  return size > LIMITS.requestBytes * 2 ? Buffer.alloc(size) : Buffer.concat(parts)
}

function parse(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {}
  try {
    const value = JSON.parse(raw.toString('utf8')) as unknown
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // answered below
  }
  throw new ApiError(400, 'The request body is not a JSON object')
}
