/**
 * The shapes the test server keeps and renders: the API's objects and the records behind them.
 * In one file that imports only validation types, so the route modules and the state can all
 * use them without importing each other.
 */
import type { Attributes, StaticChunking } from './validate'

/** `OpenAIFile` in the spec. */
export interface FileObject {
  id: string
  object: 'file'
  bytes: number
  created_at: number
  filename: string
  purpose: string
  /** Deprecated in the spec but still required and sent: always `processed` once uploaded. */
  status: 'processed'
  expires_at?: number
}

export interface FileRecord {
  id: string
  seq: number
  object: FileObject
  content: Buffer
}

/** `Upload` in the spec. */
export interface UploadObject {
  id: string
  object: 'upload'
  bytes: number
  created_at: number
  filename: string
  purpose: string
  status: 'pending' | 'completed' | 'cancelled' | 'expired'
  expires_at: number
  file: FileObject | null
}

export interface UploadRecord {
  object: UploadObject
  mimeType: string
  parts: Map<string, Buffer>
  /** `expires_after.seconds`: the File made on completion expires that long after it is created. */
  expiresAfterSeconds?: number
}

export interface ExpiresAfter {
  anchor: 'last_active_at'
  days: number
}

/** `VectorStoreObject` in the spec. */
export interface VectorStoreObject {
  id: string
  object: 'vector_store'
  created_at: number
  name: string
  usage_bytes: number
  file_counts: FileCounts
  status: 'expired' | 'in_progress' | 'completed'
  expires_after?: ExpiresAfter
  expires_at: number | null
  last_active_at: number | null
  metadata: Record<string, string>
}

export interface StoreRecord {
  id: string
  seq: number
  createdAt: number
  name: string
  metadata: Record<string, string>
  expiresAfter?: ExpiresAfter
  lastActiveAt: number
  files: Map<string, VsFileRecord>
  /** The latest sequence number of every file ever attached, so list cursors survive removals. */
  fileSeqs: Map<string, number>
}

export type FileStatus = 'in_progress' | 'completed' | 'failed' | 'cancelled'

export interface LastError {
  code: 'server_error' | 'unsupported_file' | 'invalid_file'
  message: string
}

/** `VectorStoreFileObject` in the spec. */
export interface VectorStoreFileObject {
  id: string
  object: 'vector_store.file'
  usage_bytes: number
  created_at: number
  vector_store_id: string
  status: FileStatus
  last_error: LastError | null
  chunking_strategy: { type: 'static'; static: StaticChunking }
  attributes: Attributes
}

export interface FileCounts {
  in_progress: number
  completed: number
  failed: number
  cancelled: number
  total: number
}

export interface VsFileRecord {
  id: string
  seq: number
  storeId: string
  createdAt: number
  filename: string
  bytes: number
  attributes: Attributes
  chunking: StaticChunking
  batchId?: string
  /** When processing ends (epoch ms); `Infinity` for a file stuck on purpose. */
  settleAt: number
  failure?: LastError
  cancelled: boolean
  text: string
  /** Built on first search. */
  chunks?: IndexedChunk[]
}

export interface IndexedChunk {
  text: string
  terms: Map<string, number>
  length: number
}

/** `VectorStoreFileBatchObject` in the spec (note the object name: `vector_store.files_batch`). */
export interface VectorStoreFileBatchObject {
  id: string
  object: 'vector_store.files_batch'
  created_at: number
  vector_store_id: string
  status: 'in_progress' | 'completed' | 'cancelled' | 'failed'
  file_counts: FileCounts
}

export interface BatchRecord {
  id: string
  storeId: string
  createdAt: number
  cancelled: boolean
}
