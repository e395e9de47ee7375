import { invalidType, invalidValue } from './errors'
import { paginate, VECTOR_STORE_LIST } from './pagination'
import type { Route } from './router'
import { newId, unixSeconds } from './state'
import {
  checkChunking,
  checkInteger,
  checkMetadata,
  isObject,
  onlyKnown,
  optionalString,
  stringArray,
} from './validate'
import { attach, attachable, countFiles, statusOf } from './vector-store-files'
import type { ExpiresAfter, VectorStoreObject, StoreRecord } from './records'
export type { ExpiresAfter, VectorStoreObject, StoreRecord } from './records'

export function renderStore(store: StoreRecord, now = Date.now()): VectorStoreObject {
  const records = [...store.files.values()]
  const counts = countFiles(records, now)
  const expiresAt = store.expiresAfter ? store.lastActiveAt + store.expiresAfter.days * 86_400 : null
  const status =
    expiresAt !== null && unixSeconds(now) >= expiresAt ? 'expired' : counts.in_progress ? 'in_progress' : 'completed'
  return {
    id: store.id,
    object: 'vector_store',
    created_at: store.createdAt,
    name: store.name,
    usage_bytes: records.reduce((sum, r) => sum + (statusOf(r, now) === 'completed' ? r.bytes : 0), 0),
    file_counts: counts,
    status,
    ...(store.expiresAfter ? { expires_after: store.expiresAfter } : {}),
    expires_at: expiresAt,
    last_active_at: store.lastActiveAt,
    metadata: store.metadata,
  }
}

/** `VectorStoreExpirationAfter`: anchor `last_active_at`, 1..365 days. */
function checkExpiresAfter(value: unknown): ExpiresAfter | undefined {
  if (value === undefined || value === null) return undefined
  if (!isObject(value)) throw invalidType('expires_after', 'an object', value)
  onlyKnown(value, ['anchor', 'days'], 'expires_after')
  if (value.anchor !== 'last_active_at') throw invalidValue('expires_after.anchor', `expected 'last_active_at'.`)
  return { anchor: 'last_active_at', days: checkInteger(value.days, 1, 365, 'expires_after.days') }
}

export const vectorStoreRoutes: Route[] = [
  {
    method: 'POST',
    path: '/vector_stores',
    async handle(ctx) {
      const body = await ctx.json()
      onlyKnown(body, ['file_ids', 'name', 'description', 'expires_after', 'chunking_strategy', 'metadata'])
      const name = optionalString(body, 'name') ?? ''
      optionalString(body, 'description')
      const metadata = checkMetadata(body.metadata) ?? {}
      const expiresAfter = checkExpiresAfter(body.expires_after)
      // CreateVectorStoreRequest: `file_ids` takes at most 500 IDs.
      const fileIds = body.file_ids === undefined ? [] : [...new Set(stringArray(body.file_ids, 'file_ids', 0, 500))]
      const chunking = checkChunking(body.chunking_strategy)
      const files = fileIds.map(id => attachable(ctx, id, 'file_ids'))
      if (files.length) ctx.limits?.attachFiles(files.length)
      const seq = ctx.state.nextSeq()
      const now = unixSeconds()
      const store: StoreRecord = {
        id: newId('vs_', 32),
        seq,
        createdAt: now,
        name,
        metadata,
        expiresAfter,
        lastActiveAt: now,
        files: new Map(),
        fileSeqs: new Map(),
      }
      ctx.state.stores.set(store.id, store)
      ctx.state.storeSeqs.set(store.id, seq)
      for (const file of files) attach(ctx, store, file, { attributes: null, chunking })
      return renderStore(store)
    },
  },
  {
    method: 'GET',
    path: '/vector_stores',
    handle: ctx =>
      paginate(
        ctx.state.stores.values(),
        ctx.query,
        id => ctx.state.storeSeqs.get(id),
        VECTOR_STORE_LIST,
        s => renderStore(s),
      ),
  },
  {
    method: 'GET',
    path: '/vector_stores/{vector_store_id}',
    handle: ctx => renderStore(ctx.state.store(ctx.params.vector_store_id!)),
  },
  {
    method: 'POST',
    path: '/vector_stores/{vector_store_id}',
    async handle(ctx) {
      const store = ctx.state.store(ctx.params.vector_store_id!)
      const body = await ctx.json()
      onlyKnown(body, ['name', 'expires_after', 'metadata'])
      // UpdateVectorStoreRequest: `name` and `expires_after` are nullable; null clears.
      const name = optionalString(body, 'name')
      const metadata = checkMetadata(body.metadata)
      const expiresAfter = checkExpiresAfter(body.expires_after)
      if ('name' in body) store.name = name ?? ''
      if (metadata) store.metadata = metadata
      if ('expires_after' in body) store.expiresAfter = expiresAfter
      return renderStore(store)
    },
  },
  {
    method: 'DELETE',
    path: '/vector_stores/{vector_store_id}',
    handle(ctx) {
      const store = ctx.state.store(ctx.params.vector_store_id!)
      ctx.state.stores.delete(store.id)
      for (const [id, batch] of ctx.state.batches) if (batch.storeId === store.id) ctx.state.batches.delete(id)
      return { id: store.id, object: 'vector_store.deleted', deleted: true }
    },
  },
]
