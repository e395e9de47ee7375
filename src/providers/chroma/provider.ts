import { randomBytes } from 'node:crypto'
import pLimit from 'p-limit'
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
  VectorStoreConfig,
  VectorStoreProvider,
} from '../types'
import { embedChunks, newFileId, prepareChunks, settledId, type ChunkedDocument } from '../shared/chunked'
import { embedTexts } from '../postgres/embed'
import { withIdentity, checkAttributes } from '../postgres/documents'
import { chromaError, isNotFound, NO_EMBEDDING, openClient, type ChromaClient, type Collection } from './client'
import {
  CHROMA_LIMITS,
  chromaFingerprint,
  collectionName,
  resolveChromaOptions,
  type ChromaProviderOptions,
  type ResolvedChromaOptions,
} from './options'
import {
  chunkMetadata,
  documentInfo,
  FILE_KEY,
  ORD_KEY,
  recordId,
  replacedMetadata,
  reservedKeyProblem,
  toRemoteFile,
  whereFor,
} from './records'

export interface ChromaProvider extends VectorStoreProvider {
  search(query: string, options?: SearchOptions): Promise<SearchHit[]>
  uploadFiles(items: UploadItem[], hooks?: UploadHooks): Promise<UploadResult[]>
  updateAttributes(fileId: string, metadata: FileMetadata): Promise<void>
  getFile(fileId: string): Promise<RemoteFile | undefined>
  storeStatus(): Promise<StoreStatus | undefined>
  fingerprint(): Record<string, unknown>
}

/** Documents per listing request. */
const LIST_PAGE_SIZE = 200
/** Record ids per request when only ids are read (counts). */
const ID_PAGE_SIZE = 5000

/**
 * A vector store in a Chroma collection (one collection a store, its name the store id). The
 * chunks are embedded here, by the configured embedder, and sent with their vectors: Chroma never
 * embeds. The client is imported and connected on first use; options are validated at once.
 */
export function createChromaProvider(options: ChromaProviderOptions = {}): ChromaProvider {
  return new ChromaStore(resolveChromaOptions(options))
}

class ChromaStore implements ChromaProvider {
  readonly name = 'chroma'
  readonly limits = CHROMA_LIMITS
  private currentStore: string | undefined
  private client: Promise<{ client: ChromaClient; maxBatch: number }> | undefined
  private collections = new Map<string, Promise<Collection>>()

  constructor(private readonly resolved: ResolvedChromaOptions) {}

  get storeId(): string | undefined {
    return this.currentStore
  }

  async initialize(config: VectorStoreConfig): Promise<void> {
    this.currentStore = config.storeId
  }

  async connect(): Promise<void> {
    await this.connected()
  }

  async disconnect(): Promise<void> {
    // HTTP only: nothing held open but the client object.
    this.client = undefined
    this.collections.clear()
  }

  cleanup(): Promise<void> {
    return this.disconnect()
  }

  async verifyStore(): Promise<boolean> {
    if (!this.currentStore) return false
    return (await this.findCollection(this.currentStore)) !== undefined
  }

  async storeStatus(): Promise<StoreStatus | undefined> {
    if (!this.currentStore) return undefined
    const collection = await this.findCollection(this.currentStore)
    if (!collection) return undefined
    let files = 0
    for (let offset = 0; ; offset += ID_PAGE_SIZE) {
      const page = await this.call(() =>
        collection.get({ where: { [ORD_KEY]: 0 }, include: [], limit: ID_PAGE_SIZE, offset }),
      )
      files += page.ids.length
      if (page.ids.length < ID_PAGE_SIZE) break
    }
    return { files, completed: files, inProgress: 0, failed: 0, cancelled: 0 }
  }

  async createStore(name: string): Promise<string> {
    const { client } = await this.connected()
    const collectionName_ = this.resolved.collection ?? collectionName(name, randomBytes(3).toString('hex'))
    const create = this.resolved.collection
      ? client.getOrCreateCollection.bind(client)
      : client.createCollection.bind(client)
    const collection = await this.call(() =>
      create({
        name: collectionName_,
        embeddingFunction: NO_EMBEDDING,
        // Cosine: a score of 1 - distance is then the similarity, as the other providers give it.
        configuration: { hnsw: { space: 'cosine' } },
        metadata: { created_by: 'vectornator', store_name: name.slice(0, 512) },
      }),
    )
    this.collections.set(collection.name, Promise.resolve(collection))
    this.currentStore = collection.name
    return collection.name
  }

