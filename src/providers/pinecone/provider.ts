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
import { checkAttributes, withIdentity } from '../postgres/documents'
import { isConflict, isNotFound, openClient, pineconeError, type PineconeIndex } from './client'
import { checkIndex } from './index-check'
import {
  namespaceName,
  PINECONE_LIMITS,
  pineconeFingerprint,
  pineconeMissing,
  resolvePineconeOptions,
  type PineconeProviderOptions,
  type ResolvedPineconeOptions,
} from './options'
import {
  attributesOf,
  chunkMetadata,
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

export interface PineconeProvider extends VectorStoreProvider {
  search(query: string, options?: SearchOptions): Promise<SearchHit[]>
  uploadFiles(items: UploadItem[], hooks?: UploadHooks): Promise<UploadResult[]>
  updateAttributes(fileId: string, metadata: FileMetadata): Promise<void>
  getFile(fileId: string): Promise<RemoteFile | undefined>
  storeStatus(): Promise<StoreStatus | undefined>
  fingerprint(): Record<string, unknown>
}

/**
 * A vector store in a namespace of a Pinecone index (one namespace a store, its name the store
 * id). The chunks are embedded here and upserted with their vectors: the index must be a dense
 * one this tool fills, not one with integrated embedding. The client is imported, and the index
 * described (its host, its dimension checked), on first use.
 */
export function createPineconeProvider(options: PineconeProviderOptions = {}): PineconeProvider {
  return new PineconeStore(resolvePineconeOptions(options))
}

class PineconeStore implements PineconeProvider {
  readonly name = 'pinecone'
  readonly limits = PINECONE_LIMITS
  private currentStore: string | undefined
  private opened: Promise<{ index: PineconeIndex; dimension: number }> | undefined

  constructor(private readonly resolved: ResolvedPineconeOptions) {}

  get storeId(): string | undefined {
    return this.currentStore
  }

  async initialize(config: VectorStoreConfig): Promise<void> {
    this.currentStore = config.storeId
  }

  async connect(): Promise<void> {
    await this.open()
  }

  async disconnect(): Promise<void> {
    // HTTP only: nothing is held open but the client object.
    this.opened = undefined
  }

  cleanup(): Promise<void> {
    return this.disconnect()
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
    return { files, completed: files, inProgress: 0, failed: 0, cancelled: 0 }
  }

  async createStore(name: string): Promise<string> {
    const { index } = await this.open()
    const namespace = this.resolved.namespace ?? namespaceName(name, randomBytes(3).toString('hex'))
    try {
      await index.createNamespace({ name: namespace })
    } catch (error) {
      // A namespace the user named may already hold a store: it is taken as it is.
      if (!(isConflict(error) && this.resolved.namespace)) throw pineconeError(error, this.resolved)
    }
    this.currentStore = namespace
    return namespace
  }

  async uploadFile(path: string, content: Buffer, metadata: FileMetadata): Promise<string> {
    return settledId('pinecone', await this.uploadFiles([{ content, metadata: { ...metadata, path } }]))
  }

  async updateFile(fileId: string, content: Buffer, metadata: FileMetadata): Promise<string> {
    // The new version is stored before the old one goes: search finds one or the other, never neither.
    const id = settledId('pinecone', await this.uploadFiles([{ content, metadata }]))
    await this.deleteFile(fileId)
    return id
  }

  async uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
    const { index: pinecone, dimension } = await this.open()
    const namespace = pinecone.namespace(this.namespace())
    const results: UploadResult[] = Array.from({ length: items.length })
    const settle = async (index: number, result: UploadResult) => {
      results[index] = result
      if (result.fileId) await hooks.onUploaded?.(result.path, result.fileId)
      await hooks.onSettled?.(result)
    }
    const pending: { index: number; doc: ChunkedDocument }[] = []
    for (const [index, item] of items.entries()) {
      try {
        pending.push({
          index,
          doc: prepareChunks(item.metadata, item.content, this.resolved, newFileId('pcf'), reservedKeyProblem),
        })
      } catch (error) {
        await settle(index, { path: item.metadata.path, error: errorMessage(error) })
      }
    }
    if (pending.length === 0) return results
    const embed = this.resolved.embed
    if (!embed) throw new UsageError(pineconeMissing(this.resolved)!)
    await embedChunks(
      embed,
      pending.map(p => p.doc),
    )
    const made = pending[0]!.doc.vectors![0]!.length
    if (made !== dimension)
      throw new UsageError(
        `pinecone: index ${this.resolved.index} holds ${dimension}-dimensional vectors but the embedder (${embed.id ?? 'custom'}) makes ${made}: use an index of dimension ${made}, or an embedder of dimension ${dimension}`,
      )
    // Documents in groups of about one request each; a failed group is retried document by document.
    const limit = pLimit(4)
    await Promise.all(
      groups(pending).map(group =>
        limit(async () => {
          try {
            await this.write(
              namespace,
              group.map(p => p.doc),
            )
            for (const { index, doc } of group) await settle(index, { path: doc.path, fileId: doc.fileId })
          } catch (error) {
            if (error instanceof UsageError) throw error
            for (const { index, doc } of group) {
              try {
                if (group.length > 1) await this.write(namespace, [doc])
                else throw error
                await settle(index, { path: doc.path, fileId: doc.fileId })
              } catch (single) {
                if (single instanceof UsageError) throw single
                await settle(index, { path: doc.path, error: errorMessage(single) })
              }
            }
          }
        }),
      ),
    )
    return results
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
    const attributes = withIdentity(metadata)
    const problem = checkAttributes(attributes) ?? reservedKeyProblem(attributes)
    if (problem) throw new Error(problem)
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

  async enrichMetadata(_path: string, _content: Buffer, metadata: FileMetadata): Promise<FileMetadata> {
    return metadata
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const limit = Math.max(1, Math.floor(options.limit ?? 10))
    const filter = filterFor(options.filter)
    if (filter === false || !query.trim()) return []
    const embed = this.resolved.embed
    if (!embed) throw new UsageError(pineconeMissing(this.resolved)!)
    const [vector] = await embedTexts(embed, [query], 1)
    // Several chunks of one document compete for its one slot: look wider than the limit
    // (1000 is the most Pinecone returns with metadata).
    const result = await this.call(ns =>
      ns.query({
        vector: vector!,
        topK: Math.min(1000, Math.max(50, limit * 10)),
        includeMetadata: true,
        ...(filter ? { filter } : {}),
      }),
    )
    const best = new Map<string, SearchHit>()
    for (const match of result.matches ?? []) {
      const file = toRemoteFile(match.id, match.metadata)
      if (best.has(file.fileId)) continue
      const text = match.metadata?.[TEXT_KEY]
      best.set(file.fileId, {
        path: file.path ?? '',
        score: match.score ?? 0,
        text: typeof text === 'string' ? text : '',
        fileId: file.fileId,
        attributes: file.attributes,
      })
    }
    return [...best.values()].slice(0, limit)
  }

  fingerprint(): Record<string, unknown> {
    return pineconeFingerprint(this.resolved)
  }

  /** Upserts the documents' records; a document left half written by a failed request is removed whole. */
  private async write(namespace: PineconeIndex, docs: ChunkedDocument[]): Promise<void> {
    const createdAt = Math.floor(Date.now() / 1000)
    const records: PineconeRecord[] = docs.flatMap(doc =>
      doc.chunks.map((chunk, ord) => ({
        id: recordId(doc.fileId, ord),
        values: doc.vectors![ord]!,
        metadata: chunkMetadata(
          { fileId: doc.fileId, attributes: doc.attributes, bytes: doc.bytes, createdAt },
          ord,
          chunk.text,
        ),
      })),
    )
    const written: string[] = []
    try {
      for (const batch of upsertBatches(records)) {
        await namespace.upsert({ records: batch })
        written.push(...batch.map(r => r.id))
      }
    } catch (error) {
      await deleteIds(namespace, written).catch(() => {})
      throw pineconeError(error, this.resolved)
    }
  }

  /** The index, described once (its host and dimension), its kind checked. */
  private open(): Promise<{ index: PineconeIndex; dimension: number }> {
    if (!this.opened) {
      const attempt = (async () => {
        const missing = pineconeMissing(this.resolved)
        if (missing) throw new UsageError(missing)
        const client = await openClient(this.resolved)
        const name = this.resolved.index!
        const model = await client.describeIndex(name).catch(error => {
          throw pineconeError(error, this.resolved)
        })
        const dimension = checkIndex(model, this.resolved)
        return { index: client.index<Record<string, never>>(name, model.host) as unknown as PineconeIndex, dimension }
      })()
      // A failed attempt is forgotten, so the next call tries again.
      attempt.catch(() => {
        if (this.opened === attempt) this.opened = undefined
      })
      this.opened = attempt
    }
    return this.opened
  }

  private namespace(): string {
    if (!this.currentStore)
      throw new UsageError('pinecone: no store selected: call createStore() or initialize({ storeId })')
    return this.currentStore
  }

  /** Runs `fn` on the current namespace, its errors made one line. */
  private async call<T>(fn: (namespace: PineconeIndex) => Promise<T>): Promise<T> {
    const store = this.namespace()
    const { index } = await this.open()
    try {
      return await fn(index.namespace(store))
    } catch (error) {
      throw pineconeError(error, this.resolved, { namespace: store })
    }
  }

  private async describeNamespace(name: string): Promise<{ recordCount: number } | undefined> {
    const { index } = await this.open()
    try {
      const described = await index.describeNamespace(name)
      return { recordCount: Number(described.recordCount ?? 0) }
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw pineconeError(error, this.resolved, { namespace: name })
    }
  }
}

/** Consecutive documents of about one upsert's worth of records (a larger document goes alone). */
function groups<T extends { doc: ChunkedDocument }>(pending: T[]): T[][] {
  const out: T[][] = []
  let current: T[] = []
  let records = 0
  const per = Math.max(1, Math.floor(1_000_000 / (8 * (pending[0]?.doc.vectors?.[0]?.length ?? 1536) + 2000)))
  for (const p of pending) {
    if (current.length > 0 && records + p.doc.chunks.length > per) {
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
