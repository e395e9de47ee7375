import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { createVectornator, type Project } from '../core'
import type { Logger } from '../lib/logger'
import { DocumentLibrary } from './documents'
import { serveHttp, type HttpOptions } from './http'
import { guardedStdin, MAX_LINE_BYTES } from './stdio-guard'
import { createDocsServer, type DocsContext } from './server'
import { StoreHandle } from './store'
import { UsageError } from '../lib/errors'
import { nothingSynced, RefusedError } from './paths'

export interface McpServeOptions {
  /** Serve Streamable HTTP (on this host and port, with these limits) instead of stdio. */
  http?: HttpOptions
  logger: Logger
  redact(text: string): string
  version: string
}

/**
 * Serves the project's store (as `openProject` found it: the CLI's and the build's) over MCP until the client leaves (stdio) or the process is
 * told to stop (SIGINT, SIGTERM). The store is opened first, so a missing sync fails before any
 * protocol is spoken.
 */
export async function serveMcp(project: Project, options: McpServeOptions): Promise<void> {
  const vn = createVectornator(project.config, {}, { ...project.options, logger: options.logger })
  // Started before any sync (an assistant's config written first): it serves anyway, and its
  // tools say what to do until a sync has run.
  let store: StoreHandle | undefined = await StoreHandle.open(vn).catch((error: unknown) => {
    if (!(error instanceof UsageError) || !/nothing has been synced/.test(error.message)) throw error
    options.logger.warn(
      `mcp: nothing has been synced from ${vn.options.root} yet: serving anyway; the tools say so until \`vectornator sync\` has run`,
    )
    return undefined
  })
  let opening: Promise<StoreHandle> | undefined
  const library = new DocumentLibrary(vn, store?.first.state)
  const ctx: DocsContext = {
    name: `the documentation in ${vn.options.root}`,
    options: vn.options,
    library,
    connection: async () => {
      const state = await library.current()
      if (!store) {
        opening ??= StoreHandle.open(vn).finally(() => {
          opening = undefined
        })
        store = await opening.catch(() => {
          throw new RefusedError(nothingSynced(vn.options.root))
        })
      }
      return store.connection(state)
    },
    logger: options.logger,
    redact: options.redact,
    version: options.version,
  }
  const count = Object.keys(store?.first.state?.files ?? {}).length
  const storeName = store ? `store ${store.first.storeId}` : 'no store yet'
  let stop!: () => void
  const done = new Promise<void>(resolve => {
    stop = resolve
  })
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    if (options.http) {
      const serving = await serveHttp(ctx, options.http)
      options.logger.info(`mcp: serving ${count} documents of ${storeName} on ${serving.url}`)
      await done
      await serving.close()
      return
    }
    const server = createDocsServer(ctx)
    // The client closing our stdin is how a stdio session ends.
    process.stdin.once('end', stop)
    process.stdin.once('close', stop)
    const stdin = guardedStdin(process.stdin, process.stdout, MAX_LINE_BYTES, bytes =>
      options.logger.warn(`mcp: a request of ${bytes} bytes was refused (at most ${MAX_LINE_BYTES})`),
    )
    await server.connect(new StdioServerTransport(stdin, process.stdout))
    options.logger.info(`mcp: serving ${count} documents of ${storeName} on stdio`)
    await done
    await server.close()
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await store?.close()
  }
}
