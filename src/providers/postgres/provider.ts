import { UsageError } from '../../lib/errors'
import type { FileMetadata, RemoteFile, SearchHit, SearchOptions, UploadHooks, UploadItem, UploadResult, VectorStoreConfig, VectorStoreProvider } from '../types'
import { openPGlite, openServer, wrapPGlite, type Db } from './db'
import {
  checkAttributes, deleteDocuments, getDocument, listDocuments, newStoreId, POSTGRES_LIMITS,
  updateDocumentAttributes, withIdentity,
} from './documents'
import { embedTexts, toVectorLiteral } from './embed'
import { postgresFingerprint, resolvePostgresOptions, type PostgresProviderOptions } from './options'
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
  const resolved = resolvePostgresOptions(options)
  const { embed } = resolved
  let storeId: string | undefined
  let session: Promise<Session> | undefined
  // Kept after cleanup(), so a caller can still report why search was degraded.
  let last: Pick<Session, 'capabilities'> & { kind: Db['kind'] } | undefined

  async function open(): Promise<Session> {
    const db = resolved.pglite
      ? wrapPGlite(resolved.pglite, false)
      : resolved.connectionString
        ? await openServer(resolved.connectionString, resolved.maxConnections)
        : await openPGlite(resolved.dataDir)
    try {
      const { tables, capabilities } = await prepareSchema(db, resolved.schema, Boolean(embed))
      last = { capabilities, kind: db.kind }
      return { db, tables, capabilities, options: resolved, indexed: new Map() }
    }
    catch (error) {
      await db.close().catch(() => {})
      throw error
    }
  }

  function connected(): Promise<Session> {
    if (!session) {
      // A failed open is forgotten, so the next call tries again (the server may be back).
      const attempt: Promise<Session> = open().catch((error) => {
        if (session === attempt) session = undefined
        throw error
      })
      session = attempt
    }
    return session
  }

  async function withStore(): Promise<{ s: Session, store: string, tables: Tables }> {
    if (!storeId) throw new UsageError('postgres: no store selected: call createStore() or initialize({ storeId })')
    const s = await connected()
    return { s, store: storeId, tables: s.tables }
  }

  /** The embedded database's folder, when its counts are kept in a status file (see status.ts). */
  const statusDir = !resolved.pglite && !resolved.connectionString ? resolved.dataDir : undefined
  let changed = false
  /** Before the first change of a session: the status file would no longer describe the database. */
  async function changing<T extends { s: Session }>(opened: T): Promise<T> {
    if (statusDir && !changed) await forgetCachedStatus(statusDir)
    changed = true
    return opened
  }
  const withStoreToChange = async () => changing(await withStore())

  async function close(): Promise<void> {
    const pending = session
    session = undefined
    if (!pending) return
    const s = await pending.catch(() => undefined)
    if (s && statusDir && changed) await writeCachedStatus(s.db, s.tables, statusDir).catch(() => {})
    changed = false
    await s?.db.close()
  }

  const provider: PostgresProvider = {
    name: 'postgres',
    limits: POSTGRES_LIMITS,
    get storeId() { return storeId },
    get capabilities() { return last?.capabilities },
    get notice() { return last?.capabilities.notice },
    get backend() { return last?.kind },

    async initialize(config: VectorStoreConfig) {
      storeId = config.storeId
    },
    async connect() {
      await connected()
    },
    disconnect: close,
    cleanup: close,

    async verifyStore() {
      if (!storeId) return false
      const { db, tables } = await connected()
      return (await db.query(`SELECT 1 FROM ${tables.stores} WHERE id = $1`, [storeId])).length > 0
    },
    async storeStatus() {
      if (!storeId) return undefined
      if (statusDir) {
        const cached = readCachedStatus(statusDir, storeId)
        if (cached.known) return cached.status
      }
      const { db, tables } = await connected()
      return queryStatus(db, tables, storeId)
    },
    async createStore(name: string) {
      const { db, tables } = (await changing({ s: await connected() })).s
      const id = newStoreId()
      await db.query(`INSERT INTO ${tables.stores} (id, name) VALUES ($1, $2)`, [id, name])
      storeId = id
      return id
    },

    async uploadFile(path, content, metadata) {
      const { s, store } = await withStoreToChange()
      return settleOne(await uploadItems(s, store, [{ content, metadata: { ...metadata, path } }], {}))
    },
    async updateFile(fileId, content, metadata) {
      const { s, store } = await withStoreToChange()
      return settleOne(await uploadItems(s, store, [{ content, metadata, replaces: fileId }], {}))
    },
    async uploadFiles(items, hooks = {}) {
      const { s, store } = await withStoreToChange()
      return uploadItems(s, store, items, hooks)
    },
    async deleteFile(fileId) {
      const { s, store, tables } = await withStoreToChange()
      await deleteDocuments(s.db, tables, store, [fileId])
    },
    async listFiles() {
      const { s, store, tables } = await withStore()
      const files: RemoteFile[] = []
      for (let cursor = ''; ;) {
        const page = await listDocuments(s.db, tables, store, cursor, LIST_PAGE_SIZE)
        files.push(...page)
        if (page.length < LIST_PAGE_SIZE) return files
        cursor = page.at(-1)!.fileId
      }
    },
    async getFile(fileId) {
      const { s, store, tables } = await withStore()
      return getDocument(s.db, tables, store, fileId)
    },
    async updateAttributes(fileId, metadata) {
      const { s, store, tables } = await withStoreToChange()
      const attributes = withIdentity(metadata)
      const problem = checkAttributes(attributes)
      if (problem) throw new Error(problem)
      const path = typeof attributes.path === 'string' ? attributes.path : metadata.path
      if (!await updateDocumentAttributes(s.db, tables, store, fileId, path, metadata.sha256, attributes))
        throw new Error(`postgres: file ${fileId} is not in store ${store}`)
    },
    async enrichMetadata(_path, _content, metadata) {
      return metadata
    },

    async search(query, searchOptions = {}) {
      const { s, store, tables } = await withStore()
      const limit = Math.max(1, Math.floor(searchOptions.limit ?? 10))
      let vector: { literal: string, dimensions: number } | undefined
      if (embed && s.capabilities.vector) {
        const [embedding] = await embedTexts(embed, [query], 1)
        vector = { literal: toVectorLiteral(embedding!), dimensions: embedding!.length }
      }
      return searchChunks(s.db, tables, {
        storeId: store, text: query, language: resolved.language, limit, vector, pgvector: s.capabilities.pgvector, filter: searchOptions.filter,
      })
    },

    fingerprint: () => postgresFingerprint(resolved),
  }
  return provider
}

function settleOne(results: UploadResult[]): string {
  const [result] = results
  if (result?.fileId) return result.fileId
  throw new Error(result?.error ?? 'postgres: the document was not stored')
}
