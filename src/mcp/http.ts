import { randomUUID, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { hostname, networkInterfaces } from 'node:os'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { UsageError } from '../lib/errors'
import { createDocsServer, type DocsContext } from './server'

const LOOPBACK = ['127.0.0.1', 'localhost', '::1']
const WILDCARD = new Set(['0.0.0.0', '::', '[::]'])

export interface HttpOptions {
  host: string
  port: number
  /** Host names (and addresses) requests may name besides the machine's own (`--allowed-host`). */
  allowedHosts?: string[]
  /** A bearer token every request must carry (`--token`, or VECTORNATOR_MCP_TOKEN). */
  token?: string
  /** Sessions open at once at most; past it a new one is answered 503. Default 1,000. */
  maxSessions?: number
  /** A session unused this long is closed. Default 30 minutes. */
  idleMs?: number
}

export const DEFAULT_MAX_SESSIONS = 1000
export const DEFAULT_IDLE_MS = 30 * 60_000

function hostnameOf(value: string | undefined): string | undefined {
  if (!value) return undefined
  try {
    return new URL(value.includes('://') ? value : `http://${value}`).hostname.replace(/^\[|\]$/g, '').toLowerCase()
  } catch {
    return undefined
  }
}

/**
 * The names a request may give in Host (and Origin): loopback, the address bound, and, bound to
 * every address, this machine's name and addresses; then the user's. Anything else (a name of a
 * web page's own that resolves here: DNS rebinding) is refused, on every address.
 */
export function allowedHostnames(host: string, extra: string[] = []): Set<string> {
  const names = new Set([...LOOPBACK, ...extra.map(h => hostnameOf(h) ?? h.toLowerCase())])
  const bound = hostnameOf(host)
  if (bound && !WILDCARD.has(host)) names.add(bound)
  if (WILDCARD.has(host)) {
    names.add(hostname().toLowerCase())
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) names.add(a.address.toLowerCase())
  }
  return names
}

const isLoopback = (host: string) => LOOPBACK.includes(hostnameOf(host) ?? host)

function reply(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }))
}

function tokenMatches(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim()
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

export interface HttpServing {
  url: string
  /** Sessions open now. */
  sessions(): number
  close(): Promise<void>
}

/**
 * The Streamable HTTP transport at `/mcp`, one MCP session per client, every session over the one
 * store. Every request must name an allowed host (and origin); with a token, carry it. Sessions
 * unused for `idleMs` are closed, and past `maxSessions` a new one is refused with 503, so a flood
 * of `initialize` requests cannot exhaust the process.
 */
export async function serveHttp(ctx: DocsContext, options: HttpOptions): Promise<HttpServing> {
  const { host, port, token } = options
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS
  const names = allowedHostnames(host, options.allowedHosts)
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; seen: number }>()
  let starting = 0

  const allowed = (req: IncomingMessage) => {
    const named = hostnameOf(req.headers.host)
    if (!named || !names.has(named)) return false
    const origin = req.headers.origin
    return !origin || names.has(hostnameOf(origin) ?? '')
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!allowed(req))
      return reply(
        res,
        403,
        `forbidden: host ${JSON.stringify(req.headers.host ?? '')} is not one this server answers (add it with --allowed-host)`,
      )
    if (token && !tokenMatches(req, token))
      return reply(res, 401, 'unauthorized: send the token as Authorization: Bearer <token>', {
        'www-authenticate': 'Bearer',
      })
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp')
      return reply(res, 404, 'not found: the MCP endpoint is /mcp')
    const id = req.headers['mcp-session-id']
    const known = typeof id === 'string' ? sessions.get(id) : undefined
    if (known) {
      known.seen = Date.now()
      return known.transport.handleRequest(req, res)
    }
    if (id !== undefined) return reply(res, 404, 'unknown session (it may have expired): start a new one (initialize)')
    if (req.method !== 'POST') return reply(res, 400, 'no session: start one with an initialize request')
    if (sessions.size + starting >= maxSessions)
      return reply(res, 503, `too many sessions (${maxSessions}): close one (DELETE /mcp) or retry later`, {
        'retry-after': '30',
      })
    starting++
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: sid => {
        sessions.set(sid, { transport, seen: Date.now() })
      },
    })
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId)
    }
    try {
      await createDocsServer(ctx).connect(transport)
      await transport.handleRequest(req, res)
    } finally {
      starting--
      // A request that started no session (not an initialize, or a failed one) leaves nothing behind.
      if (!transport.sessionId || !sessions.has(transport.sessionId)) await transport.close().catch(() => {})
    }
  }

  const sweep = setInterval(
    () => {
      const stale = Date.now() - idleMs
      for (const [sid, s] of sessions)
        if (s.seen < stale) {
          sessions.delete(sid)
          s.transport.close().catch(() => {})
        }
    },
    Math.min(60_000, Math.max(250, idleMs / 4)),
  )
  sweep.unref()

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      ctx.logger.warn(`mcp: ${ctx.redact((error as Error)?.message ?? String(error))}`)
      if (!res.headersSent) reply(res, 500, 'internal error')
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(new UsageError(`port ${port} on ${host} is in use: pass another --port (0 picks a free one)`))
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EACCES')
        reject(
          new UsageError(
            `cannot listen on ${host}:${port} (${error.code}): pass a --host of this machine and a --port you may open`,
          ),
        )
      else reject(error)
    })
    server.listen(port, host, () => resolve())
  })
  if (!isLoopback(host) && !token)
    ctx.logger.warn(
      `mcp: listening on ${host} with no authentication: anyone who can reach it can read the synced documents; set a token (--token, or VECTORNATOR_MCP_TOKEN)`,
    )
  const address = server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${bound}/mcp`,
    sessions: () => sessions.size,
    close: async () => {
      clearInterval(sweep)
      await Promise.all([...sessions.values()].map(s => s.transport.close().catch(() => {})))
      server.closeAllConnections?.()
      await new Promise<void>(resolve => server.close(() => resolve()))
    },
  }
}
