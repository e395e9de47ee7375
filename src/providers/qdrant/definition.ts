import type { ProviderDefinition } from '../definition'
import { CHUNK_KEYS, chunkingFor, noEmbedder, settingsWithEmbedder, type ChunkOptions } from '../shared/embedder-choice'
import {
  QDRANT_LIMITS,
  qdrantFingerprint,
  resolveQdrantOptions,
  type QdrantSettings,
  type ResolvedQdrantOptions,
} from './options'

type QdrantOptions = QdrantSettings & ChunkOptions

/** The Qdrant provider as the registry lists it: its settings, checked, and a lazy create. */
export const qdrantDefinition: ProviderDefinition<QdrantOptions, ResolvedQdrantOptions> = {
  name: 'qdrant',
  limits: QDRANT_LIMITS,
  keys: ['qdrantUrl', 'qdrantApiKey', 'collection', ...CHUNK_KEYS],
  describe: 'a collection on a Qdrant server, searched by meaning (vectors from OpenAI embeddings)',
  // CI passes these as repository secrets; the CLI never prints their values.
  secrets: ['QDRANT_URL', 'QDRANT_API_KEY', 'OPENAI_API_KEY'],
  // A server must be named: never taken by default.
  chosenByDefault: () => false,
  settings: settingsWithEmbedder(resolveQdrantOptions, () => resolveQdrantOptions({}, {})),
  // The server and its key decide where documents go, not what is kept for each.
  fingerprint: qdrantFingerprint,
  missing: s => (s.embed ? undefined : noEmbedder('qdrant', 'Qdrant')),
  async create(s, { concurrency }) {
    const { createQdrantProvider } = await import('./provider')
    return createQdrantProvider({
      qdrantUrl: s.url,
      qdrantApiKey: s.apiKey,
      collection: s.collection,
      ...chunkingFor(s, concurrency),
    })
  },
  createdNotice: (s, provider) =>
    `created Qdrant collection ${provider.storeId} at ${s.url}; search it with \`vectornator search "your question"\``,
  searchKind: () => 'by meaning only (cosine vectors in Qdrant, no keyword ranking)',
}
