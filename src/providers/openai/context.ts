import type OpenAI from 'openai'
import type { Logger } from '../../lib/logger'
import type { Attributes, FileMetadata, ProviderLimits, RemoteFile } from '../types'
import type { Fetch } from './pacing'
import type { OpenAISettings } from './settings'

/** The provider's settings (definition.ts has their defaults), and what a caller adds to them. */
export interface OpenAIProviderOptions extends OpenAISettings {
  /**
   * Most HTTP requests in flight to the API at once, whatever they are for (uploads, attaches,
   * polls, deletes, listings) and whichever call made them. Default 8. Not applied to `client`.
   */
  concurrency?: number
  /** The SDK's own retries of 429, 5xx and dropped connections. Default 5 (retry.ts has the whole policy). */
  maxRetries?: number
  /** Poll interval; default the server's `openai-poll-after-ms`, else our schedule (poll.ts). */
  pollIntervalMs?: number
  logger?: Logger
  /**
   * An existing client (tests, proxies); the options above that configure one are then ignored,
   * and its requests are bounded by `concurrency` only where the client's own fetch bounds them.
   */
  client?: OpenAI
  /** Another service speaking the same API (Azure OpenAI); default OpenAI itself. */
  service?: OpenAIService
}

/**
 * A service that speaks the OpenAI API under its own name, limits and authentication: this
 * provider's whole implementation runs on the client it makes.
 */
export interface OpenAIService {
  name: string
  limits: ProviderLimits
  /** What to check when nothing answers at the address (refused.ts): `AZURE_OPENAI_ENDPOINT`. */
  addressSetting: string
  /** The SDK client, sending through `fetch` (paced, bounded and retried here) with these retries and logger. */
  client(base: { fetch: Fetch; maxRetries: number; logger: OpenAI['logger'] }): OpenAI
}

/** What the parts of the provider share: the client, the store in use and the settings. */
export interface OpenAIContext {
  client: OpenAI
  options: OpenAIProviderOptions
  /** The store in use; throws when none is selected yet. */
  store: () => string
  /** The bound on requests in flight (options.concurrency, resolved). */
  concurrency: number
  /** Attempts at one upload, made with the SDK's retries off (retry.ts). */
  uploadAttempts: number
  timeoutMs: number
  logger?: Logger
}

export type VSFile = OpenAI.VectorStores.VectorStoreFile

/** What an attach sends for a document besides its file id. */
export function attachSpec(ctx: OpenAIContext, metadata: FileMetadata) {
  return {
    attributes: metadata.attributes,
    ...(ctx.options.chunkingStrategy ? { chunking_strategy: ctx.options.chunkingStrategy as never } : {}),
  }
}

export function toRemote(file: VSFile): RemoteFile {
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
