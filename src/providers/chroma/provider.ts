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
import { documentGroups } from '../shared/batches'
import { ChunkStore, type ChunkStoreProvider, storedStatus } from '../shared/chunk-store'
import { checkedAttributes, embedChunks, newFileId, prepareChunks } from '../shared/chunked'
import { noEmbedderHere } from '../shared/embedder-choice'
import { candidates, queryVector, ranked, searchLimit } from '../shared/search-hits'
import { startUpload, writeGroups } from '../shared/upload-flow'
import { suffixedName } from '../shared/store-names'
import { chromaError, NO_EMBEDDING, type Collection } from './client'
import { ChromaCollections, openSession, type ChromaSession } from './collections'
import {
  CHROMA_LIMITS,
  chromaFingerprint,
  resolveChromaOptions,
  type ChromaProviderOptions,
  type ResolvedChromaOptions,
} from './options'
import { FILE_KEY, ORD_KEY, recordId, replacedMetadata, reservedKeyProblem, toRemoteFile, whereFor } from './records'
import { isConnectionLost, writeRecords } from './write'

export type ChromaProvider = ChunkStoreProvider

/** Documents per listing request. */
const LIST_PAGE_SIZE = 200
/** Record ids per request when only ids are read (counts). */
const ID_PAGE_SIZE = 5000

export const NO_EMBEDDER = noEmbedderHere('chroma')

/**
 * A vector store in a Chroma collection (one collection a store, its name the store id). The
 * chunks are embedded here, by the configured embedder, and sent with their vectors: Chroma never
 * embeds. The client is imported and connected on first use; options are validated at once.
 */
export function createChromaProvider(options: ChromaProviderOptions = {}): ChromaProvider {
  return new ChromaStore(resolveChromaOptions(options))
}

class ChromaStore extends ChunkStore<ChromaSession> implements ChromaProvider {
  readonly name = 'chroma'
  readonly limits = CHROMA_LIMITS
  private readonly collections: ChromaCollections

  constructor(private readonly resolved: ResolvedChromaOptions) {
    super(() => openSession(resolved))
    this.collections = new ChromaCollections(resolved, this.connection)
  }

  async disconnect(): Promise<void> {
    await super.disconnect()
    this.collections.clear()
  }

  async verifyStore(): Promise<boolean> {
    if (!this.currentStore) return false
    return (await this.collections.find(this.currentStore)) !== undefined
  }

  async storeStatus(): Promise<StoreStatus | undefined> {
    if (!this.currentStore) return undefined
    const collection = await this.collections.find(this.currentStore)
    if (!collection) return undefined
    let files = 0
    for (let offset = 0; ; offset += ID_PAGE_SIZE) {
      const page = await this.call(() =>
        collection.get({ where: { [ORD_KEY]: 0 }, include: [], limit: ID_PAGE_SIZE, offset }),
      )
      files += page.ids.length
      if (page.ids.length < ID_PAGE_SIZE) break
    }
    return storedStatus(files)
  }

  async createStore(name: string): Promise<string> {
    const { client } = await this.connection.get()
    const collectionName = this.resolved.collection ?? suffixedName(name, randomBytes(3).toString('hex'))
    const create = this.resolved.collection
      ? client.getOrCreateCollection.bind(client)
      : client.createCollection.bind(client)
    const collection = await this.call(() =>
      create({
        name: collectionName,
        embeddingFunction: NO_EMBEDDING,
        // Cosine: a score of 1 - distance is then the similarity, as the other providers give it.
        configuration: { hnsw: { space: 'cosine' } },
        metadata: { created_by: 'vectornator', store_name: name.slice(0, 512) },
      }),
    )
    this.collections.add(collection)
    this.currentStore = collection.name
    return collection.name
  }

