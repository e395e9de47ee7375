import { invalidType, invalidValue, missingParam } from './errors'
import { checkFilter, matches } from './filters'
import type { Route } from './router'
import { unixSeconds } from './state'
import { chunkText, words } from './text'
import {
  type Attributes,
  type Body,
  checkArray,
  isObject,
  onlyKnown,
  optionalBoolean,
  optionalInteger,
} from './validate'
import { statusOf, type VsFileRecord } from './vector-store-files'
import type { IndexedChunk } from './records'
export type { IndexedChunk } from './records'

/** `VectorStoreSearchResultItem` in the spec. */
export interface SearchResultItem {
  file_id: string
  filename: string
  score: number
  attributes: Attributes
  content: Array<{ type: 'text'; text: string }>
}

// BM25's usual constants.
const K1 = 1.2
const B = 0.75

/** Dropped by `rewrite_query`, which in the real API turns a question into a search query. */
const STOP_WORDS = new Set(
  (
    'a an and are as at be by can do does for from how i in is it of on or should that the this ' +
    'to was what when where which who why will with you your'
  ).split(' '),
)

function chunksOf(record: VsFileRecord): IndexedChunk[] {
  return (record.chunks ??= chunkText(record.text, record.chunking).map(text => {
    const tokens = words(text)
    const terms = new Map<string, number>()
    for (const token of tokens) terms.set(token, (terms.get(token) ?? 0) + 1)
    return { text, terms, length: tokens.length }
  }))
}

function readQueries(body: Body): string[] {
  const query = body.query
  if (query === undefined || query === null) throw missingParam('query')
  if (typeof query === 'string') return [query]
  return checkArray(query, 'query', 1, Infinity).map((q, i) => {
    if (typeof q !== 'string') throw invalidType(`query[${i}]`, 'a string', q)
    return q
  })
}

function readThreshold(value: unknown): number {
  if (value === undefined || value === null) return 0
  if (!isObject(value)) throw invalidType('ranking_options', 'an object', value)
  onlyKnown(value, ['ranker', 'score_threshold'], 'ranking_options')
  if (value.ranker !== undefined && !['none', 'auto', 'default-2024-11-15'].includes(value.ranker as string)) {
    throw invalidValue('ranking_options.ranker', `expected one of 'none', 'auto', 'default-2024-11-15'.`)
  }
  const threshold = value.score_threshold ?? 0
  if (typeof threshold !== 'number' || threshold < 0 || threshold > 1) {
    throw invalidValue('ranking_options.score_threshold', 'expected a number between 0 and 1.')
  }
  return threshold
}

/** The words of what a page is called: its `title` attribute, else its file name without the extension. */
function titleWords(record: VsFileRecord): Set<string> {
  const title =
    typeof record.attributes.title === 'string' ? record.attributes.title : record.filename.replace(/\.[^.]+$/, '')
  return new Set(words(title))
}

/**
 * Half of a score is the title's: a page called what the user asks for outranks pages that only
 * mention it, as the real (embedding) search does when the title is part of the chunk's context.
 */
const TITLE_WEIGHT = 0.5

/**
 * Lexical BM25 over the chunks of the store's completed files, standing in for the real
 * embedding search: deterministic, and documents that share the query's words rank first.
 * A chunk's body score is its BM25 divided by the most the query could score (every term present
 * with a saturated frequency); its title score is the idf-weighted share of the query's terms in
 * the page's title. Their weighted mean lands in 0..1 like the real similarity scores; with
 * several queries a chunk keeps its best score. Chunks sharing no word with the query are left
 * out (but for the first chunk of a page whose title matches), where a vector search would still
 * return its nearest (if poor) neighbours.
 */
export function rank(records: VsFileRecord[], queries: string[], keep: (record: VsFileRecord) => boolean) {
  const chunks = records.flatMap(record => chunksOf(record).map((chunk, index) => ({ record, chunk, index })))
  const avgLength = chunks.reduce((sum, c) => sum + c.chunk.length, 0) / Math.max(1, chunks.length)
  const idf = (term: string) => {
    const df = chunks.reduce((n, c) => n + (c.chunk.terms.has(term) ? 1 : 0), 0)
    return Math.log(1 + (chunks.length - df + 0.5) / (df + 0.5))
  }
  const weighted = queries.map(q => [...new Set(words(q))].map(term => ({ term, idf: idf(term) })))
  const titles = new Map<VsFileRecord, Set<string>>()
  const titleOf = (record: VsFileRecord) => titles.get(record) ?? titles.set(record, titleWords(record)).get(record)!
  return chunks
    .filter(c => keep(c.record))
    .map(c => {
      const norm = K1 * (1 - B + (B * c.chunk.length) / (avgLength || 1))
      const title = titleOf(c.record)
      const score = Math.max(
        0,
        ...weighted.map(terms => {
          const total = terms.reduce((sum, t) => sum + t.idf, 0)
          if (!total) return 0
          const got = terms.reduce((sum, t) => {
            const tf = c.chunk.terms.get(t.term) ?? 0
            return sum + (t.idf * tf * (K1 + 1)) / (tf + norm)
          }, 0)
          const body = got / (total * (K1 + 1))
          const named = terms.reduce((sum, t) => sum + (title.has(t.term) ? t.idf : 0), 0) / total
          if (body === 0 && (named === 0 || c.index > 0)) return 0
          return (1 - TITLE_WEIGHT) * body + TITLE_WEIGHT * named
        }),
      )
      return { ...c, score: Math.min(1, score) }
    })
    .filter(c => c.score > 0)
    .sort((a, b) => b.score - a.score || a.record.seq - b.record.seq || a.index - b.index)
}

export const searchRoutes: Route[] = [
  {
    method: 'POST',
    path: '/vector_stores/{vector_store_id}/search',
    async handle(ctx) {
      const store = ctx.state.store(ctx.params.vector_store_id!)
      const body = await ctx.json()
      onlyKnown(body, ['query', 'rewrite_query', 'max_num_results', 'filters', 'ranking_options'])
      let queries = readQueries(body)
      // VectorStoreSearchRequest: max_num_results 1..50, default 10.
      const max = optionalInteger(body, 'max_num_results', 1, 50) ?? 10
      const filter = body.filters === undefined || body.filters === null ? undefined : checkFilter(body.filters)
      const threshold = readThreshold(body.ranking_options)
      if (optionalBoolean(body, 'rewrite_query')) {
        queries = queries.map(
          q =>
            words(q)
              .filter(w => !STOP_WORDS.has(w))
              .join(' ') || q,
        )
      }
      const now = Date.now()
      store.lastActiveAt = unixSeconds(now)
      const searchable = [...store.files.values()].filter(r => statusOf(r, now) === 'completed')
      const data: SearchResultItem[] = rank(searchable, queries, r => !filter || matches(filter, r.attributes))
        .filter(hit => hit.score >= threshold)
        .slice(0, max)
        .map(hit => ({
          file_id: hit.record.id,
          filename: hit.record.filename,
          score: hit.score,
          attributes: hit.record.attributes,
          content: [{ type: 'text', text: hit.chunk.text }],
        }))
      return {
        object: 'vector_store.search_results.page',
        search_query: queries,
        data,
        has_more: false,
        next_page: null,
      }
    },
  },
]
