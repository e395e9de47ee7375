import { createOpenAIProvider, type OpenAIProviderOptions } from '../openai'
import type { ProviderLimits, VectorStoreProvider } from '../types'
import { azureClient } from './client'
import { AZURE_LIMITS, type AzureCredential } from './settings'

export interface AzureProviderOptions extends Omit<OpenAIProviderOptions, 'apiKey' | 'baseURL' | 'client' | 'service'> {
  /** `https://<resource>.openai.azure.com`, without `/openai`. */
  endpoint: string
  credential: AzureCredential
  /** A dated api-version; undefined for the v1 API. */
  apiVersion?: string
  /** Default AZURE_LIMITS (a smaller `maxStoreFiles`, say, for a store kept below Azure's own). */
  limits?: ProviderLimits
}

/**
 * Azure OpenAI vector stores: the OpenAI provider, all of it (pacing, retries, batches, polls),
 * on a client for the Azure resource, under Azure's name and limits.
 */
export function createAzureProvider({
  endpoint,
  credential,
  apiVersion,
  limits,
  ...options
}: AzureProviderOptions): VectorStoreProvider {
  return createOpenAIProvider({
    ...options,
    service: {
      name: 'azure',
      limits: limits ?? AZURE_LIMITS,
      addressSetting: 'AZURE_OPENAI_ENDPOINT or the azureEndpoint option',
      client: base => azureClient({ endpoint, credential, apiVersion }, base),
    },
  })
}

export { AZURE_LIMITS } from './settings'
export type { AzureCredential } from './settings'
export default createAzureProvider
