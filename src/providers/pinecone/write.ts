import { UsageError } from '../../lib/errors'
import type { Embedder } from '../types'
import { sendAll } from '../shared/batches'
import type { ChunkedDocument } from '../shared/chunked'
import { pineconeError, type PineconeIndex } from './client'
import type { ResolvedPineconeOptions } from './options'
import { chunkMetadata, recordId } from './records'
import { deleteIds, upsertBatches, type PineconeRecord } from './upsert'

/** Upserts the documents' records; a document left half written by a failed request is removed whole. */
export async function writeRecords(
  namespace: PineconeIndex,
  docs: ChunkedDocument[],
  resolved: ResolvedPineconeOptions,
): Promise<void> {
  const createdAt = Math.floor(Date.now() / 1000)
  const records: PineconeRecord[] = docs.flatMap(doc =>
    doc.chunks.map((chunk, ord) => ({
      id: recordId(doc.fileId, ord),
      values: doc.vectors![ord]!,
      metadata: chunkMetadata(
        { fileId: doc.fileId, attributes: doc.attributes, bytes: doc.bytes, createdAt },
        ord,
        chunk.text,
      ),
    })),
  )
  try {
    await sendAll(
      upsertBatches(records),
      async batch => {
        await namespace.upsert({ records: batch })
      },
      sent =>
        deleteIds(
          namespace,
          sent.flat().map(r => r.id),
        ),
    )
  } catch (error) {
    throw pineconeError(error, resolved)
  }
}

/** Throws a UsageError naming the fix when the embedder's vectors are not the index's size. */
export function checkDimension(made: number, dimension: number, embed: Embedder, index: string | undefined): void {
  if (made !== dimension)
    throw new UsageError(
      `pinecone: index ${index} holds ${dimension}-dimensional vectors but the embedder (${embed.id ?? 'custom'}) makes ${made}: use an index of dimension ${made}, or an embedder of dimension ${dimension}`,
    )
}

/** About one upsert's worth of records, for vectors of `dimension`. */
export function recordsPerUpsert(dimension: number | undefined): number {
  return Math.max(1, Math.floor(1_000_000 / (8 * (dimension ?? 1536) + 2000)))
}
