import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { DocsContext } from './context'
import { registerResources } from './resources'
import { registerTools } from './tools'

export type { DocsContext } from './context'

/** One MCP server (one per session over HTTP, one for stdio) over the shared context. */
export function createDocsServer(ctx: DocsContext): McpServer {
  const server = new McpServer(
    { name: 'vectornator', version: ctx.version },
    {
      instructions: `Tools over ${ctx.name}, kept in a vector store by vectornator: search_docs finds passages by meaning, get_document returns a whole document as synced (by path or url), list_documents lists them. Prefer these over guessing how the project works.`,
    },
  )
  registerTools(server, ctx)
  registerResources(server, ctx)
  return server
}
