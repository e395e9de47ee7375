/** What a search of a store of chunks does the same way: one hit a document, its best chunk. */
import { UsageError } from '../../lib/errors'
import { embedTexts } from '../postgres/embed'
import type { Embedder, SearchHit, SearchOptions } from '../types'

type Hit = SearchHit & { fileId: string }

/** The number of documents asked for: 10 by default, at least 1. */
export function searchLimit(options: SearchOptions): number {
  return Math.max(1, Math.floor(options.limit ?? 10))
}

/** Several chunks of one document compete for its one slot: look wider than the limit (1000 at most). */
export function candidates(limit: number): number {
  return Math.min(1000, Math.max(50, limit * 10))
}

/** The query's vector; a UsageError saying `missing` when there is no embedder. */
export async function queryVector(embed: Embedder | undefined, query: string, missing: string): Promise<number[]> {
  if (!embed) throw new UsageError(missing)
  const [vector] = await embedTexts(embed, [query], 1)
  return vector!
}

/** The first hit of each document, in the order given (best first). */
export function onePerDocument<H extends Hit>(hits: Iterable<H>): H[] {
  const best = new Map<string, H>()
  for (const hit of hits) if (!best.has(hit.fileId)) best.set(hit.fileId, hit)
  return [...best.values()]
}

/** The best `limit` hits with a positive score, highest first, ties by path. */
export function ranked<H extends Hit>(hits: H[], limit: number): H[] {
  return onePerDocument(hits.filter(h => h.score > 0))
    .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path))
    .slice(0, limit)
}
