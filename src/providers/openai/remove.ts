import type { OpenAIContext } from './context'
import { again, ignoreNotFound } from './retry'

/** Detaches a document and deletes its File object (a detached File object stays, billed, forever). */
export async function removeDocument(ctx: OpenAIContext, fileId: string): Promise<void> {
  await again(() => ctx.client.vectorStores.files.delete(fileId, { vector_store_id: ctx.store() })).catch(
    ignoreNotFound,
  )
  await deleteFileObject(ctx, fileId)
}

export async function deleteFileObject(ctx: OpenAIContext, fileId: string): Promise<void> {
  await again(() => ctx.client.files.delete(fileId)).catch(ignoreNotFound)
}
