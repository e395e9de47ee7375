/**
 * What the stores that hold chunks (Chroma, LanceDB, Qdrant, Pinecone) share with the postgres
 * provider: the same chunker, the same embedder, the same checks on a document and its attributes,
 * so one state and one set of documents behave alike on each. A document becomes chunks here;
 * where they go is the provider's business.
 */
import { randomUUID } from 'node:crypto'
import { UsageError } from '../../lib/errors'
import type { Embedder, FileMetadata, ProviderLimits, UploadResult } from '../types'
import { chunkText, DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE, type Chunk } from '../postgres/chunk'
import { checkAttributes, POSTGRES_LIMITS, RefusedError, withIdentity } from '../postgres/documents'
import { embedTexts } from '../postgres/embed'
import { createOpenAIEmbedder } from '../embedders/openai'
import { CHUNKER_VERSION } from '../postgres/options'

export { RefusedError }

/** The settings every chunk store reads (the same keys as the postgres provider's). */
export interface ChunkingSettings {
  /** Default: OpenAI embeddings when `apiKey` is set. */
  embed?: Embedder | false
  chunkSize?: number
  chunkOverlap?: number
  apiKey?: string
  baseURL?: string
}

export interface ResolvedChunking {
  embed?: Embedder
  chunkSize: number
  chunkOverlap: number
}

/** Validates the chunking settings; throws one UsageError naming the field and the fix. */
export function resolveChunking(provider: string, settings: ChunkingSettings): ResolvedChunking {
  const integer = (field: string, value: number | undefined, fallback: number, min: number) => {
    if (value === undefined) return fallback
    if (!Number.isInteger(value) || value < min)
      throw new UsageError(`${provider}: ${field} must be an integer of at least ${min}, got ${value}`)
    return value
  }
  const chunkSize = integer('chunkSize', settings.chunkSize, DEFAULT_CHUNK_SIZE, 100)
  const chunkOverlap = integer(
    'chunkOverlap',
    settings.chunkOverlap,
    Math.min(DEFAULT_CHUNK_OVERLAP, Math.floor(chunkSize / 4)),
    0,
  )
  if (chunkOverlap >= chunkSize / 2)
    throw new UsageError(
      `${provider}: chunkOverlap (${chunkOverlap}) must be less than half of chunkSize (${chunkSize}): lower chunkOverlap`,
    )
  const embed =
    settings.embed !== undefined
      ? settings.embed || undefined
      : settings.apiKey
        ? createOpenAIEmbedder({ apiKey: settings.apiKey, baseURL: settings.baseURL })
        : undefined
  if (embed !== undefined && typeof embed !== 'function')
    throw new UsageError(`${provider}: embed must be a function (texts: string[]) => Promise<number[][]>, or false`)
  return { embed, chunkSize, chunkOverlap }
}

/** What decides the chunks and vectors kept for a document: when it changes, every document is re-indexed. */
export function chunkingFingerprint(provider: string, resolved: ResolvedChunking): Record<string, unknown> {
  return {
    provider,
    chunker: CHUNKER_VERSION,
    chunkSize: resolved.chunkSize,
    chunkOverlap: resolved.chunkOverlap,
    embedder: resolved.embed ? (resolved.embed.id ?? 'custom') : 'none',
    dimensions: resolved.embed?.dimensions ?? null,
  }
}

/** Attribute limits: OpenAI's, so one state works with every provider. */
export const CHUNK_STORE_LIMITS = POSTGRES_LIMITS

/** Texts in one embeddings request at most (the OpenAI API's limit). */
export const EMBEDDING_REQUEST_TEXTS = 2048

/**
 * The limits of Chroma, LanceDB, Qdrant and Pinecone: as many documents a call as one embeddings
 * request takes texts, so a first sync's chunks go in full requests (the core's 32 MB a call
 * bounds memory); each writes a call's records in requests of its store's own sizes.
 */
