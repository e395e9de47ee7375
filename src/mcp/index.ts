import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { VectornatorOptions } from '../types'
import { createVectornator } from '../core/sync'
import type { Logger } from '../lib/logger'
import { DocumentLibrary } from './documents'
import { serveHttp, type HttpOptions } from './http'
import { guardedStdin, MAX_LINE_BYTES } from './stdio-guard'
import { createDocsServer, type DocsContext } from './server'
import { StoreHandle } from './store'

export interface McpServeOptions {
  /** Serve Streamable HTTP (on this host and port, with these limits) instead of stdio. */
  http?: HttpOptions
  logger: Logger
  redact(text: string): string
  version: string
}

/**
 * Serves the store the options name over MCP until the client leaves (stdio) or the process is
 * told to stop (SIGINT, SIGTERM). The store is opened first, so a missing sync fails before any
 * protocol is spoken.
 */
export async function serveMcp(userOptions: VectornatorOptions, options: McpServeOptions): Promise<void> {
  const vn = createVectornator({ ...userOptions, logger: options.logger })
  const store = await StoreHandle.open(userOptions, vn)
  const connection = store.first
  const library = new DocumentLibrary(vn.options, connection.state)
  const ctx: DocsContext = {
    name: `the documentation in ${vn.options.root}`,
    options: vn.options,
    library,
    connection: async () => store.connection(await library.current()),
    logger: options.logger,
    redact: options.redact,
    version: options.version,
  }
  const count = Object.keys(connection.state?.files ?? {}).length
  let stop!: () => void
  const done = new Promise<void>((resolve) => { stop = resolve })
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    if (options.http) {
      const serving = await serveHttp(ctx, options.http)
      options.logger.info(`mcp: serving ${count} documents of store ${connection.storeId} on ${serving.url}`)
      await done
      await serving.close()
      return
    }
    const server = createDocsServer(ctx)
    // The client closing our stdin is how a stdio session ends.
    process.stdin.once('end', stop)
    process.stdin.once('close', stop)
    const stdin = guardedStdin(process.stdin, process.stdout, MAX_LINE_BYTES, bytes => options.logger.warn(`mcp: a request of ${bytes} bytes was refused (at most ${MAX_LINE_BYTES})`))
    await server.connect(new StdioServerTransport(stdin, process.stdout))
    options.logger.info(`mcp: serving ${count} documents of store ${connection.storeId} on stdio`)
    await done
    await server.close()
  }
  finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await store.close()
  }
}
