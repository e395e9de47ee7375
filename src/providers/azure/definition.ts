import type { ProviderDefinition } from '../definition'
import { openAIFingerprint } from '../openai-files'
import { OPENAI_DEFAULTS } from '../openai/settings'
import { AZURE_LIMITS, azureSettings, type AzureSettings, type ResolvedAzureSettings } from './settings'

/** Azure OpenAI as the registry lists it: its settings, checked, and a lazy create. */
export const azureDefinition: ProviderDefinition<AzureSettings, ResolvedAzureSettings> = {
  name: 'azure',
  limits: AZURE_LIMITS,
  describe: 'Azure OpenAI vector stores (the v1 endpoint, or a dated api-version), searched by meaning',
  // CI passes these as repository secrets; the CLI never prints their values.
  secrets: ['AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_AD_TOKEN'],
  keys: [
    'azureEndpoint',
    'azureApiKey',
    'azureADTokenProvider',
    'apiVersion',
    'chunkingStrategy',
    'processingTimeoutMs',
  ],
  // Only when named: an Azure key in the environment is no sign the user wants its store.
  chosenByDefault: () => false,
  settings(input, problems) {
    const given = input.options as AzureSettings
    const timeout = given.processingTimeoutMs
    if (timeout !== undefined && (!Number.isFinite(timeout) || timeout < 1))
      problems.push(`processingTimeoutMs must be a positive number of milliseconds, got ${JSON.stringify(timeout)}`)
    return {
      ...azureSettings(input, problems),
      chunkingStrategy: given.chunkingStrategy,
      processingTimeoutMs: timeout ?? OPENAI_DEFAULTS.processingTimeoutMs,
    }
  },
  fingerprint: s => openAIFingerprint(s.chunkingStrategy),
  missing(s) {
    if (!s.endpoint)
      return 'AZURE_OPENAI_ENDPOINT is not set: export AZURE_OPENAI_ENDPOINT=https://<resource>.openai.azure.com (or pass azureEndpoint)'
    if (s.credential.kind === 'none')
      return 'AZURE_OPENAI_API_KEY is not set: export AZURE_OPENAI_API_KEY=<key> (or pass azureApiKey), or give a Microsoft Entra ID token (azureADTokenProvider, or AZURE_OPENAI_AD_TOKEN)'
    return undefined
  },
  async create(s, { concurrency, logger }) {
    const { createAzureProvider } = await import('./index')
    return createAzureProvider({ ...s, endpoint: s.endpoint!, concurrency, logger })
  },
  searchKind: () => "by meaning (the Azure OpenAI vector store's own search)",
}
