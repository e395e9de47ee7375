/**
 * The provider interface: what a vector store must offer for Vectornator to keep it in step.
 *
 * It is the seed architecture's interface with the changes the real APIs force:
 * - `updateFile` resolves to the id of the new file. OpenAI cannot replace a file's content in
 *   place: an update uploads a new File object, attaches it, then removes the old one, so the
 *   caller needs the new id to record it.
 * - `deleteFile` removes the document from the store *and* deletes the underlying file object
 *   (on OpenAI a detached File object stays in the account, billed, forever).
 * - Everything after `cleanup` is an optional capability; the engine uses it when present and
 *   falls back to the required calls otherwise.
 *
 * A provider knows nothing of git, bundlers or the sync state.
 */

/** A function from texts to vectors, for the postgres provider. */
export type Embedder = ((texts: string[]) => Promise<number[][]>) & { id?: string; dimensions?: number }

/** Attribute values as the OpenAI API accepts them (strings up to 512 chars, numbers, booleans). */
export type AttributeValue = string | number | boolean
export type Attributes = Record<string, AttributeValue>

export interface FileMetadata {
  /** Repo-relative POSIX path, e.g. `docs/guide/intro.md`. */
  path: string
  /** Lower-case hex SHA-256 of the content. */
  sha256: string
  size: number
  /** ISO 8601 modification time. Recorded, never used to decide a change. */
  lastModified: string
  /**
   * Every attribute stored with the document, `path` and `sha256` included
   * (plus `title`, `url` and user-chosen ones). Already within the provider's limits.
   */
  attributes: Attributes
}

export type RemoteFileStatus = 'in_progress' | 'completed' | 'failed' | 'cancelled'

export interface RemoteFile {
  fileId: string
  /** From the `path` attribute; undefined for a document this tool did not write. */
  path?: string
  /** From the `sha256` attribute. */
  sha256?: string
  attributes: Attributes
  status: RemoteFileStatus
  /** The store's reason when `status` is `failed`. */
  lastError?: string
  /** Seconds since the epoch. */
  createdAt?: number
  bytes?: number
}

/** What the store says it holds: one cheap request, so a sync can see a store changed behind its back. */
export interface StoreStatus {
  /** Documents in the store, whatever their status. */
  files: number
  completed: number
  inProgress: number
  failed: number
  cancelled: number
}

export interface VectorStoreConfig {
  /** Existing store to use; when absent, `createStore` is called and its id recorded. */
  storeId?: string
  /** Name for a store created on demand. */
  storeName?: string
}

export interface ProviderLimits {
  /** Largest file the store accepts, in bytes. */
  maxFileBytes: number
  maxAttributes: number
  maxAttributeKeyLength: number
  maxAttributeValueLength: number
  /** Largest number of files one `uploadFiles` call takes (1 when there is no batch API). */
  maxBatchFiles: number
  /** Most documents one store holds; a plan that would leave more is refused before any change. Default: no limit. */
  maxStoreFiles?: number
}

export interface UploadItem {
  /** The content; empty when `file` is set. */
  content: Buffer
  /**
   * Absolute path of a local file large enough to be streamed: given only to providers that set
   * `streamsFiles`, which read it from disk in parts and never hold it whole.
   */
  file?: string
  metadata: FileMetadata
}

export interface UploadResult {
  path: string
  /** Set when the document is stored and searchable. */
  fileId?: string
  /** The store's reason when it refused or failed the file. */
  error?: string
  /** The id of a File object created for it before it failed (to be cleaned up). */
  orphanFileId?: string
}

export interface UploadHooks {
  /** Called as soon as a file object exists, before it is attached: lets the caller journal it. */
  onUploaded?: (path: string, fileId: string) => void | Promise<void>
  /** Called for each file once it is settled (stored or failed). */
  onSettled?: (result: UploadResult) => void | Promise<void>
}

export interface SearchHit {
  path: string
  score: number
  text: string
  fileId?: string
  attributes?: Attributes
}

