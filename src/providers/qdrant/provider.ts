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
import { suffixedName } from '../shared/store-names'
import { startUpload, writeGroups } from '../shared/upload-flow'
import { writeDocuments } from './write'
import { embedTexts } from '../postgres/embed'
import { isUnreachable, openClient, qdrantError, statusOf, type QdrantClient } from './client'
import {
  QDRANT_LIMITS,
  UPSERT_POINTS,
  qdrantFingerprint,
  resolveQdrantOptions,
  type QdrantProviderOptions,
  type ResolvedQdrantOptions,
} from './options'
import { byFile, DOCUMENT_PAYLOAD, filterFor, FIRST_CHUNKS, reservedKeyProblem, toRemoteFile } from './points'

export type QdrantProvider = ChunkStoreProvider

/** Documents per listing request (points with ord 0). */
const LIST_PAGE_SIZE = 256

export const NO_EMBEDDER = noEmbedderHere('qdrant')

/**
 * A vector store in a Qdrant collection (one collection a store, its name the store id; cosine
 * vectors of the embedder's size). The chunks are embedded here and sent with their vectors. The
 * client is imported on first use; options are validated at once.
 */
export function createQdrantProvider(options: QdrantProviderOptions = {}): QdrantProvider {
  return new QdrantStore(resolveQdrantOptions(options))
}

class QdrantStore extends ChunkStore<QdrantClient> implements QdrantProvider {
  readonly name = 'qdrant'
  readonly limits = QDRANT_LIMITS
  /** Vector sizes of the collections used, read once each. */
  private sizes = new Map<string, number>()

  constructor(private readonly resolved: ResolvedQdrantOptions) {
    super(() => openClient(resolved))
  }

  async disconnect(): Promise<void> {
    await super.disconnect()
    this.sizes.clear()
  }

  async verifyStore(): Promise<boolean> {
    if (!this.currentStore) return false
    const client = await this.connection.get()
    const name = this.currentStore
    return (await this.call(() => client.collectionExists(name))).exists
  }

  async storeStatus(): Promise<StoreStatus | undefined> {
    if (!(await this.verifyStore())) return undefined
    const { client, name } = await this.collection()
    const { count } = await this.call(() => client.count(name, { filter: FIRST_CHUNKS, exact: true }), name)
    return storedStatus(count)
  }

  async createStore(name: string): Promise<string> {
    const client = await this.connection.get()
    const embed = this.resolved.embed
    if (!embed) throw new UsageError(NO_EMBEDDER)
    const size = embed.dimensions ?? (await embedTexts(embed, ['dimensions'], 1))[0]!.length
    const id = this.resolved.collection ?? suffixedName(name, randomBytes(3).toString('hex'))
    // A named collection that exists already is used as it is (its size is checked on upload).
    const exists = this.resolved.collection && (await this.call(() => client.collectionExists(id))).exists
    if (!exists) await this.call(() => client.createCollection(id, { vectors: { size, distance: 'Cosine' } }))
    this.currentStore = id
    return id
  }

  async uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
    const { client, name } = await this.collection()
    const size = await this.vectorSize(client, name)
    const upload = await startUpload(items, hooks, item =>
      prepareChunks(item.metadata, item.content, this.resolved, newFileId('qdf'), reservedKeyProblem),
    )
    if (upload.pending.length === 0) return upload.results
    const embed = this.resolved.embed
    if (!embed) throw new UsageError(NO_EMBEDDER)
    const target = { name, size }
    // All texts in full embedding requests; what fails there is embedded again group by group below.
    await embedChunks(
      embed,
      upload.pending.map(p => p.doc),
    ).catch(() => {})
    await writeGroups(upload, documentGroups(upload.pending, UPSERT_POINTS), {
      write: docs => writeDocuments(client, target, embed, docs),
      fatal: error => {
        if (error instanceof UsageError) return error
        if (isUnreachable(error) || [401, 403, 404, 429].includes(statusOf(error) ?? 0))
          return qdrantError(error, this.resolved, name)
        return undefined
      },
      // One bad document must not fail its neighbours: they are retried one by one.
      failure: error => errorMessage(qdrantError(error, this.resolved, name)),
    })
    return upload.results
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
    const attributes = checkedAttributes(metadata, reservedKeyProblem)
    const { count } = await this.call(() => client.count(name, { filter: byFile(fileId), exact: true }), name)
    if (count === 0) throw new Error(`qdrant: file ${fileId} is not in collection ${name}`)
    // One request for every chunk of the document; set_payload replaces the top-level
    // `attributes` whole (so a dropped attribute is gone), and no vector is touched.
    await this.call(
      () => client.setPayload(name, { payload: { attributes }, filter: byFile(fileId), wait: true }),
      name,
    )
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const { client, name } = await this.collection()
    const limit = searchLimit(options)
    const filter = filterFor(options.filter)
    if (filter === false || !query.trim()) return []
    const vector = await queryVector(this.resolved.embed, query, NO_EMBEDDER)
    const { points } = await this.call(
      () =>
        client.query(name, {
          query: vector,
          ...(filter ? { filter } : {}),
          limit: candidates(limit),
          with_payload: true,
        }),
      name,
    )
    // Cosine: the score is the similarity itself.
    const hits = points.map(point => {
      const file = toRemoteFile(point.payload)
      const text = String(point.payload?.text ?? '')
      return { path: file.path ?? '', score: point.score, text, fileId: file.fileId, attributes: file.attributes }
    })
    return ranked(hits, limit)
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

  private async collection(): Promise<{ client: QdrantClient; name: string }> {
    const name = this.selected()
    return { client: await this.connection.get(), name }
  }

  private async call<T>(fn: () => Promise<T>, collection?: string): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw qdrantError(error, this.resolved, collection)
    }
  }
}
