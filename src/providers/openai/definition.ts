import type { ProviderDefinition } from '../definition'
import { OPENAI_LIMITS, openAIFingerprint } from '../openai-files'
import { OPENAI_DEFAULTS, openAIAccess, type OpenAISettings, type ResolvedOpenAISettings } from './settings'

/** The OpenAI provider as the registry lists it: its settings, checked, and a lazy create. */
export const openaiDefinition: ProviderDefinition<OpenAISettings, ResolvedOpenAISettings> = {
  name: 'openai',
  limits: OPENAI_LIMITS,
  keys: ['apiKey', 'baseURL', 'chunkingStrategy', 'processingTimeoutMs'],
  describe: 'an OpenAI vector store: hosted, searched by meaning (file search)',
  secrets: ['OPENAI_API_KEY'],
  chosenByDefault: ({ options, env }) => Boolean((options as OpenAISettings).apiKey ?? env.OPENAI_API_KEY),
  settings(input, problems) {
    const given = input.options as OpenAISettings
    const timeout = given.processingTimeoutMs
    if (timeout !== undefined && (!Number.isFinite(timeout) || timeout < 1))
      problems.push(`processingTimeoutMs must be a positive number of milliseconds, got ${JSON.stringify(timeout)}`)
    return {
      ...openAIAccess(input, problems),
      chunkingStrategy: given.chunkingStrategy,
      processingTimeoutMs: timeout ?? OPENAI_DEFAULTS.processingTimeoutMs,
    }
  },
  fingerprint: s => openAIFingerprint(s.chunkingStrategy),
  missing: s =>
    s.apiKey
      ? undefined
      : 'OPENAI_API_KEY is not set: export OPENAI_API_KEY=sk-... (or pass apiKey), or use --provider postgres for the embedded store',
  async create(s, { concurrency, logger }) {
    const { createOpenAIProvider } = await import('./index')
    return createOpenAIProvider({ ...s, concurrency, logger })
  },
  searchKind: () => "by meaning (the OpenAI vector store's own search)",
}
