import { badRequest, invalidType, missingParam } from './errors'
import { Reply, type Context, type Route } from './router'
import { newId, unixSeconds } from './state'
import { checkArray, checkAttributes, checkChunking, isObject, onlyKnown, requireString, stringArray } from './validate'
import type { AttachSpec } from './vector-store-files'
import { ATTACH_FIELDS, attach, attachable, countFiles, listVsFiles, pollAfter, statusOf } from './vector-store-files'
import type { BatchRecord, FileRecord, StoreRecord, VectorStoreFileBatchObject } from './records'
export type { VectorStoreFileBatchObject, BatchRecord } from './records'

/** createVectorStoreFileBatch: "The maximum number of files in a single batch request is 2000." */
export const MAX_BATCH_FILES = 2000

function batchFiles(store: StoreRecord, batch: BatchRecord) {
  return [...store.files.values()].filter(r => r.batchId === batch.id)
}

/**
 * In progress until every file settles; then `failed` only if every file failed, otherwise
 * `completed` with the failures in `file_counts` (the SDK's poll helper says to check those).
 */
export function renderBatch(store: StoreRecord, batch: BatchRecord, now = Date.now()): VectorStoreFileBatchObject {
  const counts = countFiles(batchFiles(store, batch), now)
  const status = batch.cancelled
    ? 'cancelled'
    : counts.in_progress
      ? 'in_progress'
      : counts.total && counts.failed === counts.total
        ? 'failed'
        : 'completed'
  return {
    id: batch.id,
    object: 'vector_store.files_batch',
    created_at: batch.createdAt,
    vector_store_id: store.id,
    status,
    file_counts: counts,
  }
}

/**
 * Either `file_ids` with batch-level `attributes`/`chunking_strategy`, or `files[]` whose entries
 * carry their own (the batch-level ones are then ignored, as the spec says); never both.
 */
function readEntries(ctx: Context, body: Record<string, unknown>): Array<{ file: FileRecord; spec: AttachSpec }> {
  onlyKnown(body, ['file_ids', 'files', 'chunking_strategy', 'attributes'])
  if (body.file_ids !== undefined && body.files !== undefined) {
    throw badRequest(`Only one of 'file_ids' or 'files' may be provided, not both.`, 'files', 'invalid_value')
  }
  const entries = new Map<string, { file: FileRecord; spec: AttachSpec }>()
  if (body.files !== undefined) {
    checkArray(body.files, 'files', 1, MAX_BATCH_FILES).forEach((entry, i) => {
      if (!isObject(entry)) throw invalidType(`files[${i}]`, 'an object', entry)
      onlyKnown(entry, ATTACH_FIELDS, `files[${i}]`)
      const id = requireString(entry, 'file_id', `files[${i}].file_id`)
      const attributes = checkAttributes(entry.attributes, `files[${i}].attributes`)
      const chunking = checkChunking(entry.chunking_strategy, `files[${i}].chunking_strategy`)
      entries.set(id, { file: attachable(ctx, id, 'files'), spec: { attributes, chunking } })
    })
    return [...entries.values()]
  }
  if (body.file_ids === undefined) throw missingParam('file_ids')
  const ids = stringArray(body.file_ids, 'file_ids', 1, MAX_BATCH_FILES)
  const attributes = checkAttributes(body.attributes)
  const chunking = checkChunking(body.chunking_strategy)
  for (const id of ids) entries.set(id, { file: attachable(ctx, id, 'file_ids'), spec: { attributes, chunking } })
  return [...entries.values()]
}

function storeAndBatch(ctx: Context) {
  const store = ctx.state.store(ctx.params.vector_store_id!)
  return { store, batch: ctx.state.batch(store.id, ctx.params.batch_id!) }
}

export const fileBatchRoutes: Route[] = [
  {
    method: 'POST',
    path: '/vector_stores/{vector_store_id}/file_batches',
    limit: { kind: 'attach', key: ctx => ctx.params.vector_store_id! },
    async handle(ctx) {
      const store = ctx.state.store(ctx.params.vector_store_id!)
      const entries = readEntries(ctx, await ctx.json())
      // All or nothing: a batch over the organization's attached-files budget attaches no file.
      ctx.limits?.attachFiles(entries.length)
      const batch: BatchRecord = {
        id: newId('vsfb_', 32),
        storeId: store.id,
        createdAt: unixSeconds(),
        cancelled: false,
      }
      ctx.state.batches.set(batch.id, batch)
      for (const { file, spec } of entries) attach(ctx, store, file, { ...spec, batchId: batch.id })
      return renderBatch(store, batch)
    },
  },
  {
    method: 'GET',
    path: '/vector_stores/{vector_store_id}/file_batches/{batch_id}',
    handle(ctx) {
      const { store, batch } = storeAndBatch(ctx)
      const now = Date.now()
      const object = renderBatch(store, batch, now)
      if (object.status !== 'in_progress') return object
      const settleAt = Math.max(
        ...batchFiles(store, batch)
          .filter(r => statusOf(r, now) === 'in_progress')
          .map(r => r.settleAt),
      )
      return new Reply(object, 200, pollAfter(ctx, settleAt, now))
    },
  },
  {
    method: 'POST',
    path: '/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel',
    handle(ctx) {
      const { store, batch } = storeAndBatch(ctx)
      const now = Date.now()
      // A batch that has already finished keeps its outcome: the answer is the batch as it ended.
      if (renderBatch(store, batch, now).status !== 'in_progress') return renderBatch(store, batch, now)
      batch.cancelled = true
      for (const record of batchFiles(store, batch)) {
        if (statusOf(record, now) === 'in_progress') record.cancelled = true
      }
      return renderBatch(store, batch, now)
    },
  },
  {
    method: 'GET',
    path: '/vector_stores/{vector_store_id}/file_batches/{batch_id}/files',
    handle(ctx) {
      const { store, batch } = storeAndBatch(ctx)
      return listVsFiles(ctx, store, batch.id)
    },
  },
]
