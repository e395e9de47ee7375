import { openAsBlob } from 'node:fs'
import OpenAI, { toFile } from 'openai'
import pLimit from 'p-limit'
import type { Logger } from '../lib/logger'
import { OPENAI_LIMITS, openAIFingerprint, uploadName } from './openai-files'
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

/** What is worth another try once the SDK's own retries are spent: a lost connection, 408, 409, 429, 5xx. */
export function isTransient(error: unknown): boolean {
  if (error instanceof OpenAI.APIUserAbortError) return false
  if (error instanceof OpenAI.APIConnectionError) return true
  if (!(error instanceof OpenAI.APIError)) return false
  const status = error.status
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500
}

/** Part size of a large file's upload through the Uploads API: what one upload holds in memory. */
const PART_BYTES = 8 * 1024 * 1024

/** Rounds of our own around a call whose SDK retries (5 each) all failed. */
const ROUNDS = 3
/** Attempts at one upload (made by us, not the SDK: see createFile). */
const UPLOAD_ATTEMPTS = 8
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

/**
 * Calls `fn` again when it fails transiently, a bounded number of times. Only for calls that are
 * safe to repeat: reads, polls, deletes (missing is not an error) and attaches (attaching a file
 * again replaces its attachment; a second batch of the same files is harmless). Uploads are not:
 * see createFile.
 */
