import type { AttributeFilter, SearchHit } from '../types'
import { DOCUMENT_COLUMNS, literal, toRemoteFile, type Table } from './table'

export interface SearchQuery {
  text: string
  limit: number
  /** The query's embedding, when the table holds vectors. */
  vector?: number[]
  filter?: AttributeFilter
}

/**
 * Hybrid search when the table holds vectors (nearest chunks and full-text matches, merged by
 * reciprocal rank fusion: see fuse), full-text (BM25) otherwise. The best chunk of each document stands
 * for it.
 */
export async function searchTable(table: Table, query: SearchQuery): Promise<SearchHit[]> {
  if (!/[\p{L}\p{N}]/u.test(query.text)) return []
  const where = await filterPredicate(table, query.filter)
  if (where === false) return []
  // Several chunks of one document compete for its one slot: look wider than the limit.
  const candidates = Math.min(1000, Math.max(100, query.limit * 10))
  const columns = [...DOCUMENT_COLUMNS, 'ord', 'text']
  const text = () => {
    const q = table.search(query.text, 'fts')
    return (where ? q.where(where) : q)
      .select([...columns, '_score'])
      .limit(candidates)
      .toArray()
  }
  let rows: Record<string, unknown>[]
  if (query.vector) {
    const near = table.query().nearestTo(query.vector).distanceType('cosine')
    const [nearest, matches] = await Promise.all([
      (where ? near.where(where) : near)
        .select([...columns, '_distance'])
        .limit(candidates)
        .toArray(),
      text(),
    ])
    rows = fuse([nearest, matches])
  } else {
    rows = (await text()).map(row => ({ ...row, score: Number(row._score) }))
  }
  const best = new Map<string, SearchHit>()
  for (const row of rows) {
    const file = toRemoteFile(row)
    if (best.has(file.fileId)) continue
    const score = Number(row.score)
    best.set(file.fileId, {
      path: file.path ?? '',
      score,
      text: String(row.text),
      fileId: file.fileId,
      attributes: file.attributes,
    })
  }
  return [...best.values()].sort((a, b) => b.score - a.score || a.path.localeCompare(b.path)).slice(0, query.limit)
}

/** Reciprocal rank fusion's damping constant, as in its paper and LanceDB's own RRF reranker. */
const RRF_K = 60

/**
 * Merges ranked lists of chunks by reciprocal rank fusion: a chunk's score is the sum of
 * 1 / (RRF_K + rank) over the lists it is in, so one found both by meaning and by its words
 * ranks first. Run as two queries rather than LanceDB's hybrid query, whose column selection
 * cannot name both lists' score columns.
 */
function fuse(lists: Record<string, unknown>[][]): Record<string, unknown>[] {
  const fused = new Map<string, Record<string, unknown> & { score: number }>()
  for (const list of lists)
    list.forEach((row, rank) => {
      const id = `${row.file_id}#${row.ord}`
      const entry = fused.get(id) ?? { ...row, score: 0 }
      entry.score += 1 / (RRF_K + rank + 1)
      fused.set(id, entry)
    })
  return [...fused.values()].sort((a, b) => b.score - a.score)
}

/**
 * A `file_id IN (...)` predicate for the documents whose attributes match, or false when none can.
 * The attributes are JSON in each row, so the match is made here over the documents' first rows
 * (one row a document: cheap for a docs site's store), exactly as the OpenAI API compares values:
 * `"2"` and `2` stay different.
 */
async function filterPredicate(table: Table, filter: AttributeFilter | undefined): Promise<string | false | undefined> {
  const entries = Object.entries(filter ?? {}).map(
    ([key, value]) => [key, Array.isArray(value) ? value : [value]] as const,
  )
  if (entries.length === 0) return undefined
  if (entries.some(([, values]) => values.length === 0)) return false
  const docs = await table.query().where('ord = 0').select(['file_id', 'attributes']).toArray()
  const matching = docs
    .filter(row => {
      const attributes = JSON.parse(String(row.attributes)) as Record<string, unknown>
      return entries.every(
        ([key, values]) => Object.hasOwn(attributes, key) && values.includes(attributes[key] as never),
      )
    })
    .map(row => literal(String(row.file_id)))
  return matching.length ? `file_id IN (${matching.join(', ')})` : false
}
