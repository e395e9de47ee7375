/**
 * What every store of chunks (Chroma, LanceDB, Qdrant, Pinecone) does the same way around its own
 * client: the store it works on, chosen by createStore or initialize; cleanup as a disconnect; one
 * document uploaded as a batch of one; an update that stores the new version before the old one
 * goes, so search finds one or the other, never neither.
 */
import { UsageError } from '../../lib/errors'
import { settledId } from './chunked'
import type {
  FileMetadata,
  RemoteFile,
  SearchHit,
  SearchOptions,
  StoreStatus,
  UploadHooks,
  UploadItem,
  UploadResult,
  VectorStoreConfig,
  VectorStoreProvider,
} from '../types'

/** What a store of chunks offers besides what every provider has. */
export interface ChunkStoreProvider extends VectorStoreProvider {
  search(query: string, options?: SearchOptions): Promise<SearchHit[]>
  uploadFiles(items: UploadItem[], hooks?: UploadHooks): Promise<UploadResult[]>
  updateAttributes(fileId: string, metadata: FileMetadata): Promise<void>
  getFile(fileId: string): Promise<RemoteFile | undefined>
  storeStatus(): Promise<StoreStatus | undefined>
  fingerprint(): Record<string, unknown>
}

/** `Connection`: what the store's client needs opened once (a client, a session, a described index). */
export abstract class ChunkStore<Connection> {
  abstract readonly name: string
  protected currentStore: string | undefined
  protected readonly connection: Reconnecting<Connection>

  constructor(open: () => Promise<Connection>) {
    this.connection = new Reconnecting(open)
  }

  get storeId(): string | undefined {
    return this.currentStore
  }

  async initialize(config: VectorStoreConfig): Promise<void> {
    this.currentStore = config.storeId
  }

  abstract uploadFiles(items: UploadItem[], hooks?: UploadHooks): Promise<UploadResult[]>
  abstract deleteFile(fileId: string): Promise<void>

  async connect(): Promise<void> {
    await this.connection.get()
  }

  /** Forgets the connection: over HTTP nothing else is held open. */
  async disconnect(): Promise<void> {
    this.connection.drop()
  }

  cleanup(): Promise<void> {
    return this.disconnect()
  }

  async uploadFile(path: string, content: Buffer, metadata: FileMetadata): Promise<string> {
    return settledId(this.name, await this.uploadFiles([{ content, metadata: { ...metadata, path } }]))
  }

  async updateFile(fileId: string, content: Buffer, metadata: FileMetadata): Promise<string> {
    const id = settledId(this.name, await this.uploadFiles([{ content, metadata }]))
    await this.deleteFile(fileId)
    return id
  }

  async enrichMetadata(_path: string, _content: Buffer, metadata: FileMetadata): Promise<FileMetadata> {
    return metadata
  }

  /** The selected store's id, or a UsageError naming the fix. */
  protected selected(): string {
    if (!this.currentStore)
      throw new UsageError(`${this.name}: no store selected: call createStore() or initialize({ storeId })`)
    return this.currentStore
  }
}

/** A store of chunks has nothing in progress: what it holds is done. */
export function storedStatus(files: number): StoreStatus {
  return { files, completed: files, inProgress: 0, failed: 0, cancelled: 0 }
}

/**
 * A connection (client, session, described index) made on first use and kept; a failed attempt is
 * forgotten, so the next call tries again (the server may be back).
 */
export class Reconnecting<T> {
  private held: Promise<T> | undefined

  constructor(private readonly open: () => Promise<T>) {}

  get(): Promise<T> {
    if (!this.held) {
      const attempt = this.open()
      attempt.catch(() => {
        if (this.held === attempt) this.held = undefined
      })
      this.held = attempt
    }
    return this.held
  }

  /** Forgets the connection; returns the one held, for a caller that must close it. */
  drop(): Promise<T> | undefined {
    const held = this.held
    this.held = undefined
    return held
  }
}