export const EMBEDDING_STORE_LIMITS: ProviderLimits = { ...CHUNK_STORE_LIMITS, maxBatchFiles: EMBEDDING_REQUEST_TEXTS }

export interface ChunkedDocument {
  fileId: string
  path: string
  sha256?: string
  /** Every attribute, `path` and `sha256` included. */
  attributes: Record<string, string | number | boolean>
  bytes: number
  /** At least one: a document whose text makes no chunk is kept as one chunk of its title or path. */
  chunks: Chunk[]
  /** One per chunk, once embedded. */
  vectors?: number[][]
}

/**
 * A new document id: the last 24 hex digits of a random UUID (90 random bits). randomUUID draws from a
 * cached pool of entropy; a randomBytes call each cost a first sync of 2,000 pages about 18 ms.
 */
export const newFileId = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '').slice(-24)}`

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Checks and chunks one document; throws RefusedError with the reason the caller will show. */
export function prepareChunks(
  metadata: FileMetadata,
  content: Buffer,
  chunking: ResolvedChunking,
  fileId: string,
  extraCheck?: (attributes: ChunkedDocument['attributes']) => string | undefined,
): ChunkedDocument {
  const limit = CHUNK_STORE_LIMITS.maxFileBytes
  if (content.length > limit)
    throw new RefusedError(`File is too large: ${content.length} bytes, the limit is ${limit}.`)
  if (content.includes(0)) throw new RefusedError('File is binary: only UTF-8 text documents can be indexed.')
  let text: string
  try {
    text = utf8.decode(content)
  } catch {
    throw new RefusedError('File is not valid UTF-8: only UTF-8 text documents can be indexed.')
  }
  if (text.trim() === '') throw new RefusedError('File is empty.')
  const attributes = withIdentity(metadata)
  const problem = checkAttributes(attributes) ?? extraCheck?.(attributes)
  if (problem) throw new RefusedError(problem)
  const path = typeof attributes.path === 'string' ? attributes.path : metadata.path
  const chunks = chunkText(text, { path, size: chunking.chunkSize, overlap: chunking.chunkOverlap })
  // A store of chunks has no row for a document apart from them: one chunk keeps it listed.
  if (chunks.length === 0) chunks.push({ text: typeof attributes.title === 'string' ? attributes.title : path })
  return {
    fileId,
    path,
    sha256: typeof attributes.sha256 === 'string' ? attributes.sha256 : metadata.sha256,
    attributes,
    bytes: content.length,
    chunks,
  }
}

/** Embeds the chunks of the documents that have no vectors yet, in requests of up to `batchSize` texts. */
export async function embedChunks(
  embed: Embedder,
  docs: ChunkedDocument[],
  batchSize = EMBEDDING_REQUEST_TEXTS,
): Promise<void> {
  const missing = docs.filter(d => !d.vectors)
  if (missing.length === 0) return
  const vectors = await embedTexts(
    embed,
    missing.flatMap(d => d.chunks.map(c => c.text)),
    batchSize,
  )
  let at = 0
  for (const doc of missing) {
    doc.vectors = vectors.slice(at, at + doc.chunks.length)
    at += doc.chunks.length
  }
}

/** A document's attributes for a re-tag, `path` and `sha256` included; throws the first problem with them. */
export function checkedAttributes(
  metadata: FileMetadata,
  extraCheck?: (attributes: ChunkedDocument['attributes']) => string | undefined,
): ChunkedDocument['attributes'] {
  const attributes = withIdentity(metadata)
  const problem = checkAttributes(attributes) ?? extraCheck?.(attributes)
  if (problem) throw new Error(problem)
  return attributes
}

/** The id an upload produced, or its error thrown (uploadFile and updateFile settle one item). */
export function settledId(provider: string, results: UploadResult[]): string {
  const [result] = results
  if (result?.fileId) return result.fileId
  throw new Error(result?.error ?? `${provider}: the document was not stored`)
}
