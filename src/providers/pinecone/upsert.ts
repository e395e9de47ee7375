/**
 * Records sent in upserts within Pinecone's limits: at most 1000 records and 2 MB of JSON a
 * request, measured as the client will send them.
 */
import { packed } from '../shared/batches'
import type { PineconeIndex } from './client'
import type { PineconeMetadata } from './records'

export interface PineconeRecord {
  id: string
  values: number[]
  metadata: PineconeMetadata
}

export const MAX_UPSERT_RECORDS = 1000
/** 2 MB, less room for the request's own keys. */
export const MAX_UPSERT_BYTES = 2 * 1024 * 1024 - 4096
/** Ids per delete request (Pinecone's limit) and per fetch (kept short: they go in the URL). */
export const MAX_DELETE_IDS = 1000
export const FETCH_IDS = 100
/** Ids per list page: Pinecone's default and most. */
export const LIST_PAGE = 100

/** The records in consecutive requests within the limits (a record alone is always within them: its metadata is capped). */
export function upsertBatches(records: PineconeRecord[]): PineconeRecord[][] {
  return packed(records, {
    count: MAX_UPSERT_RECORDS,
    max: MAX_UPSERT_BYTES,
    weight: record => Buffer.byteLength(JSON.stringify(record)) + 1,
  })
}

/** Every id of the namespace starting with `prefix`, page by page. */
export async function listIds(index: PineconeIndex, prefix?: string): Promise<string[]> {
  const ids: string[] = []
  let paginationToken: string | undefined
  do {
    const page = await index.listPaginated({ ...(prefix ? { prefix } : {}), limit: LIST_PAGE, paginationToken })
    for (const v of page.vectors ?? []) if (v.id) ids.push(v.id)
    paginationToken = page.pagination?.next
  } while (paginationToken)
  return ids
}

export async function deleteIds(index: PineconeIndex, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += MAX_DELETE_IDS) await index.deleteMany({ ids: ids.slice(i, i + MAX_DELETE_IDS) })
}
