import type { ProviderLimits, VectorStoreProvider } from '../../providers/types'
import { providerDefinition, type ProviderDefinition, type ProviderSettings } from '../../providers/registry'
import type { ResolvedOptions } from '../options/options'
import { UsageError } from '../../lib/errors'

/* The provider a sync uses, as the core sees it: a definition from the registry, or the user's object. */

function definition(options: ResolvedOptions): ProviderDefinition {
  // Checked when the options were resolved: only a registered name gets here.
  return providerDefinition(options.providerName)!
}

export function providerSettings(options: ResolvedOptions): ProviderSettings {
  return {
    root: options.root,
    concurrency: options.concurrency,
    logger: options.logger,
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    chunkingStrategy: options.chunkingStrategy,
    processingTimeoutMs: options.processingTimeoutMs,
    connectionString: options.connectionString,
    embed: options.embed,
    chunkSize: options.chunkSize,
    chunkOverlap: options.chunkOverlap,
  }
}

/** Limits known without loading a provider's SDK (a sync with nothing to send never imports one). */
export function providerLimits(options: ResolvedOptions): ProviderLimits {
  return typeof options.provider === 'object' ? options.provider.limits : definition(options).limits
}

/** The settings that decide what the store keeps for a document (see the fingerprint). */
export function contentSettings(options: ResolvedOptions): Record<string, unknown> {
  if (typeof options.provider === 'object')
    return { provider: options.provider.name, ...(options.provider.fingerprint?.() ?? {}) }
  return definition(options).contentSettings(providerSettings(options))
}

/** Creates the provider the options name; its SDK is imported only now. */
export async function createProvider(options: ResolvedOptions): Promise<VectorStoreProvider> {
  if (typeof options.provider === 'object') return options.provider
  const found = definition(options)
  const settings = providerSettings(options)
  const problem = found.problem?.(settings)
  if (problem) throw new UsageError(problem)
  return found.create(settings)
}

/** What to tell the user once a store was created (where it lives, how to search it). */
export function createdNotice(options: ResolvedOptions, provider: VectorStoreProvider): string | undefined {
  return typeof options.provider === 'object'
    ? undefined
    : definition(options).createdNotice?.(providerSettings(options), provider)
}

/** Whether readers of the store must hold the state's lock (see ProviderDefinition.exclusive). */
export function storeIsExclusive(options: ResolvedOptions): boolean {
  return typeof options.provider === 'object'
    ? false
    : Boolean(definition(options).exclusive?.(providerSettings(options)))
}

/** Ends the use of a provider: disconnect, then cleanup; never throws (the outcome is known by then). */
export async function releaseProvider(provider: VectorStoreProvider | undefined): Promise<void> {
  if (!provider) return
  await provider.disconnect().catch(() => {})
  await provider.cleanup().catch(() => {})
}
