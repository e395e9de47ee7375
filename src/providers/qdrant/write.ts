import { UsageError } from '../../lib/errors'
import type { Embedder } from '../types'
import { embedChunks, type ChunkedDocument } from '../shared/chunked'
import { isTooLarge, type QdrantClient } from './client'
import { UPSERT_BYTES, UPSERT_POINTS } from './options'
import { FILE_KEY, pointsOf } from './points'

type Point = ReturnType<typeof pointsOf>[number]

/**
 * Embeds the documents and upserts their points (wait=true: searchable when this resolves) in
 * requests of at most UPSERT_POINTS and UPSERT_BYTES, halved while the server finds one too large.
 * A document whose points were partly written is removed whole when a later request fails.
 */
export async function writeDocuments(
  client: QdrantClient,
  collection: { name: string; size: number },
  embed: Embedder,
  docs: ChunkedDocument[],
): Promise<void> {
  await embedChunks(embed, docs)
  const got = docs[0]?.vectors?.[0]?.length
  if (got !== undefined && got !== collection.size)
    throw new UsageError(
      `qdrant: the embedder gives ${got} dimensions, collection ${collection.name} holds ${collection.size}: sync with --new-store to make a collection of the new size`,
    )
  const createdAt = Math.floor(Date.now() / 1000)
  const points = docs.flatMap(doc => pointsOf(doc, createdAt))
  const send = async (batch: Point[]): Promise<void> => {
    try {
      await client.upsert(collection.name, { points: batch, wait: true })
    } catch (error) {
      if (!isTooLarge(error) || batch.length === 1) throw error
      const half = Math.ceil(batch.length / 2)
      await send(batch.slice(0, half))
      await send(batch.slice(half))
    }
  }
  try {
    for (const batch of batches(points)) await send(batch)
  } catch (error) {
    const filter = { must: [{ key: FILE_KEY, match: { any: docs.map(d => d.fileId) } }] }
    await client.delete(collection.name, { filter, wait: true }).catch(() => {})
    throw error
  }
}

/** Points in requests of at most UPSERT_POINTS and about UPSERT_BYTES of JSON. */
function batches(points: Point[]): Point[][] {
  const out: Point[][] = []
  let current: Point[] = []
  let bytes = 0
  for (const point of points) {
    const size = JSON.stringify(point).length
    if (current.length > 0 && (current.length >= UPSERT_POINTS || bytes + size > UPSERT_BYTES)) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(point)
    bytes += size
  }
  if (current.length) out.push(current)
  return out
}

/** Consecutive documents whose points fill about one request (a larger document goes alone). */
export function groups<T extends { doc: ChunkedDocument }>(pending: T[]): T[][] {
  const out: T[][] = []
  let current: T[] = []
  let count = 0
  for (const p of pending) {
    if (current.length > 0 && count + p.doc.chunks.length > UPSERT_POINTS) {
      out.push(current)
      current = []
      count = 0
    }
    current.push(p)
    count += p.doc.chunks.length
  }
  if (current.length) out.push(current)
  return out
}
