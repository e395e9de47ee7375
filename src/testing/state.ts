import { randomInt } from 'node:crypto'
import { notFound } from './errors'
import type { BatchRecord, FileRecord, StoreRecord, UploadRecord } from './records'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/**
 * Random, unordered IDs shaped like the real ones (`file-` + 22 base62 characters, `vs_`, `vsfb_`,
 * `upload_`, `part_`), so a client cannot get away with sorting by ID or guessing one.
 */
export function newId(prefix: string, length = 22): string {
  let id = prefix
  for (let i = 0; i < length; i++) id += ALPHABET[randomInt(ALPHABET.length)]
  return id
}

export function unixSeconds(ms = Date.now()): number {
  return Math.floor(ms / 1000)
}

/** Everything the server holds. Handlers change it; nothing else does. */
export class State {
  private sequence = 0
  readonly files = new Map<string, FileRecord>()
  /** Sequence numbers of every file ID ever issued, so list cursors survive deletions. */
  readonly fileSeqs = new Map<string, number>()
  readonly uploads = new Map<string, UploadRecord>()
  readonly stores = new Map<string, StoreRecord>()
  readonly storeSeqs = new Map<string, number>()
  readonly batches = new Map<string, BatchRecord>()

  /** Creation order: `created_at` has one-second resolution, far too coarse to order a list by. */
  nextSeq(): number {
    return ++this.sequence
  }

  file(id: string, param = 'file_id'): FileRecord {
    const file = this.files.get(id)
    if (!file) throw notFound(`No such File object: ${id}`, param)
    return file
  }

  store(id: string): StoreRecord {
    const store = this.stores.get(id)
    if (!store) throw notFound(`No vector store found with id '${id}'.`, 'vector_store_id')
    return store
  }

  batch(storeId: string, id: string): BatchRecord {
    const batch = this.batches.get(id)
    if (!batch || batch.storeId !== storeId)
      throw notFound(`No file batch found with id '${id}' in vector store '${storeId}'.`, 'batch_id')
    return batch
  }
}
