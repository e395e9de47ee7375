import type { ProviderLimits, VectorStoreProvider } from '../../providers/types'
import type { ResolvedOptions } from '../options/options'
import { UsageError } from '../../lib/errors'
import { OPENAI_LIMITS, openAIFingerprint } from '../../providers/openai-files'
import { postgresFingerprint, resolvePostgresOptions, type PostgresProviderOptions } from '../../providers/postgres/options'
import { POSTGRES_LIMITS } from '../../providers/postgres/documents'
import { createOpenAIEmbedder } from '../../providers/postgres/embed'

/** Limits known without loading a provider's SDK (a sync with nothing to send never imports one). */
export function providerLimits(options: ResolvedOptions): ProviderLimits {
  if (typeof options.provider === 'object') return options.provider.limits
  return options.provider === 'openai' ? OPENAI_LIMITS : POSTGRES_LIMITS
}

/**
 * The postgres provider's options as the core sets them: the embedder defaults to OpenAI
 * embeddings when an API key is there. One place, so the fingerprint and the provider agree.
 */
function postgresOptions(options: ResolvedOptions): PostgresProviderOptions {
  const embed = options.embed !== undefined
    ? options.embed
    : options.apiKey ? createOpenAIEmbedder({ apiKey: options.apiKey, baseURL: options.baseURL }) : false
  return {
    connectionString: options.connectionString,
    root: options.root,
    embed,
    chunkSize: options.chunkSize,
    chunkOverlap: options.chunkOverlap,
  }
}

/** The settings that decide what the store keeps for a document (see the fingerprint). */
export function contentSettings(options: ResolvedOptions): Record<string, unknown> {
  if (typeof options.provider === 'object')
    return { provider: options.provider.name, ...(options.provider.fingerprint?.() ?? {}) }
  if (options.provider === 'openai') return { provider: 'openai', ...openAIFingerprint(options.chunkingStrategy) }
  return postgresFingerprint(resolvePostgresOptions(postgresOptions(options)))
}

/** Creates the provider the options name; its SDK is imported only now. */
export async function createProvider(options: ResolvedOptions): Promise<VectorStoreProvider> {
  if (typeof options.provider === 'object') return options.provider
  if (options.provider === 'openai') {
    if (!options.apiKey)
      throw new UsageError('OPENAI_API_KEY is not set: export OPENAI_API_KEY=sk-... (or pass apiKey), or use --provider postgres for the embedded store')
    const { createOpenAIProvider } = await import('../../providers/openai')
    return createOpenAIProvider({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      chunkingStrategy: options.chunkingStrategy,
      processingTimeoutMs: options.processingTimeoutMs,
      concurrency: options.concurrency,
      logger: options.logger,
    })
  }
  const { createPostgresProvider } = await import('../../providers/postgres')
  return createPostgresProvider(postgresOptions(options))
}
