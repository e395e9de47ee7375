import OpenAI from 'openai'
import pLimit from 'p-limit'
import type { UploadHooks, UploadItem, UploadResult, VectorStoreConfig, VectorStoreProvider } from '../types'
import { sdkLogger } from '../sdk-logger'
import { failFastWhenUnreachable } from './refused'
import { retryAdvice, type RetryCounts } from './health'
import { OPENAI_LIMITS, openAIFingerprint, uploadName } from '../openai-files'
import type { OpenAIContext, OpenAIProviderOptions } from './context'
import { OPENAI_DEFAULTS } from './settings'
import { getDocument, listDocuments, listFileObjects } from './list'
import { createPacedFetch, type PacerStats } from './pacing'
import { uploadAndAttach } from './pipeline'
import { deleteFileObject, removeDocument } from './remove'
import { again, maxSends } from './retry'
import { searchStore, storeExists, storeStatus, uploadOne } from './stores'
import { createUploader } from './upload'
import { checkConcurrency, createGate, gatedFetch } from '../in-flight'

export type { OpenAIProviderOptions, OpenAIService } from './context'
export { isTransient } from './retry'

/**
 * OpenAI vector stores through the official SDK: its retries (429 honouring retry-after, 5xx,
 * dropped connections), its pagination and its reads; the parts are in this folder, each named
 * for what it does, and this file assembles them.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): VectorStoreProvider {
  const concurrency = checkConcurrency(options.concurrency ?? 8)
  // Innermost, so a request waiting for its turn (pacing, a retry's backoff) holds no slot.
  const pacer = createPacedFetch({ fetch: gatedFetch(globalThis.fetch, createGate(concurrency)) })
  const retries: RetryCounts = { serverErrors: 0, rateLimits: 0, lostConnections: 0 }
  const { service } = options
  const base = {
    maxRetries: options.maxRetries ?? OPENAI_DEFAULTS.maxRetries,
    fetch: failFastWhenUnreachable(retryAdvice(pacer.fetch, retries), service?.addressSetting),
    logger: sdkLogger,
  }
  const client =
    options.client ?? service?.client(base) ?? new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, ...base })
  let storeId: string | undefined
  const ctx: OpenAIContext = {
    client,
    options,
    store: () => {
      if (!storeId) throw new Error('no vector store selected: call initialize() or createStore() first')
      return storeId
    },
    concurrency,
    uploadAttempts: maxSends(client.maxRetries),
    timeoutMs: options.processingTimeoutMs ?? OPENAI_DEFAULTS.processingTimeoutMs,
    logger: options.logger,
  }
  const uploader = createUploader(ctx)
  /**
   * Uploads started at once, whichever call they are for (calls overlap: core/run/upload.ts). Not
   * the bound on requests (the gate is): an upload started only when it could be sent waits
   * here, not inside fetch, where the SDK's timeout would already run.
   */
  const uploads = pLimit(concurrency)

  const provider: VectorStoreProvider & { pacing: PacerStats } = {
    name: service?.name ?? 'openai',
    streamsFiles: true,
    pacing: pacer.stats,
    limits: service?.limits ?? OPENAI_LIMITS,
    get storeId() {
      return storeId
    },

    async initialize(config: VectorStoreConfig) {
      storeId = config.storeId
    },
    async connect() {},
    async disconnect() {},

    verifyStore: async () => Boolean(storeId) && storeExists(ctx, storeId!),
    storeStatus: async () => (storeId ? storeStatus(ctx, storeId) : undefined),

    async createStore(name: string) {
      const vs = await client.vectorStores.create({ name, metadata: { created_by: 'vectornator' } })
      storeId = vs.id
      return vs.id
    },

    uploadFile: (_path, content, metadata) => uploadOne(ctx, uploader, content, metadata),

    async updateFile(fileId, content, metadata) {
      // The new version is stored and searchable before the old one goes: no moment without it.
      const newId = await uploadOne(ctx, uploader, content, metadata)
      await removeDocument(ctx, fileId)
      return newId
    },

    deleteFile: fileId => removeDocument(ctx, fileId),
    listFiles: () => listDocuments(ctx),

    async enrichMetadata(_path, _content, metadata) {
      return metadata
    },
    async cleanup() {},

    uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
      return uploadAndAttach(ctx, uploader, uploads, items, hooks)
    },

    async updateAttributes(fileId, metadata) {
      await again(() =>
        client.vectorStores.files.update(fileId, { vector_store_id: ctx.store(), attributes: metadata.attributes }),
      )
    },

    search: (query, searchOptions) => searchStore(ctx, query, searchOptions),

    getFile: fileId => getDocument(ctx, fileId),
    listFileObjects: since => listFileObjects(ctx, since),
    fileObjectName: path => uploadName(path, ctx.store()),
    deleteFileObject: fileId => deleteFileObject(ctx, fileId),
    fingerprint: () => openAIFingerprint(options.chunkingStrategy),
    retries: () => ({ ...retries }),
  }
  return provider
}

export default createOpenAIProvider
