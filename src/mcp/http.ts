import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { UsageError } from '../lib/errors'
import { createDocsServer, type DocsContext } from './server'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

function hostnameOf(value: string | undefined): string | undefined {
  if (!value) return undefined
  try { return new URL(value.includes('://') ? value : `http://${value}`).hostname }
  catch { return undefined }
}

/**
 * Bound to a loopback address, only requests naming a loopback host (and, from a browser, a
 * loopback origin) are served: a web page cannot reach the server through a name of its own
 * that resolves to 127.0.0.1 (DNS rebinding).
 */
function allowed(req: IncomingMessage, host: string): boolean {
  if (!LOOPBACK.has(host)) return true
  const named = hostnameOf(req.headers.host)
  if (!named || !LOOPBACK.has(named)) return false
  const origin = req.headers.origin
  return !origin || LOOPBACK.has(hostnameOf(origin) ?? '')
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }))
}

export interface HttpServing {
  url: string
  close(): Promise<void>
}

/** The Streamable HTTP transport at `/mcp`, one MCP session per client, every session over the one store. */
export async function serveHttp(ctx: DocsContext, host: string, port: number): Promise<HttpServing> {
  const sessions = new Map<string, StreamableHTTPServerTransport>()
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!allowed(req, host)) return reply(res, 403, 'forbidden: this server answers only requests to a loopback address')
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') return reply(res, 404, 'not found: the MCP endpoint is /mcp')
    const id = req.headers['mcp-session-id']
    const known = typeof id === 'string' ? sessions.get(id) : undefined
    if (known) return known.handleRequest(req, res)
    if (id !== undefined) return reply(res, 404, 'unknown session: start a new one (initialize)')
    if (req.method !== 'POST') return reply(res, 400, 'no session: start one with an initialize request')
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => { sessions.set(sid, transport) },
    })
    transport.onclose = () => { if (transport.sessionId) sessions.delete(transport.sessionId) }
    await createDocsServer(ctx).connect(transport)
    await transport.handleRequest(req, res)
  }
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      ctx.logger.warn(`mcp: ${ctx.redact((error as Error)?.message ?? String(error))}`)
      if (!res.headersSent) reply(res, 500, 'internal error')
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new UsageError(`port ${port} on ${host} is in use: pass another --port (0 picks a free one)`))
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EACCES')
        reject(new UsageError(`cannot listen on ${host}:${port} (${error.code}): pass a --host of this machine and a --port you may open`))
      else reject(error)
    })
    server.listen(port, host, () => resolve())
  })
  const address = server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${bound}/mcp`,
    close: async () => {
      await Promise.all([...sessions.values()].map(t => t.close().catch(() => {})))
      server.closeAllConnections?.()
      await new Promise<void>(resolve => server.close(() => resolve()))
    },
  }
}
