import type { LocalFile } from './scan/scan'
import type { SearchHit } from '../providers/types'
import { UsageError } from '../lib/errors'
import { searchArguments, searchDocs, searchFilter, type SearchRequest } from './run/search'
import { loadChecks, runChecks, type CheckReport } from './run/retrieval'
import type { SyncContext } from './run/context'
import { providerLimits } from './run/provider'
import type { StoreConnection } from './run/store'
import { filesFromPaths } from './scan/scan'
import { secretAllowance } from './scan/source'
import type { SyncState } from './state'
import { readSyncedState } from './read-state'
import { withRuleDefaults, writeLlmsTxt, type LlmsTxtSettings, type LlmsTxtWritten, type Site } from './llms'

/** What the faces read outside a sync: the state, searches and checks on an open store, llms.txt. */

/** A search's hits, with what the store says of how it searched (keywords only, for one). */
export interface SearchAnswer {
  hits: SearchHit[]
  notice?: string
}

/** An open store (see Vectornator.connect), searched with the options' defaults. */
export interface Connection extends StoreConnection {
  /** Searches this store as Vectornator.search does (a bad request refused first). */
  search(query: string, request?: SearchRequest): Promise<SearchAnswer>
}

export function withSearch(ctx: SyncContext, connection: StoreConnection): Connection {
  return {
    ...connection,
    search: async (query, request) => {
      const hits = await searchDocs(connection.provider, ctx.options, query, request)
      const notice = (connection.provider as { notice?: unknown }).notice
      return typeof notice === 'string' && notice ? { hits, notice } : { hits }
    },
  }
}

/** Opens the store, searches it, closes it; a bad request is refused before the store is opened. */
export async function searchOnce(
  ctx: SyncContext,
  connect: () => Promise<Connection>,
  query: string,
  request?: SearchRequest,
): Promise<SearchAnswer> {
  searchArguments(ctx.options, query, request)
  const connection = await connect()
  try {
    return await connection.search(query, request)
  } finally {
    await connection.close()
  }
}

/** The retrieval checks of the checks file (found before the store is opened) run against the store. */
export async function checkStore(
  ctx: SyncContext,
  connect: () => Promise<Connection>,
  file?: string,
): Promise<CheckReport> {
  const { options } = ctx
  const found = await loadChecks(options.root, file)
  const connection = await connect()
  try {
    return await runChecks(connection.provider, found.file, found.checks, check => searchFilter(options, check))
  } finally {
    await connection.close()
  }
}

/** Where llms.txt goes and what it says of the site; the state defaults to the one read now. */
export interface LlmsTxtTarget {
  outDir: string
  /** The framework's site title and description, under the settings'. */
  site?: Partial<Site>
  state?: SyncState
}

/** Writes llms.txt and llms-full.txt from the state, with the rules' default version and locale. */
export async function llmsTxtOf(
  ctx: SyncContext,
  settings: LlmsTxtSettings,
  target: LlmsTxtTarget,
): Promise<LlmsTxtWritten> {
  const { options } = ctx
  const state = target.state ?? (await readSyncedState(options))
  if (!state) throw new UsageError(`nothing has been synced from ${options.root} yet: run \`vectornator sync\` first`)
  return writeLlmsTxt({
    root: options.root,
    outDir: target.outDir,
    state,
    settings: withRuleDefaults(settings, options),
    site: target.site,
    logger: options.logger,
  })
}

/**
 * The files a build emitted (absolute paths) as documents: inside the root, within the store's
 * size limit, no credential unless allowed; each one left out is warned about.
 */
export async function emittedDocuments(ctx: SyncContext, paths: string[]): Promise<LocalFile[]> {
  const { options } = ctx
  const limit = options.maxFileSize ?? providerLimits(options).maxFileBytes
  const { files, skipped } = await filesFromPaths(options.root, paths, limit, await secretAllowance(options))
  for (const s of skipped) options.logger.warn(`emitted file ${s.path} left out: ${s.reason}`)
  return files
}