  async uploadFile(path: string, content: Buffer, metadata: FileMetadata): Promise<string> {
    return settledId('chroma', await this.uploadFiles([{ content, metadata: { ...metadata, path } }]))
  }

  async updateFile(fileId: string, content: Buffer, metadata: FileMetadata): Promise<string> {
    // The new version is stored before the old one goes: search finds one or the other, never neither.
    const id = settledId('chroma', await this.uploadFiles([{ content, metadata }]))
    await this.deleteFile(fileId)
    return id
  }

  async uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
    const collection = await this.collection()
    const { maxBatch } = await this.connected()
    const results: UploadResult[] = Array.from({ length: items.length })
    const settle = async (index: number, result: UploadResult) => {
      results[index] = result
      if (result.fileId) await hooks.onUploaded?.(result.path, result.fileId)
      await hooks.onSettled?.(result)
    }
    const pending: { index: number; doc: ChunkedDocument }[] = []
    for (const [index, item] of items.entries()) {
      try {
        const doc = prepareChunks(item.metadata, item.content, this.resolved, newFileId('chf'), reservedKeyProblem)
        pending.push({ index, doc })
      } catch (error) {
        await settle(index, { path: item.metadata.path, error: errorMessage(error) })
      }
    }
    const embed = this.resolved.embed
    if (!embed) throw new UsageError(NO_EMBEDDER)
    // All texts in full embedding requests; a failure there is retried document by document below.
    await embedChunks(
      embed,
      pending.map(p => p.doc),
    ).catch(() => {})

    const limit = pLimit(4)
    await Promise.all(
      groups(pending, maxBatch).map(group =>
        limit(async () => {
          try {
            await this.write(
              collection,
              group.map(p => p.doc),
              maxBatch,
            )
            for (const { index, doc } of group) await settle(index, { path: doc.path, fileId: doc.fileId })
          } catch (error) {
            if (isConnectionLost(error)) throw chromaError(error, this.resolved, collection.name)
            // One bad document must not fail its neighbours: retry them one by one.
            for (const { index, doc } of group) {
              try {
                if (group.length > 1) await this.write(collection, [doc], maxBatch)
                else throw error
                await settle(index, { path: doc.path, fileId: doc.fileId })
              } catch (single) {
                await settle(index, { path: doc.path, error: errorMessage(chromaError(single, this.resolved)) })
              }
            }
          }
        }),
      ),
    )
    return results
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
    const attributes = withIdentity(metadata)
    const problem = checkAttributes(attributes) ?? reservedKeyProblem(attributes)
    if (problem) throw new Error(problem)
    const records = await this.call(
      () => collection.get({ where: { [FILE_KEY]: fileId }, include: ['metadatas'] }),
      collection.name,
    )
    if (records.ids.length === 0) throw new Error(`chroma: file ${fileId} is not in collection ${collection.name}`)
    // Only metadata changes: the chunks and their vectors stay, nothing is embedded again.
    const { maxBatch } = await this.connected()
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

  async enrichMetadata(_path: string, _content: Buffer, metadata: FileMetadata): Promise<FileMetadata> {
    return metadata
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const collection = await this.collection()
    const limit = Math.max(1, Math.floor(options.limit ?? 10))
    const where = whereFor(options.filter)
    if (where === false || !query.trim()) return []
    const embed = this.resolved.embed
    if (!embed) throw new UsageError(NO_EMBEDDER)
    const [vector] = await embedTexts(embed, [query], 1)
    // Several chunks of one document compete for its one slot: look wider than the limit.
    const result = await this.call(
      () =>
        collection.query({
          queryEmbeddings: [vector!],
          nResults: Math.min(1000, Math.max(50, limit * 10)),
          ...(where ? { where } : {}),
          include: ['documents', 'metadatas', 'distances'],
        }),
      collection.name,
    )
    const best = new Map<string, SearchHit>()
    const [ids = [], texts = [], metadatas = [], distances = []] = [
      result.ids[0],
      result.documents[0],
      result.metadatas[0],
      result.distances?.[0],
    ]
    for (const [i] of ids.entries()) {
      const file = toRemoteFile(metadatas[i])
      const score = 1 - Number(distances[i] ?? 1)
      if (best.has(file.fileId) || !(score > 0)) continue
      best.set(file.fileId, {
        path: file.path ?? '',
        score,
        text: texts[i] ?? '',
        fileId: file.fileId,
        attributes: file.attributes,
      })
    }
    return [...best.values()].sort((a, b) => b.score - a.score || a.path.localeCompare(b.path)).slice(0, limit)
  }

