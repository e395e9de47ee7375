import OpenAI, { toFile } from 'openai'
import pLimit from 'p-limit'
import type { Logger } from '../core/logger'
import { OPENAI_LIMITS, uploadName } from './openai-files'
import { createPacedFetch, type PacerStats } from './openai-pacing'
import type {
  Attributes, FileMetadata, RemoteFile, SearchHit, SearchOptions, UploadHooks, UploadItem, UploadResult,
  VectorStoreConfig, VectorStoreProvider,
} from './types'

export interface OpenAIProviderOptions {
  /** Default: env OPENAI_API_KEY (read by the SDK). */
  apiKey?: string
  /** Default: env OPENAI_BASE_URL, else the SDK's. */
  baseURL?: string
  /** Passed through as `chunking_strategy` on every attach. */
  chunkingStrategy?: Record<string, unknown>
  /** Parallel uploads in `uploadFiles`. Default 8. */
  concurrency?: number
  /** The SDK's own retries of 429, 5xx and dropped connections. Default 5. */
  maxRetries?: number
  /** A file still `in_progress` after this long is reported failed (retried next run). Default 10 minutes. */
  processingTimeoutMs?: number
  /** Poll interval; default the server's `openai-poll-after-ms`, else the SDK's. */
  pollIntervalMs?: number
  logger?: Logger
  /** An existing client (tests, proxies); the options above that configure one are then ignored. */
  client?: OpenAI
}

type VSFile = OpenAI.VectorStores.VectorStoreFile

function toRemote(file: VSFile): RemoteFile {
  const attributes = (file.attributes ?? {}) as Attributes
  return {
    fileId: file.id,
    path: typeof attributes.path === 'string' ? attributes.path : undefined,
    sha256: typeof attributes.sha256 === 'string' ? attributes.sha256 : undefined,
    attributes,
    status: file.status,
    lastError: file.last_error?.message,
    createdAt: file.created_at,
    bytes: file.usage_bytes,
  }
}

const isNotFound = (error: unknown) => error instanceof OpenAI.APIError && error.status === 404