/**
 * Documents whose attributes equal each value (one of the values, for an array); every key must
 * match. `{ version: '2.x', locale: ['en', 'fr'] }`.
 */
export type AttributeFilter = Record<string, AttributeValue | AttributeValue[]>

export interface SearchOptions {
  limit?: number
  /** Only documents whose attributes match. */
  filter?: AttributeFilter
}

export interface VectorStoreProvider {
  /** Short name used in messages and state: `openai`, `postgres`, ... */
  readonly name: string
  readonly limits: ProviderLimits
  /** The store in use, once initialised or created. */
  readonly storeId: string | undefined
  /** True when `uploadFiles` reads `UploadItem.file` from disk itself (large files are then never read whole). */
  readonly streamsFiles?: boolean

  initialize(config: VectorStoreConfig): Promise<void>
  connect(): Promise<void>
  /** Closes connections to the store; the engine calls it, then cleanup(), when it is done. */
  disconnect(): Promise<void>

  /** True when the configured store exists and can be used. */
  verifyStore(): Promise<boolean>
  /** Creates a store and makes it the one in use; resolves to its id. */
  createStore(name: string): Promise<string>

  /** Stores a document; resolves once it is searchable, to its file id. */
  uploadFile(path: string, content: Buffer, metadata: FileMetadata): Promise<string>
  /** Stores the new version, then removes `fileId`; resolves to the new file id. */
  updateFile(fileId: string, content: Buffer, metadata: FileMetadata): Promise<string>
  /** Removes the document from the store and deletes its file object. Missing is not an error. */
  deleteFile(fileId: string): Promise<void>
  /** Every document in the store, with its attributes. */
  listFiles(): Promise<RemoteFile[]>

  /** Lets a provider add attributes of its own before upload. */
  enrichMetadata(path: string, content: Buffer, metadata: FileMetadata): Promise<FileMetadata>
  /** Releases whatever else the provider holds (embedded databases, temp files). Safe to call twice. */
  cleanup(): Promise<void>

  // ── optional capabilities ──────────────────────────────────────────────────────────────

  /** Stores many documents in as few round trips as the store allows. */
  uploadFiles?(items: UploadItem[], hooks?: UploadHooks): Promise<UploadResult[]>
  /** Replaces a stored document's attributes without re-uploading it (free renames). */
  updateAttributes?(fileId: string, metadata: FileMetadata): Promise<void>
  search?(query: string, options?: SearchOptions): Promise<SearchHit[]>
  /**
   * The configured store's document counts in one cheap call (OpenAI: the store's `file_counts`),
   * or undefined when the store does not exist. A sync that would change nothing compares them
   * with its state, so a store deleted, emptied or failed by hand is never reported in step.
   * Called after initialize() and possibly before connect(): it connects itself if it must.
   */
  storeStatus?(): Promise<StoreStatus | undefined>
  /** One remote file, or undefined when it does not exist. */
  getFile?(fileId: string): Promise<RemoteFile | undefined>
  /**
   * Everything that decides what the store keeps for a document (chunking, text conversion,
   * embedder). When it changes, every document must be re-indexed.
   */
  fingerprint?(): Record<string, unknown>
  /** Answers retried so far by this provider's requests, by cause (the sync's summary says them). */
  retries?(): { serverErrors: number; rateLimits: number; lostConnections: number }
  /**
   * For stores that keep file objects apart from documents (OpenAI): every file object in the
   * account created at or after `since` (seconds since the epoch), so one uploaded but never
   * attached (a killed run, a retried upload whose first answer was lost) can be found.
   */
  listFileObjects?(since?: number): Promise<{ fileId: string; filename: string; createdAt: number }[]>
  /** The name a file object for `path` is uploaded under (how its orphans are recognised). */
  fileObjectName?(path: string): string
  /** Deletes a bare file object (not attached). */
  deleteFileObject?(fileId: string): Promise<void>
}
