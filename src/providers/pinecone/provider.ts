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
import { candidates, onePerDocument, queryVector, searchLimit } from '../shared/search-hits'
import { suffixedName } from '../shared/store-names'
import { startUpload, writeGroups } from '../shared/upload-flow'
import { isConflict, isNotFound, pineconeError, type PineconeIndex } from './client'
import { openIndex, type OpenedIndex } from './index-check'
import {
  PINECONE_LIMITS,
  pineconeFingerprint,
  pineconeMissing,
  resolvePineconeOptions,
  type PineconeProviderOptions,
  type ResolvedPineconeOptions,
} from './options'
import {
  attributesOf,
  FILE_KEY,
  filePrefix,
  filterFor,
  isHead,
  recordId,
  reservedKeyProblem,
  retagged,
  TEXT_KEY,
  toRemoteFile,
} from './records'
import { deleteIds, FETCH_IDS, listIds, upsertBatches, type PineconeRecord } from './upsert'
import { checkDimension, recordsPerUpsert, writeRecords } from './write'

export type PineconeProvider = ChunkStoreProvider

/**
 * A vector store in a namespace of a Pinecone index (one namespace a store, its name the store
 * id). The chunks are embedded here and upserted with their vectors: the index must be a dense
 * one this tool fills, not one with integrated embedding. The client is imported, and the index
 * described (its host, its dimension checked), on first use.
 */
export function createPineconeProvider(options: PineconeProviderOptions = {}): PineconeProvider {
  return new PineconeStore(resolvePineconeOptions(options))
}

/** Its connection is the index, described once (its host and dimension), its kind checked. */
class PineconeStore extends ChunkStore<OpenedIndex> implements PineconeProvider {
  readonly name = 'pinecone'
  readonly limits = PINECONE_LIMITS

  constructor(private readonly resolved: ResolvedPineconeOptions) {
    super(() => openIndex(resolved))
  }

  async verifyStore(): Promise<boolean> {
    if (!this.currentStore) return false
    return (await this.describeNamespace(this.currentStore)) !== undefined
  }

  async storeStatus(): Promise<StoreStatus | undefined> {
    if (!this.currentStore) return undefined
    const described = await this.describeNamespace(this.currentStore)
    if (!described) return undefined
    // Records are chunks: a document is its first record, so its count is the `#0` ids listed.
    const files = described.recordCount ? (await this.call(async ns => listIds(ns))).filter(isHead).length : 0
    return storedStatus(files)
  }

  async createStore(name: string): Promise<string> {
    const { index } = await this.connection.get()
    const namespace = this.resolved.namespace ?? suffixedName(name, randomBytes(3).toString('hex'))
    try {
      await index.createNamespace({ name: namespace })
    } catch (error) {
      // A namespace the user named may already hold a store: it is taken as it is.
      if (!(isConflict(error) && this.resolved.namespace)) throw pineconeError(error, this.resolved)
    }
    this.currentStore = namespace
    return namespace
  }

