import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { searchDocs } from '../core/run/search'
import { errorMessage } from '../lib/errors'
import { infoOf, widenFilter } from './documents'
import { RefusedError } from './paths'
import type { DocsContext } from './context'
import { around, DOCUMENT_BUDGET, outline, SEARCH_BUDGET, sectionOf, slice } from './budget'

const scalar = z.union([z.string(), z.number(), z.boolean()])
const filter = z
  .record(z.string(), z.union([scalar, z.array(scalar)]))
  .describe(
    'Only documents whose attributes have these values, e.g. {"product": "cli"}; a list matches any of its values; every key must match',
  )
const version = z
  .string()
  .describe('Only documents of this version; default: the configured default version; "*" for every version')
const locale = z
  .string()
  .describe('Only documents in this locale; default: the configured default locale; "*" for every locale')
const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const

const documentInfo = z.object({
  path: z.string(),
  title: z.string().optional(),
  url: z.string().optional(),
  version: z.string().optional(),
  locale: z.string().optional(),
})

/**
 * A handler whose failures come back as a tool error the assistant can read and act on (the
 * server keeps running); secrets are cut from the message, and only unexpected errors are logged.
 */
function guarded<A>(ctx: DocsContext, run: (args: A) => Promise<CallToolResult>): (args: A) => Promise<CallToolResult> {
  return async args => {
    try {
      return await run(args)
    } catch (error) {
      const message = ctx.redact(errorMessage(error))
      if (!(error instanceof RefusedError) && (error as Error)?.name !== 'UsageError')
        ctx.logger.warn(`mcp: ${message}`)
      return { isError: true, content: [{ type: 'text', text: message }] }
    }
  }
}

function registerSearch(server: McpServer, ctx: DocsContext): void {
  server.registerTool(
    'search_docs',
    {
      title: 'Search the documentation',
      description: `Searches the synced documents of ${ctx.name} ${searchKind(ctx)} and returns the best matching passages, each with its document's path, title, url and score (higher is closer). Read a document with get_document, by path or url; get_outline shows its headings.`,
      inputSchema: {
        query: z.string().min(1).describe('What to look for, in words: a question or the terms a page would use'),
        limit: z.number().int().min(1).max(50).optional().describe('Results to return, 1 to 50 (default 5)'),
        version: version.optional(),
        locale: locale.optional(),
        filter: filter.optional(),
      },
      outputSchema: { results: z.array(documentInfo.extend({ score: z.number(), text: z.string() })) },
      annotations: { title: 'Search the documentation', ...READ_ONLY },
    },
    guarded(ctx, async ({ query, limit, version, locale, filter }) => {
      const connection = await ctx.connection()
      const hits = await searchDocs(connection.provider, ctx.options, query, {
        limit,
        version,
        locale,
        filter: widenFilter(filter),
      })
      // Each passage around what matched, and the reply within its budget (budget.ts).
      const results: (ReturnType<typeof infoOf> & { score: number; text: string })[] = []
      let used = 0
      for (const h of hits) {
        const text = around(h.text, query)
        if (results.length > 0 && used + text.length > SEARCH_BUDGET) break
        used += text.length
        results.push({ ...infoOf(h.path, h.attributes), score: h.score, text })
      }
      const left = hits.length - results.length
      const text = results.length
        ? results
            .map(
              (r, i) =>
                `${i + 1}. ${r.path}${r.title ? ` — ${r.title}` : ''}${r.url ? ` <${r.url}>` : ''} (score ${r.score.toFixed(3)})\n${r.text}`,
            )
            .join('\n\n') +
          (left > 0
            ? `\n\n(${left} more result${left === 1 ? '' : 's'} left out to keep this reply short: ask with a narrower query, or a lower limit)`
            : '')
        : 'no results: try other words, or widen the search (version "*", locale "*", no filter)'
      return { content: [{ type: 'text', text }], structuredContent: { results } }
    }),
  )
}

function registerGet(server: McpServer, ctx: DocsContext): void {
  server.registerTool(
    'get_document',
    {
      title: 'Read a document',
      description: `Returns one synced document of ${ctx.name}, exactly as it was last synced, by its path (as search_docs and list_documents give it) or by its url: up to ${DOCUMENT_BUDGET.toLocaleString('en')} characters a call (a longer one says the offset to read on from), or one section by its heading (get_outline lists them). MDX and Markdoc pages come as the readable text that was indexed. A document changed since the last sync is refused rather than served stale.`,
      inputSchema: {
        path: z.string().optional().describe("The document's path relative to the root, e.g. docs/guide/install.md"),
        url: z.string().optional().describe("The document's url, as search results give it; instead of path"),
        section: z
          .string()
          .optional()
          .describe('Only the section under this heading (its text, as get_outline gives it)'),
        offset: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe('Where to read on from: the nextOffset of the previous reply (default 0)'),
      },
      annotations: { title: 'Read a document', ...READ_ONLY },
    },
    guarded(ctx, async ({ path, url, section, offset = 0 }) => {
      const doc = await ctx.library.get({ path, url })
      const { text: whole, ...about } = doc
      let start = 0
      let end = whole.length
      if (section !== undefined) {
        const found = sectionOf(whole, section)
        if (!found)
          throw new RefusedError(
            `${about.path} has no heading ${JSON.stringify(section)}: get_outline lists its headings`,
          )
        ;({ start, end } = found)
      }
      const part = whole.slice(start, end)
      if (offset > part.length) throw new RefusedError(`offset ${offset} is past the end (${part.length} characters)`)
      const { piece, nextOffset } = slice(part, offset)
      const more =
        nextOffset === undefined
          ? ''
          : `\n\n[${(part.length - nextOffset).toLocaleString('en')} more characters: call get_document again with offset ${nextOffset}${section !== undefined ? ' and the same section' : ''}]`
      return {
        content: [{ type: 'text', text: piece + more }],
        structuredContent: {
          ...about,
          ...(section !== undefined ? { section } : {}),
          offset,
          length: part.length,
          ...(nextOffset !== undefined ? { nextOffset } : {}),
        },
      }
    }),
  )
}

