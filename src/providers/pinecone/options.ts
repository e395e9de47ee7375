import { UsageError } from '../../lib/errors'
import type { ProviderLimits } from '../types'
import {
  EMBEDDING_STORE_LIMITS,
  chunkingFingerprint,
  resolveChunking,
  type ChunkingSettings,
  type ResolvedChunking,
} from '../shared/chunked'
import { noEmbedder } from '../shared/embedder-choice'

/** The Pinecone provider's settings (the `pinecone: {}` group of the options, or its flat keys). */
export interface PineconeSettings {
  /** Default: env PINECONE_API_KEY. Sent as the `Api-Key` header, never printed. */
  pineconeApiKey?: string
  /** The index (a dense index this tool fills with its own vectors). Default: env PINECONE_INDEX. */
  pineconeIndex?: string
  /** Namespace a new store gets. Default: the store name, made a namespace name, plus a random suffix. */
  pineconeNamespace?: string
  /** Pinecone's control plane. Default: env PINECONE_CONTROLLER_HOST, else https://api.pinecone.io. */
  pineconeControllerHost?: string
}

export type PineconeProviderOptions = PineconeSettings & ChunkingSettings

export interface ResolvedPineconeOptions extends ResolvedChunking {
  apiKey?: string
  index?: string
  namespace?: string
  controllerHost?: string
}

/** A call's records go in upserts of at most 1000 records and 2 MB. */
export const PINECONE_LIMITS: ProviderLimits = EMBEDDING_STORE_LIMITS

/**
 * A chunk's text is kept in its metadata, which Pinecone caps at 40 KB a record: a chunk this long
 * (in characters, up to 4 bytes each in UTF-8, beside the attributes) would not fit.
 */
export const MAX_CHUNK_SIZE = 8000

/** Pinecone's index names: 1 to 45 lower-case letters, digits or hyphens, not starting or ending with a hyphen. */
const INDEX_NAME = /^[a-z0-9](?:[a-z0-9-]{0,43}[a-z0-9])?$/

export function resolvePineconeOptions(
  options: PineconeProviderOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedPineconeOptions {
  const chunking = resolveChunking('pinecone', options)
  if (chunking.chunkSize > MAX_CHUNK_SIZE)
    throw new UsageError(
      `pinecone: chunkSize ${chunking.chunkSize} would not fit Pinecone's 40 KB of metadata a record (the chunk's text is kept there): use at most ${MAX_CHUNK_SIZE}`,
    )
  const index = options.pineconeIndex ?? (env.PINECONE_INDEX || undefined)
  if (index !== undefined && !INDEX_NAME.test(index))
    throw new UsageError(
      `pinecone: ${options.pineconeIndex !== undefined ? 'pineconeIndex' : 'PINECONE_INDEX'} ${JSON.stringify(index)} is not a Pinecone index name: use 1 to 45 lower-case letters, digits or hyphens`,
    )
  const namespace = options.pineconeNamespace
  if (namespace !== undefined && (namespace.length === 0 || namespace.length > 512 || /\s/.test(namespace)))
    throw new UsageError(
      `pinecone: pineconeNamespace ${JSON.stringify(namespace)} is not usable: give 1 to 512 characters without spaces`,
    )
  const controllerHost = options.pineconeControllerHost ?? (env.PINECONE_CONTROLLER_HOST || undefined)
  if (controllerHost !== undefined && !/^https?:\/\/[^/\s]+/.test(controllerHost))
    throw new UsageError(
      `pinecone: ${options.pineconeControllerHost !== undefined ? 'pineconeControllerHost' : 'PINECONE_CONTROLLER_HOST'} ${JSON.stringify(controllerHost)} is not an http(s) URL: give one like https://api.pinecone.io`,
    )
  return {
    ...chunking,
    apiKey: options.pineconeApiKey ?? (env.PINECONE_API_KEY || undefined),
    index,
    namespace,
    controllerHost: controllerHost?.replace(/\/+$/, ''),
  }
}

export function pineconeFingerprint(resolved: ResolvedPineconeOptions): Record<string, unknown> {
  return chunkingFingerprint('pinecone', resolved)
}

/** Why the provider cannot run, naming what to set; undefined when it can. */
export function pineconeMissing(s: ResolvedPineconeOptions): string | undefined {
  if (!s.apiKey)
    return 'pinecone: no API key: export PINECONE_API_KEY=... (Pinecone console, API keys), or pass pineconeApiKey'
  if (!s.index)
    return "pinecone: no index: export PINECONE_INDEX=<name of a dense serverless index whose dimension is the embedder's>, or pass pineconeIndex"
  if (!s.embed) return noEmbedder('pinecone', 'Pinecone')
  return undefined
}