  fingerprint(): Record<string, unknown> {
    return chromaFingerprint(this.resolved)
  }

  /** Adds the documents' records in requests of at most `maxBatch`; a document split over two is removed whole when the second fails. */
  private async write(collection: Collection, docs: ChunkedDocument[], maxBatch: number): Promise<void> {
    const embed = this.resolved.embed!
    await embedChunks(embed, docs)
    const createdAt = Math.floor(Date.now() / 1000)
    const records = docs.flatMap(doc => {
      const info = documentInfo(doc, createdAt)
      return doc.chunks.map((chunk, ord) => ({
        id: recordId(doc.fileId, ord),
        text: chunk.text,
        vector: doc.vectors![ord]!,
        metadata: chunkMetadata(info, ord),
      }))
    })
    try {
      for (let i = 0; i < records.length; i += maxBatch) {
        const batch = records.slice(i, i + maxBatch)
        await collection.add({
          ids: batch.map(r => r.id),
          documents: batch.map(r => r.text),
          embeddings: batch.map(r => r.vector),
          metadatas: batch.map(r => r.metadata),
        })
      }
    } catch (error) {
      await collection.delete({ where: { [FILE_KEY]: { $in: docs.map(d => d.fileId) } } }).catch(() => {})
      throw error
    }
  }

  private connected(): Promise<{ client: ChromaClient; maxBatch: number }> {
    if (!this.client) {
      const attempt = (async () => {
        const client = await openClient(this.resolved)
        // The server says how many records one request may carry.
        const maxBatch = await this.call(() => client.getMaxBatchSize())
        return { client, maxBatch: Math.max(1, maxBatch) }
      })()
      // A failed connection is forgotten, so the next call tries again (the server may be back).
      attempt.catch(() => {
        if (this.client === attempt) this.client = undefined
      })
      this.client = attempt
    }
    return this.client
  }

  /** The collection, or undefined when it does not exist; always asked of the server (it may have been deleted). */
  private async findCollection(name: string): Promise<Collection | undefined> {
    this.collections.delete(name)
    try {
      return await this.open(name)
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw chromaError(error, this.resolved)
    }
  }

  private open(name: string): Promise<Collection> {
    let found = this.collections.get(name)
    if (!found) {
      found = this.connected().then(({ client }) => client.getCollection({ name, embeddingFunction: NO_EMBEDDING }))
      found.catch(() => this.collections.delete(name))
      this.collections.set(name, found)
    }
    return found
  }

  private async collection(): Promise<Collection> {
    if (!this.currentStore)
      throw new UsageError('chroma: no store selected: call createStore() or initialize({ storeId })')
    try {
      return await this.open(this.currentStore)
    } catch (error) {
      throw chromaError(error, this.resolved, this.currentStore)
    }
  }

  private async call<T>(fn: () => Promise<T>, collection?: string): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw chromaError(error, this.resolved, collection)
    }
  }
}

export const NO_EMBEDDER =
  'chroma: no embedder: set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible server), or pass embed'

function isConnectionLost(error: unknown): boolean {
  return (error as Error)?.name === 'ChromaConnectionError'
}

/** Consecutive documents whose records fill one request (a larger document goes alone). */
function groups<T extends { doc: ChunkedDocument }>(pending: T[], maxRecords: number): T[][] {
  const out: T[][] = []
  let current: T[] = []
  let records = 0
  for (const p of pending) {
    if (current.length > 0 && records + p.doc.chunks.length > maxRecords) {
      out.push(current)
      current = []
      records = 0
    }
    current.push(p)
    records += p.doc.chunks.length
  }
  if (current.length) out.push(current)
  return out
}
