import type { ProviderLimits, VectorStoreProvider } from '../providers/types'
import type { ResolvedOptions } from './options'
import { UsageError } from './errors'
import { OPENAI_LIMITS } from '../providers/openai-files'

/** Limits known without loading a provider's SDK (a sync with nothing to send never imports one). */
export const POSTGRES_LIMITS: ProviderLimits = {
  maxFileBytes: 10 * 1024 * 1024,
  maxAttributes: 16,
  maxAttributeKeyLength: 64,
  maxAttributeValueLength: 512,
  maxBatchFiles: 100,
}

export function providerLimits(options: ResolvedOptions): ProviderLimits {
  if (typeof options.provider === 'object') return options.provider.limits
  return options.provider === 'openai' ? OPENAI_LIMITS : POSTGRES_LIMITS
}

/** The settings that decide what the store keeps for a document (see the fingerprint). */
export function contentSettings(options: ResolvedOptions): Record<string, unknown> {
  if (typeof options.provider === 'object')
    return { provider: options.provider.name, ...(options.provider.fingerprint?.() ?? {}) }
  if (options.provider === 'openai')
    return { provider: 'openai', textConversion: 1, chunkingStrategy: options.chunkingStrategy ?? 'auto' }
  const embed = options.embed
  return {
    provider: 'postgres',
    chunkSize: options.chunkSize ?? 1500,
    chunkOverlap: options.chunkOverlap ?? 200,
    embedder: embed === false ? 'none' : embed ? (embed.id ?? 'custom') : (options.apiKey ? 'openai:text-embedding-3-small' : 'none'),
  }
}

/** Creates the provider the options name; its SDK is imported only now. */
export async function createProvider(options: ResolvedOptions): Promise<VectorStoreProvider> {
  if (typeof options.provider === 'object') return options.provider
  if (options.provider === 'openai') {
    if (!options.apiKey)
      throw new UsageError('OPENAI_API_KEY is not set: export OPENAI_API_KEY=sk-... (or pass apiKey), or use --provider postgres for the embedded store')
    const { createOpenAIProvider } = await import('../providers/openai')
    return createOpenAIProvider({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      chunkingStrategy: options.chunkingStrategy,
      processingTimeoutMs: options.processingTimeoutMs,
      concurrency: options.concurrency,
      logger: options.logger,
    })
  }
  const { createPostgresProvider, createOpenAIEmbedder } = await import('../providers/postgres')
  const embed = options.embed !== undefined
    ? options.embed
    : options.apiKey ? createOpenAIEmbedder({ apiKey: options.apiKey, baseURL: options.baseURL }) : false
  return createPostgresProvider({
    connectionString: options.connectionString,
    root: options.root,
    embed,
    chunkSize: options.chunkSize,
    chunkOverlap: options.chunkOverlap,
  })
}
