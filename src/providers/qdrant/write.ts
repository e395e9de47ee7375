import { UsageError } from '../../lib/errors'
import type { Embedder } from '../types'
import { packed, sendAll, vectorJsonBytes } from '../shared/batches'
import { embedChunks, type ChunkedDocument } from '../shared/chunked'
import { isTooLarge, type QdrantClient } from './client'
import { UPSERT_BYTES, UPSERT_POINTS } from './options'
import { FILE_KEY, pointsOf } from './points'

type Point = ReturnType<typeof pointsOf>[number]

/** A point's keys, id and brackets around its vector and payload. */
const POINT_KEYS_BYTES = 80

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
  const filter = { must: [{ key: FILE_KEY, match: { any: docs.map(d => d.fileId) } }] }
  await sendAll(
    packed(points, {
      count: UPSERT_POINTS,
      max: UPSERT_BYTES,
      weight: p => vectorJsonBytes(p.vector) + Buffer.byteLength(JSON.stringify(p.payload)) + POINT_KEYS_BYTES,
    }),
    send,
    () => client.delete(collection.name, { filter, wait: true }),
  )
}