/**
 * OpenAI vector stores through the official SDK: its retries (429 honouring retry-after, 5xx,
 * dropped connections), its pagination and its polling.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): VectorStoreProvider {
  const pacer = createPacedFetch()
  const client = options.client ?? new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: options.maxRetries ?? 5,
    fetch: pacer.fetch,
  })
  const timeoutMs = options.processingTimeoutMs ?? 10 * 60_000
  let storeId: string | undefined

  const store = () => {
    if (!storeId) throw new Error('no vector store selected: call initialize() or createStore() first')
    return storeId
  }
  const attach = (metadata: FileMetadata) => ({
    attributes: metadata.attributes,
    ...(options.chunkingStrategy ? { chunking_strategy: options.chunkingStrategy as never } : {}),
  })

  async function createFile(content: Buffer, metadata: FileMetadata): Promise<string> {
    const file = await client.files.create({ file: await toFile(content, uploadName(metadata.path)), purpose: 'assistants' })
    return file.id
  }

  /** Polls with the SDK until the file settles or the timeout passes. */
  async function settleFile(fileId: string): Promise<VSFile> {
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      return await client.vectorStores.files.poll(store(), fileId, { signal, pollIntervalMs: options.pollIntervalMs })
    }
    catch (error) {
      if (signal.aborted) throw new Error(`still in_progress after ${Math.round(timeoutMs / 1000)}s: the store did not finish processing it (retried next run)`)
      throw error
    }
  }

  async function removeQuietly(fileId: string): Promise<void> {
    await client.vectorStores.files.delete(fileId, { vector_store_id: store() }).catch(e => { if (!isNotFound(e)) throw e })
    await client.files.delete(fileId).catch(e => { if (!isNotFound(e)) throw e })
  }

  async function uploadOne(content: Buffer, metadata: FileMetadata): Promise<string> {
    const fileId = await createFile(content, metadata)
    try {
      await client.vectorStores.files.create(store(), { file_id: fileId, ...attach(metadata) })
      const file = await settleFile(fileId)
      if (file.status !== 'completed')
        throw new Error(`the store marked it ${file.status}${file.last_error ? `: ${file.last_error.message}` : ''}`)
      return fileId
    }
    catch (error) {
      // Never leave a File object behind for a document the store did not take.
      await removeQuietly(fileId).catch(() => {})
      throw error
    }
  }

  const provider: VectorStoreProvider & { pacing: PacerStats } = {
    name: 'openai',
    pacing: pacer.stats,
    limits: OPENAI_LIMITS,
    get storeId() { return storeId },

    async initialize(config: VectorStoreConfig) { storeId = config.storeId },
    async connect() {},
    async disconnect() {},

    async verifyStore() {
      if (!storeId) return false
      try {
        const vs = await client.vectorStores.retrieve(storeId)
        return vs.status !== 'expired'
      }
      catch (error) {
        if (isNotFound(error)) return false
        throw error
      }
    },

    async createStore(name: string) {
      const vs = await client.vectorStores.create({ name, metadata: { created_by: 'vectornator' } })
      storeId = vs.id
      return vs.id
    },

    uploadFile: (_path, content, metadata) => uploadOne(content, metadata),

    async updateFile(fileId, content, metadata) {
      // The new version is stored and searchable before the old one goes: no moment without it.
      const newId = await uploadOne(content, metadata)
      await removeQuietly(fileId)
      return newId
    },

    deleteFile: removeQuietly,

    async listFiles() {
      const files: RemoteFile[] = []
      for await (const file of client.vectorStores.files.list(store(), { limit: 100 })) files.push(toRemote(file))
      return files
    },

    async enrichMetadata(_path, _content, metadata) { return metadata },
    async cleanup() {},

    async uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
      const limit = pLimit(hooks.concurrency ?? options.concurrency ?? 8)
      const results = new Map<string, UploadResult>()
      const uploaded: { fileId: string, item: UploadItem }[] = []
      await Promise.all(items.map(item => limit(async () => {
        const path = item.metadata.path
        try {
          const fileId = await createFile(item.content, item.metadata)
          uploaded.push({ fileId, item })
          await hooks.onUploaded?.(path, fileId)
        }
        catch (error) {
          results.set(path, { path, error: (error as Error).message })
        }
      })))

      if (uploaded.length > 0) await attachBatch(uploaded, results)
      const ordered = items.map(i => results.get(i.metadata.path) ?? { path: i.metadata.path, error: 'not settled' })
      for (const r of ordered) await hooks.onSettled?.(r)
      return ordered
    },

    async updateAttributes(fileId, metadata) {
      await client.vectorStores.files.update(fileId, { vector_store_id: store(), attributes: metadata.attributes })
    },

    async search(query: string, searchOptions: SearchOptions = {}): Promise<SearchHit[]> {
      const page = await client.vectorStores.search(store(), { query, max_num_results: Math.min(50, searchOptions.limit ?? 10) })
      return page.data.map(hit => {
        const attributes = (hit.attributes ?? {}) as Attributes
        return {
          path: typeof attributes.path === 'string' ? attributes.path : hit.filename,
          score: hit.score,
          text: hit.content.map(c => c.text).join('\n'),
          fileId: hit.file_id,
          attributes,
        }
      })
    },

    async getFile(fileId) {
      try { return toRemote(await client.vectorStores.files.retrieve(fileId, { vector_store_id: store() })) }
      catch (error) {
        if (isNotFound(error)) return undefined
        throw error
      }
    },

    /** Newest first; stops at `since` (seconds) so a sweep after a sync reads one page. */
    async listFileObjects(since = 0) {
      const objects: { fileId: string, filename: string, createdAt: number }[] = []
      for await (const f of client.files.list({ purpose: 'assistants', order: 'desc', limit: 10_000 })) {
        if (f.created_at < since) break
        objects.push({ fileId: f.id, filename: f.filename, createdAt: f.created_at })
      }
      return objects
    },

    fileObjectName: uploadName,

    async deleteFileObject(fileId) {
      await client.files.delete(fileId).catch(e => { if (!isNotFound(e)) throw e })
    },

    fingerprint: () => ({ textConversion: 1, chunkingStrategy: options.chunkingStrategy ?? 'auto' }),
  }

  /**
   * Attaches uploaded files with one file batch (each file with its own attributes), then asks
   * only for the files that did not complete: a clean batch costs create + polls.
   */
  async function attachBatch(uploaded: { fileId: string, item: UploadItem }[], results: Map<string, UploadResult>) {
    const byId = new Map(uploaded.map(u => [u.fileId, u]))
    let batch: OpenAI.VectorStores.FileBatches.VectorStoreFileBatch
    try {
      batch = await client.vectorStores.fileBatches.create(store(), {
        files: uploaded.map(({ fileId, item }) => ({ file_id: fileId, ...attach(item.metadata) })),
      })
    }
    catch (error) {
      if (!(error instanceof OpenAI.APIError) || error.status !== 400) throw error
      // One bad file refuses the whole batch: attach one by one to keep the good ones.
      const limit = pLimit(options.concurrency ?? 8)
      await Promise.all(uploaded.map(({ fileId, item }) => limit(async () => {
        const path = item.metadata.path
        try {
          await client.vectorStores.files.create(store(), { file_id: fileId, ...attach(item.metadata) })
          const file = await settleFile(fileId)
          if (file.status === 'completed') results.set(path, { path, fileId })
          else results.set(path, { path, error: file.last_error?.message ?? `the store marked it ${file.status}`, orphanFileId: fileId })
        }
        catch (e) {
          results.set(path, { path, error: (e as Error).message, orphanFileId: fileId })
        }
      })))
      return
    }

    const signal = AbortSignal.timeout(timeoutMs)
    let timedOut = false
    try {
      batch = await client.vectorStores.fileBatches.poll(store(), batch.id, { signal, pollIntervalMs: options.pollIntervalMs })
    }
    catch (error) {
      if (!signal.aborted) throw error
      timedOut = true
    }
    const pending = new Set(byId.keys())
    if (timedOut || batch.file_counts.completed !== uploaded.length) {
      for await (const file of client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store(), limit: 100 })) {
        const u = byId.get(file.id)
        if (!u) continue
        pending.delete(file.id)
        const path = u.item.metadata.path
        if (file.status === 'completed') results.set(path, { path, fileId: file.id })
        else if (file.status === 'in_progress')
          results.set(path, { path, error: `still in_progress after ${Math.round(timeoutMs / 1000)}s (retried next run)`, orphanFileId: file.id })
        else results.set(path, { path, error: file.last_error?.message ?? `the store marked it ${file.status}`, orphanFileId: file.id })
      }
      for (const fileId of pending) {
        const path = byId.get(fileId)!.item.metadata.path
        results.set(path, { path, error: 'missing from its file batch', orphanFileId: fileId })
      }
      return
    }
    for (const { fileId, item } of uploaded) results.set(item.metadata.path, { path: item.metadata.path, fileId })
  }

  return provider
}

export default createOpenAIProvider