async function again<T>(fn: () => Promise<T>): Promise<T> {
  for (let round = 1; ; round++) {
    try { return await fn() }
    catch (error) {
      if (round >= ROUNDS || !isTransient(error)) throw error
      await sleep(500 * 2 ** (round - 1) * (0.5 + Math.random()))
    }
  }
}

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

  /** Ids of the File objects this provider uploaded: never taken for another upload's duplicate. */
  const mine = new Set<string>()
  /**
   * The store's clock less ours, in seconds, narrowed by every upload: a file's `created_at`
   * (whole seconds, store clock) was taken while its request was in flight (local clock).
   */
  const clock = { low: -Infinity, high: Infinity }
  /** An upload made after attempts that may have made a File object too (see removeDuplicates). */
  interface Suspect { file: OpenAI.Files.FileObject, attempts: [number, number][] }

  /**
   * Uploads with attempts of our own instead of the SDK's, so we know when an attempt failed in a
   * way that may come after the upload was made (a lost connection, a timeout, a 5xx): only then
   * can a second File object exist. Such uploads are handed to `suspects` (or, without it, checked
   * at once) for removeDuplicates.
   */
  /**
   * A large local file goes up through the Uploads API, one part at a time read from disk as it
   * is sent: memory stays at one part whatever the file's size (fetch holds a whole body, even a
   * stream, in memory). createUpload: parts of up to 64 MB, 8 GB in all (openai-openapi.yaml).
   */
  async function uploadInParts(path: string, name: string): Promise<string> {
    const blob = await openAsBlob(path)
    const size = blob.size
    const upload = await again(() => client.uploads.create({ bytes: size, filename: name, mime_type: 'text/markdown', purpose: 'assistants' }))
    const partIds: string[] = []
    for (let offset = 0; offset < size; offset += PART_BYTES) {
      const data = new File([blob.slice(offset, Math.min(size, offset + PART_BYTES))], name)
      const part = await again(() => client.uploads.parts.create(upload.id, { data }))
      partIds.push(part.id)
    }
    const done = await again(() => client.uploads.complete(upload.id, { part_ids: partIds }))
    if (!done.file) throw new Error(`the upload of ${name} completed without a file`)
    mine.add(done.file.id)
    return done.file.id
  }

  async function createFile(item: UploadItem, metadata: FileMetadata, suspects?: Suspect[]): Promise<string> {
    if (item.file) return uploadInParts(item.file, uploadName(metadata.path))
    const content = item.content
    const name = uploadName(metadata.path)
    /** Local times (ms) of the attempts that may have made a File object: sent, failed. */
    const uncertain: [number, number][] = []
    for (let attempt = 1; ; attempt++) {
      const sent = Date.now()
      try {
        const file = await client.files.create({ file: await toFile(content, name), purpose: 'assistants' }, { maxRetries: 0 })
        const answered = Date.now()
        mine.add(file.id)
        clock.low = Math.max(clock.low, file.created_at - answered / 1000)
        clock.high = Math.min(clock.high, file.created_at + 1 - sent / 1000)
        if (uncertain.length) {
          if (suspects) suspects.push({ file, attempts: uncertain })
          else await removeDuplicates([{ file, attempts: uncertain }])
        }
        return file.id
      }
      catch (error) {
        if (attempt >= UPLOAD_ATTEMPTS || !isTransient(error)) throw error
        const limited = error instanceof OpenAI.APIError && error.status === 429
        if (!limited) uncertain.push([sent, Date.now()])
        const asked = limited ? Number((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after-ms') ?? Number.NaN) : Number.NaN
        await sleep(Number.isFinite(asked) ? asked : Math.min(8_000, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2))
      }
    }
  }

  /**
   * Deletes the File objects that attempts which may have been applied left: same name and size
   * as the upload that succeeded, created (store clock, through `clock`) while such an attempt was
   * in flight. Matching by name alone would take another store's document of the same path
   * (another project in the same account) for a leftover; this leaves only a File object of the
   * same name and size made in the same second or two. Best effort: what it cannot look for,
   * `vectornator prune` removes.
   */
  async function removeDuplicates(suspects: Suspect[]): Promise<void> {
    if (suspects.length === 0) return
    const low = Number.isFinite(clock.low) ? clock.low : 0
    const high = Number.isFinite(clock.high) ? clock.high : 0
    const windows = suspects.map(({ file, attempts }) => ({
      file,
      spans: attempts.map(([sent, failed]) => [Math.floor(sent / 1000 + low), Math.floor(failed / 1000 + high)] as const),
    }))
    const earliest = Math.min(...windows.flatMap(w => w.spans.map(s => s[0])))
    try {
      const duplicates = new Set<string>()
      await again(async () => {
        duplicates.clear()
        for await (const f of client.files.list({ purpose: 'assistants', order: 'desc', limit: 10_000 })) {
          if (f.created_at < earliest) break
          if (mine.has(f.id)) continue
          const match = windows.some(({ file, spans }) => f.filename === file.filename && f.bytes === file.bytes
            && spans.some(([from, to]) => f.created_at >= from && f.created_at <= to))
          if (match) duplicates.add(f.id)
        }
      })
      for (const id of duplicates) await again(() => client.files.delete(id)).catch(e => { if (!isNotFound(e)) throw e })
      if (duplicates.size) options.logger?.debug(`removed ${duplicates.size} file object(s) left by retried uploads`)
    }
    catch (error) {
      options.logger?.warn(`could not look for file objects left by retried uploads (\`vectornator prune\` removes them): ${(error as Error).message}`)
    }
  }

  /** Polls with the SDK until the file settles or the timeout passes. */
  async function settleFile(fileId: string): Promise<VSFile> {
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      return await again(() => client.vectorStores.files.poll(store(), fileId, { signal, pollIntervalMs: options.pollIntervalMs }))
    }
    catch (error) {
      if (signal.aborted) throw new Error(`still in_progress after ${Math.round(timeoutMs / 1000)}s: the store did not finish processing it (retried next run)`)
      throw error
    }
  }

  async function removeQuietly(fileId: string): Promise<void> {
    await again(() => client.vectorStores.files.delete(fileId, { vector_store_id: store() })).catch(e => { if (!isNotFound(e)) throw e })
    await again(() => client.files.delete(fileId)).catch(e => { if (!isNotFound(e)) throw e })
  }

  /** Attaches one file and waits until the store has processed it. */
  async function attachOne(fileId: string, metadata: FileMetadata): Promise<VSFile> {
    await again(() => client.vectorStores.files.create(store(), { file_id: fileId, ...attach(metadata) }))
    return settleFile(fileId)
  }

  async function uploadOne(content: Buffer, metadata: FileMetadata): Promise<string> {
    const fileId = await createFile({ content, metadata }, metadata)
    try {
      const file = await attachOne(fileId, metadata)
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
      await removeQuietly(fileId)
      return newId
    },

    deleteFile: removeQuietly,

    async listFiles() {
      // A listing that fails part-way is started again (a cursor may name a file deleted since).
      return again(async () => {
        const files: RemoteFile[] = []
        for await (const file of client.vectorStores.files.list(store(), { limit: 100 })) files.push(toRemote(file))
        return files
      })
    },

    async enrichMetadata(_path, _content, metadata) { return metadata },
    async cleanup() {},

    async uploadFiles(items: UploadItem[], hooks: UploadHooks = {}): Promise<UploadResult[]> {
      const limit = pLimit(hooks.concurrency ?? options.concurrency ?? 8)
      const results = new Map<string, UploadResult>()
      const uploaded: { fileId: string, item: UploadItem }[] = []
      const suspects: Suspect[] = []
      await Promise.all(items.map(item => limit(async () => {
        const path = item.metadata.path
        try {
          const fileId = await createFile(item, item.metadata, suspects)
          uploaded.push({ fileId, item })
          await hooks.onUploaded?.(path, fileId)
        }
        catch (error) {
          results.set(path, { path, error: (error as Error).message })
        }
      })))
      // Once every upload of the batch has narrowed the clock: the tightest windows.
      await removeDuplicates(suspects)

      if (uploaded.length > 0) await attachBatch(uploaded, results)
      const ordered = items.map(i => results.get(i.metadata.path) ?? { path: i.metadata.path, error: 'not settled' })
      for (const r of ordered) await hooks.onSettled?.(r)
      return ordered
    },

    async updateAttributes(fileId, metadata) {
      await again(() => client.vectorStores.files.update(fileId, { vector_store_id: store(), attributes: metadata.attributes }))
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
      try { return toRemote(await again(() => client.vectorStores.files.retrieve(fileId, { vector_store_id: store() }))) }
      catch (error) {
        if (isNotFound(error)) return undefined
        throw error
      }
    },

    /** Newest first; stops at `since` (seconds) so a sweep after a sync reads one page. */
    async listFileObjects(since = 0) {
      return again(async () => {
        const objects: { fileId: string, filename: string, createdAt: number, bytes: number }[] = []
        for await (const f of client.files.list({ purpose: 'assistants', order: 'desc', limit: 10_000 })) {
          if (f.created_at < since) break
          objects.push({ fileId: f.id, filename: f.filename, createdAt: f.created_at, bytes: f.bytes })
        }
        return objects
      })
    },

    fileObjectName: uploadName,

    async deleteFileObject(fileId) {
      await again(() => client.files.delete(fileId)).catch(e => { if (!isNotFound(e)) throw e })
    },

    fingerprint: () => openAIFingerprint(options.chunkingStrategy),
  }

  /**
   * Attaches uploaded files with one file batch (each file with its own attributes), then asks
   * only for the files that did not complete: a clean batch costs create + polls.
   */
  async function attachBatch(uploaded: { fileId: string, item: UploadItem }[], results: Map<string, UploadResult>) {
    const byId = new Map(uploaded.map(u => [u.fileId, u]))
    let batch: OpenAI.VectorStores.FileBatches.VectorStoreFileBatch
    try {
      batch = await again(() => client.vectorStores.fileBatches.create(store(), {
        files: uploaded.map(({ fileId, item }) => ({ file_id: fileId, ...attach(item.metadata) })),
      }))
    }
    catch (error) {
      if (!(error instanceof OpenAI.APIError) || error.status !== 400) throw error
      // One bad file refuses the whole batch: attach one by one to keep the good ones.
      const limit = pLimit(options.concurrency ?? 8)
      await Promise.all(uploaded.map(({ fileId, item }) => limit(async () => {
        const path = item.metadata.path
        try {
          const file = await attachOne(fileId, item.metadata)
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
      const id = batch.id
      batch = await again(() => client.vectorStores.fileBatches.poll(store(), id, { signal, pollIntervalMs: options.pollIntervalMs }))
    }
    catch (error) {
      if (!signal.aborted) throw error
      timedOut = true
    }
    if (timedOut || batch.file_counts.completed !== uploaded.length) {
      const listed = await again(async () => {
        const files: VSFile[] = []
        for await (const file of client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store(), limit: 100 })) files.push(file)
        return files
      })
      const pending = new Set(byId.keys())
      for (const file of listed) {
        const u = byId.get(file.id)
        if (!u) continue
        pending.delete(file.id)
        const path = u.item.metadata.path
        if (file.status === 'completed') results.set(path, { path, fileId: file.id })
        else if (file.status === 'in_progress')
          results.set(path, { path, error: `still in_progress after ${Math.round(timeoutMs / 1000)}s (retried next run)`, orphanFileId: file.id })
        else results.set(path, { path, error: file.last_error?.message ?? `the store marked it ${file.status}`, orphanFileId: file.id })
      }
      // A file the batch lost (attached again by a later batch, or never taken): attached on its own.
      const limit = pLimit(options.concurrency ?? 8)
      await Promise.all([...pending].map(fileId => limit(async () => {
        const { item } = byId.get(fileId)!
        const path = item.metadata.path
        try {
          const existing = await provider.getFile!(fileId)
          const file = !existing
            ? toRemote(await attachOne(fileId, item.metadata))
            : existing.status === 'in_progress' ? toRemote(await settleFile(fileId)) : existing
          if (file.status === 'completed') results.set(path, { path, fileId })
          else results.set(path, { path, error: file.lastError ?? `the store marked it ${file.status}`, orphanFileId: fileId })
        }
        catch (e) {
          results.set(path, { path, error: (e as Error).message, orphanFileId: fileId })
        }
      })))
      return
    }
    for (const { fileId, item } of uploaded) results.set(item.metadata.path, { path: item.metadata.path, fileId })
  }

  return provider
}

export default createOpenAIProvider
