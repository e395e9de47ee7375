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
import { newFileId, prepareChunks, settledId, type ChunkedDocument } from '../shared/chunked'
import { groups, writeDocuments } from './write'
import { embedTexts } from '../postgres/embed'
import { checkAttributes, withIdentity } from '../postgres/documents'
import { isUnreachable, openClient, qdrantError, statusOf, type QdrantClient } from './client'
import {
  collectionName,
  QDRANT_LIMITS,
  qdrantFingerprint,
  resolveQdrantOptions,
  type QdrantProviderOptions,
  type ResolvedQdrantOptions,
} from './options'
import { byFile, DOCUMENT_PAYLOAD, filterFor, FIRST_CHUNKS, reservedKeyProblem, toRemoteFile } from './points'

export interface QdrantProvider extends VectorStoreProvider {
  search(query: string, options?: SearchOptions): Promise<SearchHit[]>
  uploadFiles(items: UploadItem[], hooks?: UploadHooks): Promise<UploadResult[]>
  updateAttributes(fileId: string, metadata: FileMetadata): Promise<void>
  getFile(fileId: string): Promise<RemoteFile | undefined>
  storeStatus(): Promise<StoreStatus | undefined>
  fingerprint(): Record<string, unknown>
}

/** Documents per listing request (points with ord 0). */
const LIST_PAGE_SIZE = 256

export const NO_EMBEDDER =
  'qdrant: no embedder: set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible server), or pass embed'

/**
 * A vector store in a Qdrant collection (one collection a store, its name the store id; cosine
 * vectors of the embedder's size). The chunks are embedded here and sent with their vectors. The
 * client is imported on first use; options are validated at once.
 */
export function createQdrantProvider(options: QdrantProviderOptions = {}): QdrantProvider {
  return new QdrantStore(resolveQdrantOptions(options))
}

class QdrantStore implements QdrantProvider {
  readonly name = 'qdrant'
  readonly limits = QDRANT_LIMITS
  private currentStore: string | undefined
  private client: Promise<QdrantClient> | undefined
  /** Vector sizes of the collections used, read once each. */
  private sizes = new Map<string, number>()