  async uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
    const { index: pinecone, dimension } = await this.connection.get()
    const namespace = pinecone.namespace(this.selected())
    const upload = await startUpload(items, hooks, item =>
      prepareChunks(item.metadata, item.content, this.resolved, newFileId('pcf'), reservedKeyProblem),
    )
    const { pending } = upload
    if (pending.length === 0) return upload.results
    const embed = this.resolved.embed
    if (!embed) throw new UsageError(pineconeMissing(this.resolved)!)
    await embedChunks(
      embed,
      pending.map(p => p.doc),
    )
    checkDimension(pending[0]!.doc.vectors![0]!.length, dimension, embed, this.resolved.index)
    // Documents in groups of about one request each; a failed group is retried document by document.
    await writeGroups(upload, documentGroups(pending, recordsPerUpsert(pending[0]?.doc.vectors?.[0]?.length)), {
      write: docs => writeRecords(namespace, docs, this.resolved),
      fatal: error => (error instanceof UsageError ? error : undefined),
      failure: error => {
        if (error instanceof UsageError) throw error
        return errorMessage(error)
      },
    })
    return upload.results
  }

  async deleteFile(fileId: string): Promise<void> {
    await this.call(async ns => deleteIds(ns, await listIds(ns, filePrefix(fileId))))
  }

  async listFiles(): Promise<RemoteFile[]> {
    return this.call(async ns => {
      const heads = (await listIds(ns)).filter(isHead)
      const files: RemoteFile[] = []
      for (let i = 0; i < heads.length; i += FETCH_IDS) {
        const { records } = await ns.fetch({ ids: heads.slice(i, i + FETCH_IDS) })
        for (const id of heads.slice(i, i + FETCH_IDS))
          if (records[id]) files.push(toRemoteFile(id, records[id]!.metadata))
      }
      return files
    })
  }

  async getFile(fileId: string): Promise<RemoteFile | undefined> {
    const id = recordId(fileId, 0)
    const { records } = await this.call(ns => ns.fetch({ ids: [id] }))
    return records[id] ? toRemoteFile(id, records[id]!.metadata) : undefined
  }

  async updateAttributes(fileId: string, metadata: FileMetadata): Promise<void> {
    const attributes = checkedAttributes(metadata, reservedKeyProblem)
    const head = recordId(fileId, 0)
    await this.call(async ns => {
      const { records } = await ns.fetch({ ids: [head] })
      if (!records[head]) throw new Error(`pinecone: file ${fileId} is not in namespace ${this.currentStore}`)
      const dropped = Object.keys(attributesOf(records[head]!.metadata)).some(k => !(k in attributes))
      if (!dropped) {
        // One request sets the new values on every chunk of the document: nothing embedded, no vector sent.
        await ns.update({ filter: { [FILE_KEY]: { $eq: fileId } }, metadata: attributes })
        return
      }
      // Pinecone's update only sets keys: a dropped attribute means writing the records again,
      // with the vectors they have (read back, never embedded again).
      const ids = await listIds(ns, filePrefix(fileId))
      const rewritten: PineconeRecord[] = []
      for (let i = 0; i < ids.length; i += FETCH_IDS) {
        const page = await ns.fetch({ ids: ids.slice(i, i + FETCH_IDS) })
        for (const r of Object.values(page.records))
          rewritten.push({ id: r.id, values: r.values ?? [], metadata: retagged(r.metadata, attributes) })
      }
      for (const batch of upsertBatches(rewritten)) await ns.upsert({ records: batch })
    })
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const limit = searchLimit(options)
    const filter = filterFor(options.filter)
    if (filter === false || !query.trim()) return []
    const vector = await queryVector(this.resolved.embed, query, pineconeMissing(this.resolved)!)
    // 1000, the most candidates asked for, is also the most Pinecone returns with metadata.
    const result = await this.call(ns =>
      ns.query({
        vector,
        topK: candidates(limit),
        includeMetadata: true,
        ...(filter ? { filter } : {}),
      }),
    )
    // Pinecone gives the matches best first.
    const hits = (result.matches ?? []).map(match => {
      const file = toRemoteFile(match.id, match.metadata)
      const text = match.metadata?.[TEXT_KEY]
      return {
        path: file.path ?? '',
        score: match.score ?? 0,
        text: typeof text === 'string' ? text : '',
        fileId: file.fileId,
        attributes: file.attributes,
      }
    })
    return onePerDocument(hits).slice(0, limit)
  }

  fingerprint(): Record<string, unknown> {
    return pineconeFingerprint(this.resolved)
  }

  /** Runs `fn` on the current namespace, its errors made one line. */
  private async call<T>(fn: (namespace: PineconeIndex) => Promise<T>): Promise<T> {
    const store = this.selected()
    const { index } = await this.connection.get()
    try {
      return await fn(index.namespace(store))
    } catch (error) {
      throw pineconeError(error, this.resolved, { namespace: store })
    }
  }

  private async describeNamespace(name: string): Promise<{ recordCount: number } | undefined> {
    const { index } = await this.connection.get()
    try {
      const described = await index.describeNamespace(name)
      return { recordCount: Number(described.recordCount ?? 0) }
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw pineconeError(error, this.resolved, { namespace: name })
    }
  }
}
