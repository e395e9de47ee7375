import type { ProviderLimits, VectorStoreProvider } from '../../providers/types'
import type { ResolvedOptions } from '../options/options'

/**
 * The provider a sync uses, as the core sees it: the one the options resolved (a registered
 * definition with its settings, or the user's object); the core never looks inside it.
 */

/** Limits known without loading a provider's SDK (a sync with nothing to send never imports one). */
export function providerLimits(options: ResolvedOptions): ProviderLimits {
  return options.provider.limits
}

/** The settings that decide what the store keeps for a document (see the fingerprint). */
export function contentSettings(options: ResolvedOptions): Record<string, unknown> {
  return options.provider.fingerprint
}

/** Creates the provider the options name; its SDK is imported only now. */
export function createProvider(options: ResolvedOptions): Promise<VectorStoreProvider> {
  return options.provider.create({ concurrency: options.concurrency, logger: options.logger })
}

/** What to tell the user once a store was created (where it lives, how to search it). */
export function createdNotice(options: ResolvedOptions, provider: VectorStoreProvider): string | undefined {
  return options.provider.createdNotice(provider)
}

/** Whether readers of the store must hold the state's lock (see ProviderDefinition.exclusive). */
export function storeIsExclusive(options: ResolvedOptions): boolean {
  return options.provider.exclusive
}

/** Ends the use of a provider: disconnect, then cleanup; never throws (the outcome is known by then). */
export async function releaseProvider(provider: VectorStoreProvider | undefined): Promise<void> {
  if (!provider) return
  await provider.disconnect().catch(() => {})
  await provider.cleanup().catch(() => {})
}
