import type { ProviderDefinition } from '../definition'
import type { ChunkingSettings } from '../shared/chunked'
import { openAIAccess } from '../openai/settings'
import { createGate } from '../in-flight'
import { gatedEmbedder } from '../postgres/embed'
import {
  QDRANT_LIMITS,
  qdrantFingerprint,
  resolveQdrantOptions,
  type QdrantSettings,
  type ResolvedQdrantOptions,
} from './options'

type QdrantOptions = QdrantSettings & Pick<ChunkingSettings, 'embed' | 'chunkSize' | 'chunkOverlap'>

/** The Qdrant provider as the registry lists it: its settings, checked, and a lazy create. */
export const qdrantDefinition: ProviderDefinition<QdrantOptions, ResolvedQdrantOptions> = {
  name: 'qdrant',
  limits: QDRANT_LIMITS,
  keys: ['qdrantUrl', 'qdrantApiKey', 'collection', 'embed', 'chunkSize', 'chunkOverlap'],
  describe: 'a collection on a Qdrant server, searched by meaning (vectors from OpenAI embeddings)',
  // CI passes these as repository secrets; the CLI never prints their values.
  secrets: ['QDRANT_URL', 'QDRANT_API_KEY', 'OPENAI_API_KEY'],
  // A server must be named: never taken by default.
  chosenByDefault: () => false,
  settings(input, problems) {
    const given = input.options as QdrantOptions
    // OpenAI embeddings (or any OpenAI-compatible server through its base URL) by default.
    const access = given.embed === undefined ? openAIAccess(input, problems) : {}
    try {
      return resolveQdrantOptions({ ...given, ...access }, input.env)
    } catch (error) {
      problems.push((error as Error).message)
      return resolveQdrantOptions({}, {})
    }
  },
  // The server and its key decide where documents go, not what is kept for each.
  fingerprint: qdrantFingerprint,
  missing: s =>
    s.embed
      ? undefined
      : 'qdrant: no embedder (Qdrant stores the vectors this tool computes): export OPENAI_API_KEY=sk-... (OPENAI_BASE_URL for another OpenAI-compatible server), or pass embed',
  async create(s, { concurrency }) {
    const { createQdrantProvider } = await import('./provider')
    return createQdrantProvider({
      qdrantUrl: s.url,
      qdrantApiKey: s.apiKey,
      collection: s.collection,
      // The one bound on embedding requests in flight, set once for the provider's life.
      embed: s.embed ? gatedEmbedder(s.embed, createGate(concurrency)) : false,
      chunkSize: s.chunkSize,
      chunkOverlap: s.chunkOverlap,
    })
  },
  createdNotice: (s, provider) =>
    `created Qdrant collection ${provider.storeId} at ${s.url}; search it with \`vectornator search "your question"\``,
  searchKind: () => 'by meaning only (cosine vectors in Qdrant, no keyword ranking)',
}
