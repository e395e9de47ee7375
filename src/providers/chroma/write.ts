import type { Embedder } from '../types'
import { packed, sendAll } from '../shared/batches'
import { embedChunks, type ChunkedDocument } from '../shared/chunked'
import type { Collection } from './client'
import { chunkMetadata, documentInfo, FILE_KEY, recordId } from './records'

/**
 * Embeds the documents and adds their records in requests of at most `maxBatch`; a document split
 * over two requests is removed whole when the second fails.
 */
export async function writeRecords(
  collection: Collection,
  embed: Embedder,
  docs: ChunkedDocument[],
  maxBatch: number,
): Promise<void> {
  await embedChunks(embed, docs)
  const createdAt = Math.floor(Date.now() / 1000)
  const records = docs.flatMap(doc => {
    const info = documentInfo(doc, createdAt)
    return doc.chunks.map((chunk, ord) => ({
      id: recordId(doc.fileId, ord),
      text: chunk.text,
      vector: doc.vectors![ord]!,
      metadata: chunkMetadata(info, ord),
    }))
  })
  await sendAll(
    packed(records, { count: maxBatch }),
    batch =>
      collection.add({
        ids: batch.map(r => r.id),
        documents: batch.map(r => r.text),
        embeddings: batch.map(r => r.vector),
        metadatas: batch.map(r => r.metadata),
      }),
    () => collection.delete({ where: { [FILE_KEY]: { $in: docs.map(d => d.fileId) } } }),
  )
}

/** The server stopped answering: every later request would fail too. */
export function isConnectionLost(error: unknown): boolean {
  return (error as Error)?.name === 'ChromaConnectionError'
}
