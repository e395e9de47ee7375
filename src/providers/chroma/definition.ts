import type { ProviderDefinition } from '../definition'
import { CHUNK_KEYS, chunkingFor, noEmbedder, settingsWithEmbedder, type ChunkOptions } from '../shared/embedder-choice'
import {
  CHROMA_LIMITS,
  chromaFingerprint,
  resolveChromaOptions,
  type ChromaSettings,
  type ResolvedChromaOptions,
} from './options'

type ChromaOptions = ChromaSettings & ChunkOptions

/** The Chroma provider as the registry lists it: its settings, checked, and a lazy create. */
export const chromaDefinition: ProviderDefinition<ChromaOptions, ResolvedChromaOptions> = {
  name: 'chroma',
  limits: CHROMA_LIMITS,
  keys: ['chromaUrl', 'tenant', 'database', 'collection', ...CHUNK_KEYS],
  describe: 'a collection on a Chroma server, searched by meaning (vectors from OpenAI embeddings)',
  // Chroma never embeds: the vectors come from OpenAI's embeddings unless the options pass `embed`.
  secrets: ['CHROMA_URL', 'OPENAI_API_KEY'],
  // A server must be named: never taken by default.
  chosenByDefault: () => false,
  settings: settingsWithEmbedder(resolveChromaOptions, () => resolveChromaOptions({}, {})),
  fingerprint: chromaFingerprint,
  missing: s => (s.embed ? undefined : noEmbedder('chroma', 'Chroma')),
  async create(s, { concurrency }) {
    const { createChromaProvider } = await import('./provider')
    return createChromaProvider({
      chromaUrl: s.url,
      tenant: s.tenant,
      database: s.database,
      collection: s.collection,
      ...chunkingFor(s, concurrency),
    })
  },
  createdNotice: (s, provider) =>
    `created Chroma collection ${provider.storeId} at ${s.url}; search it with \`vectornator search "your question"\``,
  searchKind: () => 'by meaning (vectors in Chroma)',
}
