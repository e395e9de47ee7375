import type { Attributes, SearchHit, SearchOptions, StoreStatus, UploadItem } from '../types'
import { attachOne } from './attach'
import type { OpenAIContext } from './context'
import { toOpenAIFilter } from './filter'
import { removeDocument } from './remove'
import { isNotFound } from './retry'
import type { Uploader } from './upload'

/** Whether the store exists and is usable. The first call of a run: not retried beyond the SDK, so an unreachable API fails fast. */
export async function storeExists(ctx: OpenAIContext, storeId: string): Promise<boolean> {
  try {
    const vs = await ctx.client.vectorStores.retrieve(storeId)
    return vs.status !== 'expired'
  } catch (error) {
    if (isNotFound(error)) return false
    throw error
  }
}

/** The store's document counts from one retrieve; undefined when it is gone or expired. */
export async function storeStatus(ctx: OpenAIContext, storeId: string): Promise<StoreStatus | undefined> {
  try {
    const vs = await ctx.client.vectorStores.retrieve(storeId)
    if (vs.status === 'expired') return undefined
    const c = vs.file_counts
    return {
      files: c.total,
      completed: c.completed,
      inProgress: c.in_progress,
      failed: c.failed,
      cancelled: c.cancelled,
    }
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

/** One document uploaded and attached on its own; resolves once the store has it completed. */
export async function uploadOne(
  ctx: OpenAIContext,
  uploader: Uploader,
  content: Buffer,
  metadata: UploadItem['metadata'],
): Promise<string> {
  const fileId = await uploader.createFile({ content, metadata }, metadata)
  try {
    const file = await attachOne(ctx, fileId, metadata)
    if (file.status !== 'completed')
      throw new Error(`the store marked it ${file.status}${file.last_error ? `: ${file.last_error.message}` : ''}`)
    return fileId
  } catch (error) {
    // Never leave a File object behind for a document the store did not take.
    await removeDocument(ctx, fileId).catch(() => {})
    throw error
  }
}

/** Vector store search, with the attribute filter in the API's form (a filter nothing can match asks nothing). */
export async function searchStore(
  ctx: OpenAIContext,
  query: string,
  options: SearchOptions = {},
): Promise<SearchHit[]> {
  const filters = toOpenAIFilter(options.filter)
  if (filters === null) return []
  const page = await ctx.client.vectorStores.search(ctx.store(), {
    query,
    max_num_results: Math.min(50, options.limit ?? 10),
    ...(filters ? { filters } : {}),
  })
  return page.data.map(hit => {
    const attributes = (hit.attributes ?? {}) as Attributes
    return {
      path: typeof attributes.path === 'string' ? attributes.path : hit.filename,
      score: hit.score,
      text: hit.content.map(c => c.text).join('\n'),
      fileId: hit.file_id,
      attributes,
    }
  })
}
