import type { ProviderDefinition } from '../definition'
import type { ChunkingSettings } from '../shared/chunked'
import { openAIAccess } from '../openai/settings'
import { createGate } from '../in-flight'
import { gatedEmbedder } from '../postgres/embed'
import {
  PINECONE_LIMITS,
  pineconeFingerprint,
  pineconeMissing,
  resolvePineconeOptions,
  type PineconeSettings,
  type ResolvedPineconeOptions,
} from './options'

type PineconeOptions = PineconeSettings & Pick<ChunkingSettings, 'embed' | 'chunkSize' | 'chunkOverlap'>

/** The Pinecone provider as the registry lists it: its settings, checked, and a lazy create. */
export const pineconeDefinition: ProviderDefinition<PineconeOptions, ResolvedPineconeOptions> = {
  name: 'pinecone',
  limits: PINECONE_LIMITS,
  describe: 'a namespace of a Pinecone serverless index, searched by meaning (vectors from OpenAI embeddings)',
  // CI passes these as repository secrets; the CLI never prints their values.
  secrets: ['PINECONE_API_KEY', 'OPENAI_API_KEY'],
  keys: [
    'pineconeApiKey',
    'pineconeIndex',
    'pineconeNamespace',
    'pineconeControllerHost',
    'embed',
    'chunkSize',
    'chunkOverlap',
  ],
  // A hosted service with its own key: never taken by default.
  chosenByDefault: () => false,
  settings(input, problems) {
    const given = input.options as PineconeOptions
    // OpenAI embeddings (or any OpenAI-compatible server through its base URL) by default.
    const access = given.embed === undefined ? openAIAccess(input, problems) : {}
    try {
      return resolvePineconeOptions({ ...given, ...access }, input.env)
    } catch (error) {
      problems.push((error as Error).message)
      return resolvePineconeOptions({ embed: false }, {})
    }
  },
  fingerprint: pineconeFingerprint,
  missing: pineconeMissing,
  async create(s, { concurrency }) {
    const { createPineconeProvider } = await import('./provider')
    return createPineconeProvider({
      pineconeApiKey: s.apiKey,
      pineconeIndex: s.index,
      pineconeNamespace: s.namespace,
      pineconeControllerHost: s.controllerHost,
      // The one bound on embedding requests in flight, set once for the provider's life.
      embed: s.embed ? gatedEmbedder(s.embed, createGate(concurrency)) : false,
      chunkSize: s.chunkSize,
      chunkOverlap: s.chunkOverlap,
    })
  },
  createdNotice: (s, provider) =>
    `created namespace ${provider.storeId} in Pinecone index ${s.index}; search it with \`vectornator search "your question"\``,
  searchKind: () => 'by meaning (vectors in Pinecone)',
}