function registerList(server: McpServer, ctx: DocsContext): void {
  server.registerTool(
    'list_documents',
    {
      title: 'List the documents',
      description: `Lists the synced documents of ${ctx.name} (path, title, url), sorted by path, a page at a time: pass the nextOffset of one answer as the offset of the next. Like search_docs, only the default version and locale unless asked ("*" for all).`,
      inputSchema: {
        offset: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe('Documents to skip (default 0): the nextOffset of the previous page'),
        limit: z.number().int().min(1).max(500).optional().describe('Documents per page, 1 to 500 (default 50)'),
        version: version.optional(),
        locale: locale.optional(),
        filter: filter.optional(),
      },
      outputSchema: {
        documents: z.array(documentInfo),
        total: z.number(),
        offset: z.number(),
        nextOffset: z.number().optional(),
      },
      annotations: { title: 'List the documents', ...READ_ONLY },
    },
    guarded(ctx, async request => {
      const page = await ctx.library.list(request)
      const lines = page.documents.map(d => `${d.path}${d.title ? ` — ${d.title}` : ''}${d.url ? ` <${d.url}>` : ''}`)
      const more = page.nextOffset !== undefined ? `\n(more: offset ${page.nextOffset})` : ''
      const text = `${page.total} document${page.total === 1 ? '' : 's'}; ${page.documents.length} from offset ${page.offset}\n${lines.join('\n')}${more}`
      return { content: [{ type: 'text', text }], structuredContent: { ...page } }
    }),
  )
}

function registerOutline(server: McpServer, ctx: DocsContext): void {
  server.registerTool(
    'get_outline',
    {
      title: 'Outline a document',
      description: `Lists the headings of one synced document of ${ctx.name}, each with its level and the size of its section in characters, so you can read only the part you need (get_document with section).`,
      inputSchema: {
        path: z.string().optional().describe("The document's path relative to the root, e.g. docs/guide/install.md"),
        url: z.string().optional().describe("The document's url, as search results give it; instead of path"),
      },
      outputSchema: {
        path: z.string(),
        length: z.number(),
        headings: z.array(z.object({ level: z.number(), text: z.string(), chars: z.number() })),
      },
      annotations: { title: 'Outline a document', ...READ_ONLY },
    },
    guarded(ctx, async ({ path, url }) => {
      const { text, ...about } = await ctx.library.get({ path, url })
      const headings = outline(text).map(({ level, text: heading, chars }) => ({ level, text: heading, chars }))
      const lines = headings.map(
        h => `${'  '.repeat(h.level - 1)}${'#'.repeat(h.level)} ${h.text} (${h.chars.toLocaleString('en')} characters)`,
      )
      const body = `${about.path}: ${text.length.toLocaleString('en')} characters, ${headings.length} heading${headings.length === 1 ? '' : 's'}\n${lines.join('\n')}`
      return {
        content: [{ type: 'text', text: body }],
        structuredContent: { path: about.path, length: text.length, headings },
      }
    }),
  )
}

function registerScopes(server: McpServer, ctx: DocsContext): void {
  server.registerTool(
    'list_versions',
    {
      title: 'List versions and locales',
      description: `Lists the versions and locales the synced documents of ${ctx.name} carry, each with how many documents, and the ones a search asks for by default: pass one as version or locale to search_docs or list_documents.`,
      inputSchema: {},
      outputSchema: {
        versions: z.array(z.object({ name: z.string(), documents: z.number() })),
        locales: z.array(z.object({ name: z.string(), documents: z.number() })),
        defaults: z.object({ version: z.string().optional(), locale: z.string().optional() }),
      },
      annotations: { title: 'List versions and locales', ...READ_ONLY },
    },
    guarded(ctx, async () => {
      const scopes = await ctx.library.scopes()
      const list = (items: { name: string; documents: number }[]) =>
        items.length ? items.map(i => `${i.name} (${i.documents})`).join(', ') : 'none recorded'
      const text = `versions: ${list(scopes.versions)}${scopes.defaults.version ? `; default ${scopes.defaults.version}` : ''}\nlocales: ${list(scopes.locales)}${scopes.defaults.locale ? `; default ${scopes.defaults.locale}` : ''}`
      return { content: [{ type: 'text', text }], structuredContent: scopes }
    }),
  )
}

/** What the search is, said plainly: by meaning only where the store holds vectors. */
function searchKind(ctx: DocsContext): string {
  const { options } = ctx
  if (options.providerName === 'openai') return "by meaning (the OpenAI vector store's own search)"
  if (options.providerName === 'postgres')
    return options.embed === false || (!options.embed && !options.apiKey)
      ? 'by keywords (full-text: no embedder is configured)'
      : 'by meaning and keywords'
  return "with the store's own search"
}

export function registerTools(server: McpServer, ctx: DocsContext): void {
  registerScopes(server, ctx)
  registerSearch(server, ctx)
  registerGet(server, ctx)
  registerOutline(server, ctx)
  registerList(server, ctx)
}
