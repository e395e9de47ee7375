import { randomBytes } from 'node:crypto'
import { errorMessage, UsageError } from '../../lib/errors'
import type {
  FileMetadata,
  RemoteFile,
  SearchHit,
  SearchOptions,
  StoreStatus,
  UploadHooks,
  UploadItem,
  UploadResult,
} from '../types'
import { ChunkStore, type ChunkStoreProvider, storedStatus } from '../shared/chunk-store'
import { checkedAttributes, embedChunks, newFileId, prepareChunks } from '../shared/chunked'
import { searchLimit } from '../shared/search-hits'
import { startUpload } from '../shared/upload-flow'
import { embedTexts } from '../postgres/embed'
import {
  LANCEDB_LIMITS,
  lancedbFingerprint,
  resolveLanceDBOptions,
  type LanceDBProviderOptions,
  type ResolvedLanceDBOptions,
} from './options'
import { searchTable } from './search'
import { readCachedStatus, recordCounts } from './status'
import { ModelLine } from '../embedders/choice'
import {
  createChunkTable,
  databaseMissing,
  DOCUMENT_COLUMNS,
  fitVectorColumn,
  literal,
  openDatabase,
  rowsOf,
  toRemoteFile,
  vectorDimensions,
  type Connection,
  type LanceDB,
  type Table,
} from './table'

export interface LanceDBProvider extends ChunkStoreProvider {
  /** Why search is full-text only (no embedder), in one line naming the fix; undefined when it is hybrid. */
  readonly notice: string | undefined
}

export const NO_EMBEDDER_NOTICE =
  'no embedder: search is full-text only (set OPENAI_API_KEY, or pass embed, for search by meaning too)'

/**
 * A vector store in an embedded LanceDB database (a folder, `.vectornator/lancedb` by default):
 * one table a store, chunks with their vectors and a full-text index. With no embedder it is a
 * full-text store, as the embedded PGlite is. Nothing is opened before first use.
 */
export function createLanceDBProvider(options: LanceDBProviderOptions = {}): LanceDBProvider {
  return lanceDBProviderFrom(resolveLanceDBOptions(options))
}

/** The provider over options already resolved (the registry resolves them once, with the others). */
export function lanceDBProviderFrom(resolved: ResolvedLanceDBOptions): LanceDBProvider {
  return new LanceDBStore(resolved)
}

type Session = { lancedb: LanceDB; db: Connection }

class LanceDBStore extends ChunkStore<Session> implements LanceDBProvider {
  readonly name = 'lancedb'
  readonly limits = LANCEDB_LIMITS
  private tables = new Map<string, Promise<Table>>()
  /** Writes to the store, one at a time: each ends by bringing the full-text index up to date. */
  private writing: Promise<unknown> = Promise.resolve()
  /** The tables written by this session, whose counts are recorded when it closes (see status.ts). */
  private changed = new Set<string>()
  /** Why search stays full-text although a local model was chosen, once known. */
  private readonly model: ModelLine

  constructor(private readonly resolved: ResolvedLanceDBOptions) {
    super(() => openDatabase(resolved.dir))
    this.model = new ModelLine(resolved.missingModel, resolved.logger)
  }

  get notice(): string | undefined {
    // A missing local model is said when a write tries to fetch it or a search runs, not sooner.
    if (this.resolved.missingModel) return this.model.line
    return this.resolved.embed ? undefined : NO_EMBEDDER_NOTICE
  }

  async disconnect(): Promise<void> {
    await this.writing.catch(() => {})
    await this.recordChanged().catch(() => {})
    const pending = this.connection.drop()
    this.tables.clear()
    const s = await pending?.catch(() => undefined)
    s?.db.close()
  }

  async verifyStore(): Promise<boolean> {
    if (!this.currentStore || databaseMissing(this.resolved.dir)) return false
    const { db } = await this.connection.get()
    return (await db.tableNames()).includes(this.currentStore)
  }

  async storeStatus(): Promise<StoreStatus | undefined> {
    if (!this.currentStore) return undefined
    const cached = readCachedStatus(this.resolved.dir, this.currentStore)
    if (cached.known) return cached.status
    if (!(await this.verifyStore())) return undefined
    const files = await (await this.table()).countRows('ord = 0')
    return storedStatus(files)
  }

  async createStore(_name: string): Promise<string> {
    const { db } = await this.connection.get()
    const id = `lds_${randomBytes(12).toString('hex')}`
    const embed = this.resolved.embed
    const dimensions = embed ? (embed.dimensions ?? (await embedTexts(embed, ['dimensions'], 1))[0]!.length) : undefined
    const table = await createChunkTable(db, id, dimensions)
    this.tables.set(id, Promise.resolve(table))
    this.changed.add(id)
    this.currentStore = id
    return id
  }

