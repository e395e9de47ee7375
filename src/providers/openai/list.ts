import type { RemoteFile } from '../types'
import { type OpenAIContext, toRemote, type VSFile } from './context'
import { again, isNotFound } from './retry'

/** Every document in the store. A listing that fails part-way is started again (a cursor may name a file deleted since). */
export function listDocuments(ctx: OpenAIContext): Promise<RemoteFile[]> {
  return again(async () => {
    const files: RemoteFile[] = []
    for await (const file of ctx.client.vectorStores.files.list(ctx.store(), { limit: 100 })) files.push(toRemote(file))
    return files
  })
}

/** The files of one batch, as the store has them now. */
export function listBatchFiles(ctx: OpenAIContext, batchId: string): Promise<VSFile[]> {
  return again(async () => {
    const files: VSFile[] = []
    for await (const file of ctx.client.vectorStores.fileBatches.listFiles(batchId, {
      vector_store_id: ctx.store(),
      limit: 100,
    }))
      files.push(file)
    return files
  })
}

export async function getDocument(ctx: OpenAIContext, fileId: string): Promise<RemoteFile | undefined> {
  try {
    return toRemote(await again(() => ctx.client.vectorStores.files.retrieve(fileId, { vector_store_id: ctx.store() })))
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

/** File objects newest first; stops at `since` (seconds) so a sweep after a sync reads one page. */
export function listFileObjects(ctx: OpenAIContext, since = 0) {
  return again(async () => {
    const objects: { fileId: string; filename: string; createdAt: number; bytes: number }[] = []
    for await (const f of ctx.client.files.list({ purpose: 'assistants', order: 'desc', limit: 10_000 })) {
      if (f.created_at < since) break
      objects.push({ fileId: f.id, filename: f.filename, createdAt: f.created_at, bytes: f.bytes })
    }
    return objects
  })
}
