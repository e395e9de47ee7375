import { UsageError } from '../../lib/errors'
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
import { openPGlite, openServer, wrapPGlite, type Db } from './db'
import { createGate } from '../in-flight'
import {
  checkAttributes,
  deleteDocuments,
  getDocument,
  listDocuments,
  newStoreId,
  POSTGRES_LIMITS,
  updateDocumentAttributes,
  withIdentity,
} from './documents'
import { embedTexts, gatedEmbedder, toVectorLiteral } from './embed'
import { ModelLine } from '../embedders/choice'
import {
  postgresFingerprint,
  resolvePostgresOptions,
  type PostgresProviderOptions,
  type ResolvedPostgresOptions,
} from './options'
import { prepareSchema, type Capabilities, type Tables } from './schema'
import { searchChunks } from './search'
import { uploadItems, type Session } from './upload'
import { forgetCachedStatus, queryStatus, readCachedStatus, writeCachedStatus } from './status'

export interface PostgresProvider extends VectorStoreProvider {
  /** What search can do on this database; undefined until first connected. */
  readonly capabilities: Capabilities | undefined
  /** Why search is degraded (no embedder, no pgvector), in one line naming the fix; undefined when it is not, or before connecting. */
  readonly notice: string | undefined
  /** `pglite` or `server`; undefined until connected. */
  readonly backend: Db['kind'] | undefined
  search(query: string, options?: SearchOptions): Promise<SearchHit[]>
  uploadFiles(items: UploadItem[], hooks?: UploadHooks): Promise<UploadResult[]>
  updateAttributes(fileId: string, metadata: FileMetadata): Promise<void>
  getFile(fileId: string): Promise<RemoteFile | undefined>
  fingerprint(): Record<string, unknown>
}

const LIST_PAGE_SIZE = 500

/**
 * A vector store in PostgreSQL: embedded PGlite with pgvector by default, or a server through
 * `pg` when `connectionString` (or env `DATABASE_URL`) is set. The database is opened on first
 * use and closed by `cleanup()`; options are validated at once.
 */
export function createPostgresProvider(options: PostgresProviderOptions = {}): PostgresProvider {
  return postgresProviderFrom(resolvePostgresOptions(options))
}

/** The provider over options already resolved (the registry resolves them once, with the others). */
export function postgresProviderFrom(resolved: ResolvedPostgresOptions): PostgresProvider {
  // The one bound on embedding requests in flight, set here once for the provider's life.
  const embed = resolved.embed && gatedEmbedder(resolved.embed, createGate(resolved.concurrency))
  return new PostgresStore({ ...resolved, embed })
}

class PostgresStore implements PostgresProvider {
  readonly name = 'postgres'
  readonly limits = POSTGRES_LIMITS
  private currentStore: string | undefined
  private session: Promise<Session> | undefined
  // Kept after cleanup(), so a caller can still report why search was degraded.
  private last: (Pick<Session, 'capabilities'> & { kind: Db['kind'] }) | undefined
  /** The embedded database's folder, when its counts are kept in a status file (see status.ts). */
  private readonly statusDir: string | undefined
  private changed = false
  /** Why search stays full-text although a local model was chosen, once known. */
  private readonly model: ModelLine

  constructor(private readonly resolved: ResolvedPostgresOptions) {
    this.statusDir = !resolved.pglite && !resolved.connectionString ? resolved.dataDir : undefined
    this.model = new ModelLine(resolved.missingModel, resolved.logger)
  }

  get storeId(): string | undefined {
    return this.currentStore
  }
  get capabilities(): Capabilities | undefined {
    return this.last?.capabilities
  }
  get notice(): string | undefined {
    // A missing local model is said when a write tries to fetch it or a search runs, not sooner:
    // the line "no embedder configured" would be wrong, and one said twice is noise.
    if (this.resolved.missingModel) return this.model.line
    return this.last?.capabilities.notice
  }
  get backend(): Db['kind'] | undefined {
    return this.last?.kind
  }

  async initialize(config: VectorStoreConfig): Promise<void> {
    this.currentStore = config.storeId
  }

  async connect(): Promise<void> {
    await this.connected()
  }

  disconnect(): Promise<void> {
    return this.close()
  }
  cleanup(): Promise<void> {
    return this.close()
  }

  async verifyStore(): Promise<boolean> {
    if (!this.currentStore) return false
    const { db, tables } = await this.connected()
    return (await db.query(`SELECT 1 FROM ${tables.stores} WHERE id = $1`, [this.currentStore])).length > 0
  }

  async storeStatus(): Promise<StoreStatus | undefined> {
    if (!this.currentStore) return undefined
    if (this.statusDir) {
      const cached = readCachedStatus(this.statusDir, this.currentStore)
      if (cached.known) return cached.status
    }
    const { db, tables } = await this.connected()
    return queryStatus(db, tables, this.currentStore)
  }

  async createStore(name: string): Promise<string> {
    const { db, tables } = (await this.changing({ s: await this.connected() })).s
    const id = newStoreId()
    await db.query(`INSERT INTO ${tables.stores} (id, name) VALUES ($1, $2)`, [id, name])
    this.currentStore = id
    return id
  }