  async uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
    const collection = await this.collection()
    const { maxBatch } = await this.connection.get()
    const upload = await startUpload(items, hooks, item =>
      prepareChunks(item.metadata, item.content, this.resolved, newFileId('chf'), reservedKeyProblem),
    )
    const embed = this.resolved.embed
    if (!embed) throw new UsageError(NO_EMBEDDER)
    // All texts in full embedding requests; a failure there is retried document by document below.
    await embedChunks(
      embed,
      upload.pending.map(p => p.doc),
    ).catch(() => {})
    await writeGroups(upload, documentGroups(upload.pending, maxBatch), {
      write: docs => writeRecords(collection, embed, docs, maxBatch),
      fatal: error => (isConnectionLost(error) ? chromaError(error, this.resolved, collection.name) : undefined),
      failure: error => errorMessage(chromaError(error, this.resolved)),
    })
    return upload.results
  }

  async deleteFile(fileId: string): Promise<void> {
    const collection = await this.collection()
    await this.call(() => collection.delete({ where: { [FILE_KEY]: fileId } }), collection.name)
  }

  async listFiles(): Promise<RemoteFile[]> {
    const collection = await this.collection()
    const files: RemoteFile[] = []
    for (let offset = 0; ; offset += LIST_PAGE_SIZE) {
      const page = await this.call(
        () => collection.get({ where: { [ORD_KEY]: 0 }, include: ['metadatas'], limit: LIST_PAGE_SIZE, offset }),
        collection.name,
      )
      files.push(...page.metadatas.map(toRemoteFile))
      if (page.ids.length < LIST_PAGE_SIZE) return files
    }
  }

  async getFile(fileId: string): Promise<RemoteFile | undefined> {
    const collection = await this.collection()
    const page = await this.call(() => collection.get({ ids: [recordId(fileId, 0)], include: ['metadatas'] }))
    return page.ids.length ? toRemoteFile(page.metadatas[0]) : undefined
  }

  async updateAttributes(fileId: string, metadata: FileMetadata): Promise<void> {
    const collection = await this.collection()
    const attributes = checkedAttributes(metadata, reservedKeyProblem)
    const records = await this.call(
      () => collection.get({ where: { [FILE_KEY]: fileId }, include: ['metadatas'] }),
      collection.name,
    )
    if (records.ids.length === 0) throw new Error(`chroma: file ${fileId} is not in collection ${collection.name}`)
    // Only metadata changes: the chunks and their vectors stay, nothing is embedded again.
    const { maxBatch } = await this.connection.get()
    for (let i = 0; i < records.ids.length; i += maxBatch)
      await this.call(
        () =>
          collection.update({
            ids: records.ids.slice(i, i + maxBatch),
            metadatas: records.metadatas.slice(i, i + maxBatch).map(old => replacedMetadata(old, attributes)),
          }),
        collection.name,
      )
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const collection = await this.collection()
    const limit = searchLimit(options)
    const where = whereFor(options.filter)
    if (where === false || !query.trim()) return []
    const vector = await queryVector(this.resolved.embed, query, NO_EMBEDDER)
    const result = await this.call(
      () =>
        collection.query({
          queryEmbeddings: [vector],
          nResults: candidates(limit),
          ...(where ? { where } : {}),
          include: ['documents', 'metadatas', 'distances'],
        }),
      collection.name,
    )
    const [ids = [], texts = [], metadatas = [], distances = []] = [
      result.ids[0],
      result.documents[0],
      result.metadatas[0],
      result.distances?.[0],
    ]
    const hits = ids.map((_, i) => {
      const file = toRemoteFile(metadatas[i])
      const score = 1 - Number(distances[i] ?? 1)
      return { path: file.path ?? '', score, text: texts[i] ?? '', fileId: file.fileId, attributes: file.attributes }
    })
    return ranked(hits, limit)
  }

  fingerprint(): Record<string, unknown> {
    return chromaFingerprint(this.resolved)
  }

  private async collection(): Promise<Collection> {
    return this.collections.get(this.selected())
  }

  private call<T>(fn: () => Promise<T>, collection?: string): Promise<T> {
    return this.collections.call(fn, collection)
  }
}
