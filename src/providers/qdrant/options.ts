import { UsageError } from '../../lib/errors'
import type { ProviderLimits } from '../types'
import {
  EMBEDDING_STORE_LIMITS,
  chunkingFingerprint,
  resolveChunking,
  type ChunkingSettings,
  type ResolvedChunking,
} from '../shared/chunked'

/** The Qdrant provider's settings (the `qdrant: {}` group of the options, or its flat keys). */
export interface QdrantSettings {
  /** The Qdrant server. Default: env QDRANT_URL, else http://localhost:6333. */
  qdrantUrl?: string
  /** Sent as the `api-key` header. Default: env QDRANT_API_KEY. Never printed. */
  qdrantApiKey?: string
  /** Name of the collection a new store gets. Default: the store name plus a random suffix. */
  collection?: string
}

export type QdrantProviderOptions = QdrantSettings & ChunkingSettings

export interface ResolvedQdrantOptions extends ResolvedChunking {
  url: string
  apiKey?: string
  collection?: string
}

/** A call's points go in requests of at most UPSERT_POINTS / UPSERT_BYTES. */
export const QDRANT_LIMITS: ProviderLimits = EMBEDDING_STORE_LIMITS

export const DEFAULT_QDRANT_URL = 'http://localhost:6333'

/** Points per upsert request. */
export const UPSERT_POINTS = 256
/**
 * Bytes of JSON per upsert request, weighed at the most a vector can take (vectorJsonBytes): half
 * Qdrant's default 32 MiB request limit, so UPSERT_POINTS of 1,536 dimensions fit.
 */
export const UPSERT_BYTES = 16 * 1024 * 1024

/** What Qdrant refuses in a collection name (it becomes a folder on the server). */
const BAD_NAME = /[<>:"/\\|?*\0]/

export function resolveQdrantOptions(
  options: QdrantProviderOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedQdrantOptions {
  const url = options.qdrantUrl ?? (env.QDRANT_URL || DEFAULT_QDRANT_URL)
  try {
    if (!/^https?:$/.test(new URL(url).protocol)) throw new Error('not http')
  } catch {
    throw new UsageError(
      `qdrant: ${options.qdrantUrl !== undefined ? 'qdrantUrl' : 'QDRANT_URL'} ${JSON.stringify(url)} is not an http(s) URL: give one like ${DEFAULT_QDRANT_URL}`,
    )
  }
  const apiKey = options.qdrantApiKey ?? (env.QDRANT_API_KEY || undefined)
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey.trim() === ''))
    throw new UsageError('qdrant: qdrantApiKey is empty: give the key, or leave it out for a server without one')
  const collection = options.collection
  if (collection !== undefined && (collection.length < 1 || collection.length > 255 || BAD_NAME.test(collection)))
    throw new UsageError(
      `qdrant: collection ${JSON.stringify(collection)} is not a Qdrant collection name: use 1 to 255 characters, none of < > : " / \\ | ? *`,
    )
  return {
    ...resolveChunking('qdrant', options),
    url: url.replace(/\/+$/, ''),
    apiKey,
    collection,
  }
}

// Bumped when what is written for a chunk (payload keys, point ids) changes.
const POINTS_VERSION = 1

export function qdrantFingerprint(resolved: ResolvedQdrantOptions): Record<string, unknown> {
  return { ...chunkingFingerprint('qdrant', resolved), points: POINTS_VERSION }
}
