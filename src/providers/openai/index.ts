import OpenAI from 'openai'
import pLimit from 'p-limit'
import type { Attributes, SearchHit, SearchOptions, UploadHooks, UploadItem, UploadResult, VectorStoreConfig, VectorStoreProvider } from '../types'
import { OPENAI_LIMITS, openAIFingerprint, uploadName } from '../openai-files'
import { attachOne } from './attach'
import { toOpenAIFilter } from './filter'
import type { OpenAIContext, OpenAIProviderOptions } from './context'
import { getDocument, listDocuments, listFileObjects } from './list'
import { createPacedFetch, type PacerStats } from './pacing'
import { uploadAndAttach } from './pipeline'
import { deleteFileObject, removeDocument } from './remove'
import { again, isNotFound, maxSends } from './retry'
import { createUploader } from './upload'

export type { OpenAIProviderOptions } from './context'
export { isTransient } from './retry'

/**
 * OpenAI vector stores through the official SDK: its retries (429 honouring retry-after, 5xx,
 * dropped connections), its pagination and its reads; the parts are in this folder, each named
 * for what it does, and this file assembles them.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): VectorStoreProvider {
  const pacer = createPacedFetch()
  const client = options.client ?? new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: options.maxRetries ?? 5,
    fetch: pacer.fetch,
  })
  let storeId: string | undefined
  const ctx: OpenAIContext = {
    client,
    options,
    store: () => {
      if (!storeId) throw new Error('no vector store selected: call initialize() or createStore() first')
      return storeId
    },
    uploadAttempts: maxSends(client.maxRetries),
    timeoutMs: options.processingTimeoutMs ?? 10 * 60_000,
    logger: options.logger,
  }
  const uploader = createUploader(ctx)
  /** Every upload of the provider, whichever call it is for: calls may overlap (execute.ts). */
  const uploads = pLimit(options.concurrency ?? 8)

  async function uploadOne(content: Buffer, metadata: UploadItem['metadata']): Promise<string> {
    const fileId = await uploader.createFile({ content, metadata }, metadata)
    try {
      const file = await attachOne(ctx, fileId, metadata)
      if (file.status !== 'completed')
        throw new Error(`the store marked it ${file.status}${file.last_error ? `: ${file.last_error.message}` : ''}`)
      return fileId
    }
    catch (error) {
      // Never leave a File object behind for a document the store did not take.
      await removeDocument(ctx, fileId).catch(() => {})
      throw error
    }
  }

  const provider: VectorStoreProvider & { pacing: PacerStats } = {
    name: 'openai',
    streamsFiles: true,
    pacing: pacer.stats,
    limits: OPENAI_LIMITS,
    get storeId() { return storeId },

    async initialize(config: VectorStoreConfig) { storeId = config.storeId },
    async connect() {},
    async disconnect() {},

    async verifyStore() {
      if (!storeId) return false
      try {
        // The first call of a run: not retried beyond the SDK, so an unreachable API fails fast.
        const vs = await client.vectorStores.retrieve(storeId)
        return vs.status !== 'expired'
      }
      catch (error) {
        if (isNotFound(error)) return false
        throw error
      }
    },

    async storeStatus() {
      if (!storeId) return undefined
      try {
        const vs = await client.vectorStores.retrieve(storeId)
        if (vs.status === 'expired') return undefined
        const c = vs.file_counts
        return { files: c.total, completed: c.completed, inProgress: c.in_progress, failed: c.failed, cancelled: c.cancelled }
      }
      catch (error) {
        if (isNotFound(error)) return undefined
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
      await removeDocument(ctx, fileId)
      return newId
    },

    deleteFile: fileId => removeDocument(ctx, fileId),
    listFiles: () => listDocuments(ctx),

    async enrichMetadata(_path, _content, metadata) { return metadata },
    async cleanup() {},

    uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
      if (hooks.concurrency) uploads.concurrency = hooks.concurrency
      return uploadAndAttach(ctx, uploader, uploads, items, hooks)
    },

    async updateAttributes(fileId, metadata) {
      await again(() => client.vectorStores.files.update(fileId, { vector_store_id: ctx.store(), attributes: metadata.attributes }))
    },

    async search(query: string, searchOptions: SearchOptions = {}): Promise<SearchHit[]> {
      const filters = toOpenAIFilter(searchOptions.filter)
      if (filters === null) return []
      const page = await client.vectorStores.search(ctx.store(), { query, max_num_results: Math.min(50, searchOptions.limit ?? 10), ...(filters ? { filters } : {}) })
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

    getFile: fileId => getDocument(ctx, fileId),
    listFileObjects: since => listFileObjects(ctx, since),
    fileObjectName: uploadName,
    deleteFileObject: fileId => deleteFileObject(ctx, fileId),
    fingerprint: () => openAIFingerprint(options.chunkingStrategy),
  }
  return provider
}

export default createOpenAIProvider
