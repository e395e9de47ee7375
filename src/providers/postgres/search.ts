/**
 * Hybrid search: candidates from full-text search and (when there are vectors) from the HNSW
 * index, scored together, best chunk per document.
 *
 * Full-text candidates match ANY query word (websearch syntax would demand all of them, and a
 * question rarely shares every word with its answer); matching ALL of them earns a bonus, so a
 * distinctive phrase still wins. `ts_rank_cd(..., 32)` is rank/(rank+1), kept in [0, 1) so it
 * can be blended with cosine similarity.
 */
import type { AttributeFilter, Attributes, SearchHit } from '../types'
import type { Db } from './db'
import type { Tables } from './schema'

/** Share of the score that comes from vector similarity when the query has an embedding. */
const VECTOR_WEIGHT = 0.7

export interface SearchQuery {
  storeId: string
  text: string
  language: string
  limit: number
  /** The query's embedding in pgvector's text form, with its size. */
  vector?: { literal: string; dimensions: number }
  /** pgvector's version, to pick the index scan settings it supports. */
  pgvector?: string
  /** Only documents whose attributes match (equality, any-of per key, every key). */
  filter?: AttributeFilter
}

interface HitRow {
  file_id: string
  path: string | null
  attributes: Attributes | string
  text: string
  score: number
}

export async function searchChunks(db: Db, tables: Tables, query: SearchQuery): Promise<SearchHit[]> {
  if (!/[\p{L}\p{N}]/u.test(query.text)) return []
  const { sql, params, vector, candidates } = buildSearch(tables, query)
  const rows = await db.transaction(async tx => {
    if (vector) {
      // Without these an HNSW scan stops after ef_search rows (40), before the store filter:
      // a store sharing its tables with others could see too few of its own chunks.
      await tx.query(`SELECT set_config('hnsw.ef_search', $1, true)`, [
        String(Math.max(40, Math.min(1000, candidates))),
      ])
      if (atLeast(query.pgvector, 0, 8))
        await tx.query(`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)`)
    }
    return tx.query<HitRow>(sql, params)
  })
  return rows.map(row => {
    const attributes = typeof row.attributes === 'string' ? (JSON.parse(row.attributes) as Attributes) : row.attributes
    return {
      path: typeof attributes.path === 'string' ? attributes.path : (row.path ?? ''),
      score: Number(row.score),
      text: row.text,
      fileId: row.file_id,
      attributes,
    }
  })
}

/** The search statement and its parameters (exported so a test can EXPLAIN it). */
export function buildSearch(tables: Tables, query: SearchQuery) {
  // Several chunks of one document compete for the same slot: look wider than the limit.
  const candidates = Math.min(1000, Math.max(100, query.limit * 10))
  const params: unknown[] = [query.storeId, query.language, query.text, candidates, query.limit]
  // Applied while candidates are gathered, not after: a filter must not starve the limit.
  const filter = filterSql(tables, query.filter, params)
  const vector = query.vector && tables.vectorSchema ? vectorSql(tables, query.vector, params, filter) : undefined

  const textScore = '((ts_rank_cd(c.tsv, q.anyq, 32) + (CASE WHEN c.tsv @@ q.allq THEN 1 ELSE 0 END)) / 2.0)'
  const score = vector ? `(${VECTOR_WEIGHT} * ${vector.similarity} + ${1 - VECTOR_WEIGHT} * ${textScore})` : textScore

  const sql = `
    WITH q AS MATERIALIZED (
      SELECT websearch_to_tsquery($2::regconfig, $3) AS allq,
             replace(plainto_tsquery($2::regconfig, $3)::text, ' & ', ' | ')::tsquery AS anyq
    ),
    text_hits AS (
      SELECT c.file_id, c.ord FROM ${tables.chunks} c, q
       WHERE c.store_id = $1 AND numnode(q.anyq) > 0 AND c.tsv @@ q.anyq${filter}
       ORDER BY ts_rank_cd(c.tsv, q.anyq, 32) DESC LIMIT $4
    ),
    ${vector ? `vector_hits AS MATERIALIZED (${vector.candidates}),` : ''}
    candidates AS (
      SELECT file_id, ord FROM text_hits
      ${vector ? 'UNION SELECT file_id, ord FROM vector_hits' : ''}
    ),
    scored AS (
      SELECT DISTINCT ON (c.file_id) c.file_id, c.text, ${score}::float8 AS score
        FROM candidates x JOIN ${tables.chunks} c USING (file_id, ord), q
       ORDER BY c.file_id, score DESC, c.ord
    )
    SELECT s.file_id, d.path, d.attributes, s.text, s.score
      FROM scored s JOIN ${tables.documents} d USING (file_id)
     WHERE s.score > 0
     ORDER BY s.score DESC, d.path
     LIMIT $5`
  return { sql, params, vector: Boolean(vector), candidates }
}

/**
 * ` AND c.file_id IN (documents whose attributes match)`, or '' for no filter. Values compare as
 * jsonb, so `"2"` and `2` stay different, as in the OpenAI API.
 */
function filterSql(tables: Tables, filter: AttributeFilter | undefined, params: unknown[]): string {
  const conditions = Object.entries(filter ?? {}).map(([key, value]) => {
    params.push(
      key,
      (Array.isArray(value) ? value : [value]).map(v => JSON.stringify(v)),
    )
    return `(d.attributes -> $${params.length - 1}::text) = ANY($${params.length}::text[]::jsonb[])`
  })
  if (conditions.length === 0) return ''
  return ` AND c.file_id IN (SELECT d.file_id FROM ${tables.documents} d WHERE d.store_id = $1 AND ${conditions.join(' AND ')})`
}

function vectorSql(tables: Tables, vector: { literal: string; dimensions: number }, params: unknown[], filter: string) {
  const v = tables.vectorSchema!
  const n = vector.dimensions
  params.push(vector.literal)
  const ref = `$${params.length}::${v}.vector(${n})`
  // The same expression and predicate as the partial HNSW index, or the planner cannot use it.
  const distance = `(c.embedding::${v}.vector(${n}) OPERATOR(${v}.<=>) ${ref})`
  const sameSize = `${v}.vector_dims(c.embedding) = ${n}`
  return {
    candidates: `SELECT c.file_id, c.ord FROM ${tables.chunks} c
       WHERE c.store_id = $1 AND ${sameSize}${filter} ORDER BY ${distance} LIMIT $4`,
    // A zero vector has no direction: pgvector answers NaN, which PostgreSQL sorts above everything.
    similarity: `(CASE WHEN c.embedding IS NOT NULL AND ${sameSize} THEN COALESCE(NULLIF(1 - ${distance}, 'NaN'::float8), 0) ELSE 0 END)`,
  }
}

function atLeast(version: string | undefined, major: number, minor: number): boolean {
  const [a = 0, b = 0] = (version ?? '').split('.').map(Number)
  return a > major || (a === major && b >= minor)
}