  async uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
    await this.model.beforeWrite()
    const table = await this.table()
    const dimensions = await vectorDimensions(table)
    const embed = this.resolved.embed
    let expected = dimensions ?? embed?.dimensions
    const upload = await startUpload(items, hooks, item =>
      prepareChunks(item.metadata, item.content, this.resolved, newFileId('ldf')),
    )
    const { pending, settle } = upload
    if (embed) {
      // All texts in full requests; when that fails, document by document, so one bad text fails only its document.
      await embedChunks(
        embed,
        pending.map(p => p.doc),
      ).catch(() => {})
      for (const p of [...pending]) {
        try {
          await embedChunks(embed, [p.doc])
          const length = p.doc.vectors![0]!.length
          expected ??= length
          if (length !== expected)
            throw new Error(
              `lancedb: the embedder gives ${length} dimensions, this store holds ${expected}: sync with --new-store`,
            )
        } catch (error) {
          pending.splice(pending.indexOf(p), 1)
          await settle(p.index, { path: p.doc.path, error: errorMessage(error) })
        }
      }
    }
    if (pending.length === 0) return upload.results
    const createdAt = Date.now() / 1000
    await this.write(table, async () => {
      // A store made before its embedder (or kept after it) takes rows with vectors (or without).
      await fitVectorColumn(table, embed ? expected : undefined)
      await table.add(pending.flatMap(p => rowsOf(p.doc, createdAt)) as unknown as Record<string, unknown>[])
      await this.index(table)
    })
    for (const { index, doc } of pending) await settle(index, { path: doc.path, fileId: doc.fileId })
    return upload.results
  }

  async deleteFile(fileId: string): Promise<void> {
    const table = await this.table()
    await this.write(table, () => table.delete(`file_id = ${literal(fileId)}`))
  }

  async listFiles(): Promise<RemoteFile[]> {
    const table = await this.table()
    const rows = await table.query().where('ord = 0').select(DOCUMENT_COLUMNS).toArray()
    return rows.map(toRemoteFile)
  }

  async getFile(fileId: string): Promise<RemoteFile | undefined> {
    const table = await this.table()
    const [row] = await table
      .query()
      .where(`file_id = ${literal(fileId)} AND ord = 0`)
      .select(DOCUMENT_COLUMNS)
      .toArray()
    return row ? toRemoteFile(row) : undefined
  }

  async updateAttributes(fileId: string, metadata: FileMetadata): Promise<void> {
    const table = await this.table()
    const attributes = checkedAttributes(metadata)
    const where = `file_id = ${literal(fileId)}`
    if ((await table.countRows(where)) === 0) throw new Error(`lancedb: file ${fileId} is not in store ${table.name}`)
    // Only these columns change: nothing is embedded again. LanceDB rewrites the rows, so the
    // full-text index takes them in again before this resolves.
    await this.write(table, async () => {
      await table.update({
        where,
        values: {
          path: typeof attributes.path === 'string' ? attributes.path : metadata.path,
          sha256: metadata.sha256,
          attributes: JSON.stringify(attributes),
        },
      })
      await this.index(table)
    })
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const table = await this.table()
    const limit = searchLimit(options)
    this.model.beforeSearch()
    const embed = this.resolved.embed
    const vector = embed && (await vectorDimensions(table)) ? (await embedTexts(embed, [query], 1))[0] : undefined
    return searchTable(table, { text: query, limit, vector, filter: options.filter })
  }

  fingerprint(): Record<string, unknown> {
    return lancedbFingerprint(this.resolved)
  }

  /** The full-text index, created on the first write and brought up to date after each (new rows are not in it until then). */
  private async index(table: Table): Promise<void> {
    const { lancedb } = await this.connection.get()
    const indices = await table.listIndices()
    if (!indices.some(i => i.columns.includes('text'))) await table.createIndex('text', { config: lancedb.Index.fts() })
    else await table.optimize()
  }

  private write<T>(table: Table, fn: () => Promise<T>): Promise<T> {
    this.changed.add(table.name)
    const run = this.writing.then(fn, fn)
    this.writing = run.catch(() => {})
    return run
  }

  /** Each table this session wrote: its version and counts, for the next sync's no-op check. */
  private async recordChanged(): Promise<void> {
    const changed = [...this.changed]
    this.changed.clear()
    for (const id of changed) {
      const table = await this.tables.get(id)?.catch(() => undefined)
      if (table) await recordCounts(this.resolved.dir, table)
    }
  }

  private async table(): Promise<Table> {
    const id = this.selected()
    let found = this.tables.get(id)
    if (!found) {
      found = (async () => {
        if (!(await this.verifyStore()))
          throw new Error(
            `lancedb: store ${id} does not exist in ${this.resolved.dir}: sync with --new-store to create one`,
          )
        return (await this.connection.get()).db.openTable(id)
      })()
      found.catch(() => this.tables.delete(id))
      this.tables.set(id, found)
    }
    return found
  }
}
