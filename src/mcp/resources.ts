import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js'
import { RefusedError } from './paths'
import type { DocsContext } from './context'

export const DOCUMENT_URI = 'vectornator://document/{+path}'

const uriOf = (path: string) => `vectornator://document/${path.split('/').map(encodeURIComponent).join('/')}`
const mimeOf = (path: string) => (/\.(?:md|mdx|markdown|mdoc|markdoc)$/i.test(path) ? 'text/markdown' : 'text/plain')

/** Each synced document as a resource, by path; read exactly as get_document reads it. */
export function registerResources(server: McpServer, ctx: DocsContext): void {
  const template = new ResourceTemplate(DOCUMENT_URI, {
    list: async () => {
      const state = await ctx.library.current()
      return {
        resources: Object.entries(state?.files ?? {})
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([path, f]) => ({
            uri: uriOf(path),
            name: typeof f.attributes?.title === 'string' && f.attributes.title ? f.attributes.title : path,
            mimeType: mimeOf(path),
          })),
      }
    },
  })
  server.registerResource(
    'document',
    template,
    {
      title: 'Synced document',
      description: `A document of ${ctx.name} as last synced, by its path relative to the root`,
    },
    async (uri, variables) => {
      const raw = [variables.path].flat()[0] ?? ''
      let path: string
      try {
        path = decodeURIComponent(raw)
      } catch {
        throw new RefusedError(`${uri.href} is not a well-formed document address`)
      }
      try {
        const doc = await ctx.library.get({ path })
        return { contents: [{ uri: uri.href, mimeType: mimeOf(path), text: doc.text }] }
      } catch (error) {
        throw new Error(ctx.redact((error as Error).message))
      }
    },
  )
}
