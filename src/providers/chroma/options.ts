import { UsageError } from '../../lib/errors'
import type { ProviderLimits } from '../types'
import {
  EMBEDDING_STORE_LIMITS,
  chunkingFingerprint,
  resolveChunking,
  type ChunkingSettings,
  type ResolvedChunking,
} from '../shared/chunked'

/** The Chroma provider's settings (the `chroma: {}` group of the options, or its flat keys). */
export interface ChromaSettings {
  /** The Chroma server. Default: env CHROMA_URL, else http://localhost:8000. */
  chromaUrl?: string
  /** Default: env CHROMA_TENANT, else the server's `default_tenant`. */
  tenant?: string
  /** Default: env CHROMA_DATABASE, else the server's `default_database`. */
  database?: string
  /** Name of the collection a new store gets. Default: the store name, made a valid collection name, plus a random suffix. */
  collection?: string
}

export type ChromaProviderOptions = ChromaSettings & ChunkingSettings

export interface ResolvedChromaOptions extends ResolvedChunking {
  url: string
  host: string
  port: number
  ssl: boolean
  tenant?: string
  database?: string
  collection?: string
}

/** A call's records go in requests of the server's own batch size. */
export const CHROMA_LIMITS: ProviderLimits = EMBEDDING_STORE_LIMITS

export const DEFAULT_CHROMA_URL = 'http://localhost:8000'

/** Chroma's collection names: 3 to 512 of [a-zA-Z0-9._-], starting and ending with a letter or digit. */
const COLLECTION_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{1,510})[a-zA-Z0-9]$/

export function resolveChromaOptions(
  options: ChromaProviderOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedChromaOptions {
  const url = options.chromaUrl ?? (env.CHROMA_URL || DEFAULT_CHROMA_URL)
  let parsed: URL
  try {
    parsed = new URL(url)
    if (!/^https?:$/.test(parsed.protocol)) throw new Error('not http')
  } catch {
    throw new UsageError(
      `chroma: ${options.chromaUrl !== undefined ? 'chromaUrl' : 'CHROMA_URL'} ${JSON.stringify(url)} is not an http(s) URL: give one like ${DEFAULT_CHROMA_URL}`,
    )
  }
  const collection = options.collection
  if (collection !== undefined && (!COLLECTION_NAME.test(collection) || collection.includes('..')))
    throw new UsageError(
      `chroma: collection ${JSON.stringify(collection)} is not a Chroma collection name: use 3 to 512 letters, digits, . _ or -, starting and ending with a letter or digit`,
    )
  const ssl = parsed.protocol === 'https:'
  return {
    ...resolveChunking('chroma', options),
    url: url.replace(/\/+$/, ''),
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : ssl ? 443 : 80,
    ssl,
    tenant: options.tenant ?? (env.CHROMA_TENANT || undefined),
    database: options.database ?? (env.CHROMA_DATABASE || undefined),
    collection,
  }
}

export function chromaFingerprint(resolved: ResolvedChromaOptions): Record<string, unknown> {
  return chunkingFingerprint('chroma', resolved)
}
