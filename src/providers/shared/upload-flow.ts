/**
 * One `uploadFiles` call in a store of chunks: each item checked and chunked (a refused one settles
 * at once with its reason), then the documents written group by group; a group that fails is
 * retried document by document, so one bad document does not fail its neighbours.
 */
import pLimit from 'p-limit'
import { errorMessage } from '../../lib/errors'
import type { UploadHooks, UploadItem, UploadResult } from '../types'
import type { ChunkedDocument } from './chunked'

export interface PendingDocument {
  /** The item's place in the call, where its result goes. */
  index: number
  doc: ChunkedDocument
}

export interface Upload {
  /** In the items' order; each filled as its item settles. */
  results: UploadResult[]
  /** The documents chunked and not yet settled. */
  pending: PendingDocument[]
  /** Records an item's result and tells the hooks. */
  settle(index: number, result: UploadResult): Promise<void>
}

/** Checks and chunks every item with `chunk`; an item it throws for settles with the error's message. */
export async function startUpload(
  items: UploadItem[],
  hooks: UploadHooks,
  chunk: (item: UploadItem) => ChunkedDocument,
): Promise<Upload> {
  const results: UploadResult[] = Array.from({ length: items.length })
  const settle = async (index: number, result: UploadResult) => {
    results[index] = result
    if (result.fileId) await hooks.onUploaded?.(result.path, result.fileId)
    await hooks.onSettled?.(result)
  }
  const pending: PendingDocument[] = []
  for (const [index, item] of items.entries()) {
    try {
      pending.push({ index, doc: chunk(item) })
    } catch (error) {
      await settle(index, { path: item.metadata.path, error: errorMessage(error) })
    }
  }
  return { results, pending, settle }
}

export interface GroupWriter {
  /** Writes the documents, leaving none of them half written when it throws. */
  write(docs: ChunkedDocument[]): Promise<void>
  /** The error that ends the whole upload (the store unreachable, a setting to fix); undefined: retry one by one. */
  fatal(error: unknown): unknown
  /** What a document that failed alone says; throws to end the whole upload. */
  failure(error: unknown): string
}

/** Writes the groups, four at a time, settling each document as stored or with its failure. */
export async function writeGroups(upload: Upload, groups: PendingDocument[][], writer: GroupWriter): Promise<void> {
  const limit = pLimit(4)
  await Promise.all(
    groups.map(group =>
      limit(async () => {
        try {
          await writer.write(group.map(p => p.doc))
          for (const { index, doc } of group) await upload.settle(index, { path: doc.path, fileId: doc.fileId })
        } catch (error) {
          const fatal = writer.fatal(error)
          if (fatal !== undefined) throw fatal
          for (const { index, doc } of group) {
            try {
              if (group.length > 1) await writer.write([doc])
              else throw error
              await upload.settle(index, { path: doc.path, fileId: doc.fileId })
            } catch (single) {
              await upload.settle(index, { path: doc.path, error: writer.failure(single) })
            }
          }
        }
      }),
    ),
  )
}
