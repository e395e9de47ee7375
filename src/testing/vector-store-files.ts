import { badRequest, missingParam, notFound } from './errors'
import { paginate, statusFilter, VECTOR_STORE_LIST } from './pagination'
import { Reply, type Context, type Route } from './router'
import { unixSeconds } from './state'
import { extensionOf, extractText, isSearchable } from './text'
import {
  type Attributes,
  checkAttributes,
  checkChunking,
  onlyKnown,
  requireString,
  type StaticChunking,
} from './validate'
import type {
  FileCounts,
  FileRecord,
  FileStatus,
  LastError,
  StoreRecord,
  VectorStoreFileObject,
  VsFileRecord,
} from './records'
export type { FileStatus, LastError, VectorStoreFileObject, FileCounts, VsFileRecord } from './records'

/**
 * Status is derived from the clock rather than flipped by timers: nothing to clean up on close,
 * and every read (retrieve, list, counts, search) agrees about the same instant.
 */
export function statusOf(record: VsFileRecord, now = Date.now()): FileStatus {
  if (record.cancelled) return 'cancelled'
  if (now < record.settleAt) return 'in_progress'
  return record.failure ? 'failed' : 'completed'
}

export function renderVsFile(record: VsFileRecord, now = Date.now()): VectorStoreFileObject {
  const status = statusOf(record, now)
  return {
    id: record.id,
    object: 'vector_store.file',
    usage_bytes: status === 'completed' ? record.bytes : 0,
    created_at: record.createdAt,
    vector_store_id: record.storeId,
    status,
    last_error: status === 'failed' ? record.failure! : null,
    chunking_strategy: { type: 'static', static: record.chunking },
    attributes: record.attributes,
  }
}

export function countFiles(records: Iterable<VsFileRecord>, now = Date.now()): FileCounts {
  const counts: FileCounts = { in_progress: 0, completed: 0, failed: 0, cancelled: 0, total: 0 }
  for (const record of records) {
    counts[statusOf(record, now)]++
    counts.total++
  }
  return counts
}

/** The checks made before anything is attached: the File exists (404) and file_search reads its type (400). */
export function attachable(ctx: Context, fileId: string, param = 'file_id'): FileRecord {
  const file = ctx.state.file(fileId, param)
  if (!isSearchable(file.object.filename)) {
    const ext = extensionOf(file.object.filename) || '(none)'
    throw badRequest(
      `Files with extensions [${ext}] are not supported for retrieval. See https://platform.openai.com/docs/assistants/tools/file-search#supported-files`,
      param,
      'unsupported_file',
    )
  }
  return file
}

/** `CreateVectorStoreFileRequest`, also the shape of each `files[]` entry of a batch. */
export const ATTACH_FIELDS = ['file_id', 'chunking_strategy', 'attributes'] as const

export interface AttachSpec {
  attributes: Attributes | null
  chunking: StaticChunking
  batchId?: string
}

/** Adds (or re-adds, replacing the previous attachment) a File to a store; processing starts now. */
export function attach(ctx: Context, store: StoreRecord, file: FileRecord, spec: AttachSpec): VsFileRecord {
  const now = Date.now()
  const hooked = { filename: file.object.filename, bytes: file.object.bytes, content: file.content }
  const { failFile, stuckFile } = ctx.faults.fileHooks
  const extracted = extractText(file.object.filename, file.content)
  const injected = failFile?.(hooked)
  const failure: LastError | undefined =
    'error' in extracted
      ? extracted.error
      : typeof injected === 'string'
        ? { code: 'server_error', message: injected }
        : injected
  const seq = ctx.state.nextSeq()
  const record: VsFileRecord = {
    id: file.id,
    seq,
    storeId: store.id,
    createdAt: unixSeconds(now),
    filename: file.object.filename,
    bytes: file.object.bytes,
    attributes: spec.attributes ?? {},
    chunking: spec.chunking,
    batchId: spec.batchId,
    settleAt: stuckFile?.(hooked) ? Infinity : now + ctx.settings.processingMs(),
    failure,
    cancelled: false,
    text: 'text' in extracted ? extracted.text : '',
  }
  store.files.set(file.id, record)
  store.fileSeqs.set(file.id, seq)
  store.lastActiveAt = unixSeconds(now)
  return record
}