  async uploadFile(path: string, content: Buffer, metadata: FileMetadata): Promise<string> {
    await this.model.beforeWrite()
    const { s, store } = await this.withStoreToChange()
    return settleOne(await uploadItems(s, store, [{ content, metadata: { ...metadata, path } }], {}))
  }

  async updateFile(fileId: string, content: Buffer, metadata: FileMetadata): Promise<string> {
    await this.model.beforeWrite()
    const { s, store } = await this.withStoreToChange()
    return settleOne(await uploadItems(s, store, [{ content, metadata, replaces: fileId }], {}))
  }

  async uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
    await this.model.beforeWrite()
    const { s, store } = await this.withStoreToChange()
    return uploadItems(s, store, items, hooks)
  }

  async deleteFile(fileId: string): Promise<void> {
    const { s, store, tables } = await this.withStoreToChange()
    await deleteDocuments(s.db, tables, store, [fileId])
  }

  async listFiles(): Promise<RemoteFile[]> {
    const { s, store, tables } = await this.withStore()
    const files: RemoteFile[] = []
    for (let cursor = ''; ;) {
      const page = await listDocuments(s.db, tables, store, cursor, LIST_PAGE_SIZE)
      files.push(...page)
      if (page.length < LIST_PAGE_SIZE) return files
      cursor = page.at(-1)!.fileId
    }
  }

  async getFile(fileId: string): Promise<RemoteFile | undefined> {
    const { s, store, tables } = await this.withStore()
    return getDocument(s.db, tables, store, fileId)
  }

  async updateAttributes(fileId: string, metadata: FileMetadata): Promise<void> {
    const { s, store, tables } = await this.withStoreToChange()
    const attributes = withIdentity(metadata)
    const problem = checkAttributes(attributes)
    if (problem) throw new Error(problem)
    const path = typeof attributes.path === 'string' ? attributes.path : metadata.path
    if (!(await updateDocumentAttributes(s.db, tables, store, fileId, path, metadata.sha256, attributes)))
      throw new Error(`postgres: file ${fileId} is not in store ${store}`)
  }

  async enrichMetadata(_path: string, _content: Buffer, metadata: FileMetadata): Promise<FileMetadata> {
    return metadata
  }

  async search(query: string, searchOptions: SearchOptions = {}): Promise<SearchHit[]> {
    const { s, store, tables } = await this.withStore()
    const { embed, language } = this.resolved
    const limit = Math.max(1, Math.floor(searchOptions.limit ?? 10))
    this.model.beforeSearch()
    let vector: { literal: string; dimensions: number } | undefined
    if (embed && s.capabilities.vector) {
      const [embedding] = await embedTexts(embed, [query], 1)
      vector = { literal: toVectorLiteral(embedding!), dimensions: embedding!.length }
    }
    return searchChunks(s.db, tables, {
      storeId: store,
      text: query,
      language,
      limit,
      vector,
      pgvector: s.capabilities.pgvector,
      filter: searchOptions.filter,
    })
  }

  fingerprint(): Record<string, unknown> {
    return postgresFingerprint(this.resolved)
  }

  private async open(): Promise<Session> {
    const { resolved } = this
    const db = resolved.pglite
      ? wrapPGlite(resolved.pglite, false)
      : resolved.connectionString
        ? await openServer(resolved.connectionString, resolved.maxConnections)
        : await openPGlite(resolved.dataDir)
    try {
      const { tables, capabilities } = await prepareSchema(db, resolved.schema, Boolean(resolved.embed))
      this.last = { capabilities, kind: db.kind }
      return { db, tables, capabilities, options: resolved, indexed: new Map() }
    } catch (error) {
      await db.close().catch(() => {})
      throw error
    }
  }

  private connected(): Promise<Session> {
    if (!this.session) {
      // A failed open is forgotten, so the next call tries again (the server may be back).
      const attempt: Promise<Session> = this.open().catch(error => {
        if (this.session === attempt) this.session = undefined
        throw error
      })
      this.session = attempt
    }
    return this.session
  }

  private async withStore(): Promise<{ s: Session; store: string; tables: Tables }> {
    if (!this.currentStore)
      throw new UsageError('postgres: no store selected: call createStore() or initialize({ storeId })')
    const s = await this.connected()
    return { s, store: this.currentStore, tables: s.tables }
  }

  /** Before the first change of a session: the status file would no longer describe the database. */
  private async changing<T extends { s: Session }>(opened: T): Promise<T> {
    if (this.statusDir && !this.changed) await forgetCachedStatus(this.statusDir)
    this.changed = true
    return opened
  }

  private async withStoreToChange(): Promise<{ s: Session; store: string; tables: Tables }> {
    return this.changing(await this.withStore())
  }

  private async close(): Promise<void> {
    const pending = this.session
    this.session = undefined
    if (!pending) return
    const s = await pending.catch(() => undefined)
    if (s && this.statusDir && this.changed) await writeCachedStatus(s.db, s.tables, this.statusDir).catch(() => {})
    this.changed = false
    await s?.db.close()
  }
}

function settleOne(results: UploadResult[]): string {
  const [result] = results
  if (result?.fileId) return result.fileId
  throw new Error(result?.error ?? 'postgres: the document was not stored')
}
