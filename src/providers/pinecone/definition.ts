import type { ProviderDefinition } from '../definition'
import { CHUNK_KEYS, chunkingFor, settingsWithEmbedder, type ChunkOptions } from '../shared/embedder-choice'
import {
  PINECONE_LIMITS,
  pineconeFingerprint,
  pineconeMissing,
  resolvePineconeOptions,
  type PineconeSettings,
  type ResolvedPineconeOptions,
} from './options'

type PineconeOptions = PineconeSettings & ChunkOptions

/** The Pinecone provider as the registry lists it: its settings, checked, and a lazy create. */
export const pineconeDefinition: ProviderDefinition<PineconeOptions, ResolvedPineconeOptions> = {
  name: 'pinecone',
  limits: PINECONE_LIMITS,
  describe: 'a namespace of a Pinecone serverless index, searched by meaning (vectors from OpenAI embeddings)',
  // CI passes these as repository secrets; the CLI never prints their values.
  secrets: ['PINECONE_API_KEY', 'OPENAI_API_KEY'],
  keys: ['pineconeApiKey', 'pineconeIndex', 'pineconeNamespace', 'pineconeControllerHost', ...CHUNK_KEYS],
  // A hosted service with its own key: never taken by default.
  chosenByDefault: () => false,
  settings: settingsWithEmbedder(resolvePineconeOptions, () => resolvePineconeOptions({ embed: false }, {})),
  fingerprint: pineconeFingerprint,
  missing: pineconeMissing,
  async create(s, { concurrency }) {
    const { createPineconeProvider } = await import('./provider')
    return createPineconeProvider({
      pineconeApiKey: s.apiKey,
      pineconeIndex: s.index,
      pineconeNamespace: s.namespace,
      pineconeControllerHost: s.controllerHost,
      ...chunkingFor(s, concurrency),
    })
  },
  createdNotice: (s, provider) =>
    `created namespace ${provider.storeId} in Pinecone index ${s.index}; search it with \`vectornator search "your question"\``,
  searchKind: () => 'by meaning (vectors in Pinecone)',
}