export function vsFile(store: StoreRecord, fileId: string): VsFileRecord {
  const record = store.files.get(fileId)
  if (!record) throw notFound(`No file found with id '${fileId}' in vector store '${store.id}'.`, 'file_id')
  return record
}

/** List vector store files (of a store, or of one batch), with the spec's paging and `filter`. */
export function listVsFiles(ctx: Context, store: StoreRecord, batchId?: string) {
  const filter = statusFilter(ctx.query)
  const now = Date.now()
  const records = [...store.files.values()].filter(
    r => (batchId === undefined || r.batchId === batchId) && (!filter || statusOf(r, now) === filter),
  )
  return paginate(
    records,
    ctx.query,
    id => store.fileSeqs.get(id),
    VECTOR_STORE_LIST,
    r => renderVsFile(r, now),
  )
}

/**
 * Tells the SDK's `poll()` helpers when to look again, as the real API does while a file is in
 * progress. Without it (`pollHint: false`) the helpers fall back to waiting 5 s between reads.
 */
export function pollAfter(ctx: Context, settleAt: number, now = Date.now()): Record<string, string> {
  if (!ctx.settings.pollHint) return {}
  const wait = Number.isFinite(settleAt) ? settleAt - now : 1000
  return { 'openai-poll-after-ms': String(Math.min(1000, Math.max(1, Math.ceil(wait)))) }
}

export const vectorStoreFileRoutes: Route[] = [
  {
    method: 'POST',
    path: '/vector_stores/{vector_store_id}/files',
    limit: { kind: 'attach', key: ctx => ctx.params.vector_store_id! },
    async handle(ctx) {
      const store = ctx.state.store(ctx.params.vector_store_id!)
      const body = await ctx.json()
      onlyKnown(body, ATTACH_FIELDS)
      const fileId = requireString(body, 'file_id')
      const attributes = checkAttributes(body.attributes)
      const chunking = checkChunking(body.chunking_strategy)
      const file = attachable(ctx, fileId)
      ctx.limits?.attachFiles(1)
      return renderVsFile(attach(ctx, store, file, { attributes, chunking }))
    },
  },
  {
    method: 'GET',
    path: '/vector_stores/{vector_store_id}/files',
    handle: ctx => listVsFiles(ctx, ctx.state.store(ctx.params.vector_store_id!)),
  },
  {
    method: 'GET',
    path: '/vector_stores/{vector_store_id}/files/{file_id}',
    handle(ctx) {
      const record = vsFile(ctx.state.store(ctx.params.vector_store_id!), ctx.params.file_id!)
      const now = Date.now()
      const object = renderVsFile(record, now)
      return new Reply(object, 200, object.status === 'in_progress' ? pollAfter(ctx, record.settleAt, now) : {})
    },
  },
  {
    method: 'POST',
    path: '/vector_stores/{vector_store_id}/files/{file_id}',
    async handle(ctx) {
      const record = vsFile(ctx.state.store(ctx.params.vector_store_id!), ctx.params.file_id!)
      const body = await ctx.json()
      onlyKnown(body, ['attributes'])
      if (!('attributes' in body)) throw missingParam('attributes')
      record.attributes = checkAttributes(body.attributes) ?? {}
      return renderVsFile(record)
    },
  },
  {
    method: 'DELETE',
    path: '/vector_stores/{vector_store_id}/files/{file_id}',
    handle(ctx) {
      const store = ctx.state.store(ctx.params.vector_store_id!)
      const id = ctx.params.file_id!
      vsFile(store, id)
      // Only the attachment goes; the File object stays (and is billed) until DELETE /files/{id}.
      store.files.delete(id)
      return { id, object: 'vector_store.file.deleted', deleted: true }
    },
  },
  {
    method: 'GET',
    path: '/vector_stores/{vector_store_id}/files/{file_id}/content',
    handle(ctx) {
      const record = vsFile(ctx.state.store(ctx.params.vector_store_id!), ctx.params.file_id!)
      const data = statusOf(record) === 'completed' ? [{ type: 'text', text: record.text }] : []
      return { object: 'vector_store.file_content.page', data, has_more: false, next_page: null }
    },
  },
]