  constructor(private readonly resolved: ResolvedQdrantOptions) {}

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
    this.sizes.clear()
  }

  cleanup(): Promise<void> {
    return this.disconnect()
  }

  async verifyStore(): Promise<boolean> {
    if (!this.currentStore) return false
    const client = await this.connected()
    const name = this.currentStore
    return (await this.call(() => client.collectionExists(name))).exists
  }

  async storeStatus(): Promise<StoreStatus | undefined> {
    if (!(await this.verifyStore())) return undefined
    const { client, name } = await this.collection()
    const { count } = await this.call(() => client.count(name, { filter: FIRST_CHUNKS, exact: true }), name)
    return { files: count, completed: count, inProgress: 0, failed: 0, cancelled: 0 }
  }

  async createStore(name: string): Promise<string> {
    const client = await this.connected()
    const embed = this.resolved.embed
    if (!embed) throw new UsageError(NO_EMBEDDER)
    const size = embed.dimensions ?? (await embedTexts(embed, ['dimensions'], 1))[0]!.length
    const id = this.resolved.collection ?? collectionName(name, randomBytes(3).toString('hex'))
    // A named collection that exists already is used as it is (its size is checked on upload).
    const exists = this.resolved.collection && (await this.call(() => client.collectionExists(id))).exists
    if (!exists) await this.call(() => client.createCollection(id, { vectors: { size, distance: 'Cosine' } }))
    this.currentStore = id
    return id
  }

  async uploadFile(path: string, content: Buffer, metadata: FileMetadata): Promise<string> {
    return settledId('qdrant', await this.uploadFiles([{ content, metadata: { ...metadata, path } }]))
  }

  async updateFile(fileId: string, content: Buffer, metadata: FileMetadata): Promise<string> {
    // The new version is stored before the old one goes: search finds one or the other, never neither.
    const id = settledId('qdrant', await this.uploadFiles([{ content, metadata }]))
    await this.deleteFile(fileId)
    return id
  }

  async uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
    const { client, name } = await this.collection()
    const size = await this.vectorSize(client, name)
    const results: UploadResult[] = Array.from({ length: items.length })
    const settle = async (index: number, result: UploadResult) => {
      results[index] = result
      if (result.fileId) await hooks.onUploaded?.(result.path, result.fileId)
      await hooks.onSettled?.(result)
    }
    const pending: { index: number; doc: ChunkedDocument }[] = []
    for (const [index, item] of items.entries()) {
      try {
        const doc = prepareChunks(item.metadata, item.content, this.resolved, newFileId('qdf'), reservedKeyProblem)
        pending.push({ index, doc })
      } catch (error) {
        await settle(index, { path: item.metadata.path, error: errorMessage(error) })
      }
    }
    if (pending.length === 0) return results
    const embed = this.resolved.embed
    if (!embed) throw new UsageError(NO_EMBEDDER)
    const target = { name, size }
    const limit = pLimit(4)
    await Promise.all(
      groups(pending).map(group =>
        limit(async () => {
          try {
            await writeDocuments(
              client,
              target,
              embed,
              group.map(p => p.doc),
            )
            for (const { index, doc } of group) await settle(index, { path: doc.path, fileId: doc.fileId })
          } catch (error) {
            if (error instanceof UsageError) throw error
            if (isUnreachable(error) || [401, 403, 404, 429].includes(statusOf(error) ?? 0))
              throw qdrantError(error, this.resolved, name)
            // One bad document must not fail its neighbours: retry them one by one.
            for (const { index, doc } of group) {
              try {
                if (group.length > 1) await writeDocuments(client, target, embed, [doc])
                else throw error
                await settle(index, { path: doc.path, fileId: doc.fileId })
              } catch (single) {
                await settle(index, { path: doc.path, error: errorMessage(qdrantError(single, this.resolved, name)) })
              }
            }
          }
        }),
      ),
    )
    return results
  }

  async deleteFile(fileId: string): Promise<void> {
    const { client, name } = await this.collection()
    await this.call(() => client.delete(name, { filter: byFile(fileId), wait: true }), name)
  }

  async listFiles(): Promise<RemoteFile[]> {
    const { client, name } = await this.collection()
    const files: RemoteFile[] = []
    let offset: string | number | undefined
    do {
      const page = await this.call(
        () =>
          client.scroll(name, {
            filter: FIRST_CHUNKS,
            limit: LIST_PAGE_SIZE,
            with_payload: DOCUMENT_PAYLOAD,
            with_vector: false,
            ...(offset !== undefined ? { offset } : {}),
          }),
        name,
      )
      files.push(...page.points.map(p => toRemoteFile(p.payload)))
      offset = (page.next_page_offset ?? undefined) as string | number | undefined
    } while (offset !== undefined)
    return files
  }

  async getFile(fileId: string): Promise<RemoteFile | undefined> {
    const { client, name } = await this.collection()
    const page = await this.call(
      () => client.scroll(name, { filter: byFile(fileId, true), limit: 1, with_payload: DOCUMENT_PAYLOAD }),
      name,
    )
    return page.points.length ? toRemoteFile(page.points[0]!.payload) : undefined
  }

  async updateAttributes(fileId: string, metadata: FileMetadata): Promise<void> {
    const { client, name } = await this.collection()
    const attributes = withIdentity(metadata)
    const problem = checkAttributes(attributes) ?? reservedKeyProblem(attributes)
    if (problem) throw new Error(problem)
    const { count } = await this.call(() => client.count(name, { filter: byFile(fileId), exact: true }), name)
    if (count === 0) throw new Error(`qdrant: file ${fileId} is not in collection ${name}`)
    // One request for every chunk of the document; set_payload replaces the top-level
    // `attributes` whole (so a dropped attribute is gone), and no vector is touched.
    await this.call(
      () => client.setPayload(name, { payload: { attributes }, filter: byFile(fileId), wait: true }),
      name,
    )
  }

  async enrichMetadata(_path: string, _content: Buffer, metadata: FileMetadata): Promise<FileMetadata> {
    return metadata
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const { client, name } = await this.collection()
    const limit = Math.max(1, Math.floor(options.limit ?? 10))
    const filter = filterFor(options.filter)
    if (filter === false || !query.trim()) return []
    const embed = this.resolved.embed
    if (!embed) throw new UsageError(NO_EMBEDDER)
    const [vector] = await embedTexts(embed, [query], 1)
    // Several chunks of one document compete for its one slot: look wider than the limit.
    const { points } = await this.call(
      () =>
        client.query(name, {
          query: vector!,
          ...(filter ? { filter } : {}),
          limit: Math.min(1000, Math.max(50, limit * 10)),
          with_payload: true,
        }),
      name,
    )
    const best = new Map<string, SearchHit>()
    for (const point of points) {
      const file = toRemoteFile(point.payload)
      // Cosine: the score is the similarity itself.
      if (best.has(file.fileId) || !(point.score > 0)) continue
      best.set(file.fileId, {
        path: file.path ?? '',
        score: point.score,
        text: String(point.payload?.text ?? ''),
        fileId: file.fileId,
        attributes: file.attributes,
      })
    }
    return [...best.values()].sort((a, b) => b.score - a.score || a.path.localeCompare(b.path)).slice(0, limit)
  }

  fingerprint(): Record<string, unknown> {
    return qdrantFingerprint(this.resolved)
  }

  private async vectorSize(client: QdrantClient, name: string): Promise<number> {
    let size = this.sizes.get(name)
    if (size === undefined) {
      const info = await this.call(() => client.getCollection(name), name)
      const vectors = info.config.params.vectors as { size?: number } | undefined
      if (typeof vectors?.size !== 'number')
        throw new UsageError(
          `qdrant: collection ${name} has named vectors, not one unnamed vector a point: sync with --new-store to make one this tool can fill`,
        )
      size = vectors.size
      this.sizes.set(name, size)
    }
    return size
  }

  private connected(): Promise<QdrantClient> {
    if (!this.client) {
      const attempt = openClient(this.resolved)
      attempt.catch(() => {
        if (this.client === attempt) this.client = undefined
      })
      this.client = attempt
    }
    return this.client
  }

  private async collection(): Promise<{ client: QdrantClient; name: string }> {
    const name = this.currentStore
    if (!name) throw new UsageError('qdrant: no store selected: call createStore() or initialize({ storeId })')
    return { client: await this.connected(), name }
  }

  private async call<T>(fn: () => Promise<T>, collection?: string): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw qdrantError(error, this.resolved, collection)
    }
  }
}
