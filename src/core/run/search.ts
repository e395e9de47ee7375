import type { AttributeFilter, SearchHit, VectorStoreProvider } from '../../providers/types'
import { UsageError } from '../../lib/errors'
import type { ResolvedOptions } from '../options/options'
import { RULE_NAMES } from '../scan/rules'

/** A search as a user or an assistant asks it. */
export interface SearchRequest {
  /** Results to return, default 5 (1 to 50). */
  limit?: number
  /** Only this version; default the `version` rule's `default`; `'*'` for every version. */
  version?: string
  /** Only this locale; default the `locale` rule's `default`; `'*'` for every locale. */
  locale?: string
  /** More attribute conditions (equality, any-of for a list); every key must match. */
  filter?: AttributeFilter
}

export const DEFAULT_SEARCH_LIMIT = 5
/** Asks for every version or locale, rather than the default. */
export const ALL = '*'

/**
 * The filter a search sends: the request's own `filter`, plus its version and locale, or, when it
 * names none, the rule's default, so an assistant asking nothing gets the current version in the
 * default language rather than a mixture. A key the request's filter already names keeps the
 * request's value. Undefined when nothing narrows the search.
 */
export function searchFilter(options: ResolvedOptions, request: SearchRequest): AttributeFilter | undefined {
  for (const [key, value] of Object.entries(request.filter ?? {}))
    if (![value].flat().every(v => ['string', 'number', 'boolean'].includes(typeof v)))
      throw new UsageError(
        `filter ${key} must be a string, number or boolean (or a list of them), got ${JSON.stringify(value)}`,
      )
  const filter: AttributeFilter = { ...request.filter }
  for (const name of RULE_NAMES) {
    const asked = request[name]
    if (asked !== undefined && (typeof asked !== 'string' || !asked.trim()))
      throw new UsageError(`${name} must be a ${name} name or "${ALL}" for all, got ${JSON.stringify(asked)}`)
    if (asked === ALL) {
      if (request.filter?.[name] === undefined) delete filter[name]
      continue
    }
    if (asked !== undefined) {
      filter[name] = asked
      continue
    }
    const fallback = options[name]?.default
    if (fallback !== undefined && !(name in filter)) filter[name] = fallback
  }
  return Object.keys(filter).length ? filter : undefined
}

/** The request checked, with its limit and filter; throws a UsageError naming the fix. */
export function searchArguments(
  options: ResolvedOptions,
  query: string,
  request: SearchRequest = {},
): { limit: number; filter?: AttributeFilter } {
  const limit = request.limit ?? DEFAULT_SEARCH_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > 50)
    throw new UsageError(`limit must be a whole number from 1 to 50, got ${JSON.stringify(request.limit)}`)
  if (typeof query !== 'string' || !query.trim())
    throw new UsageError('the search query is empty: give the words to look for')
  const filter = searchFilter(options, request)
  return { limit, ...(filter ? { filter } : {}) }
}

/** Searches the store with the defaults above; the same for the CLI, the library and the MCP server. */
export async function searchDocs(
  provider: VectorStoreProvider,
  options: ResolvedOptions,
  query: string,
  request: SearchRequest = {},
): Promise<SearchHit[]> {
  const args = searchArguments(options, query, request)
  if (!provider.search) throw new UsageError(`the ${provider.name} provider cannot search`)
  return provider.search(query, args)
}
