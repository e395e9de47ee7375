import type { ProviderDefinition } from '../definition'
import type { ChunkingSettings } from '../shared/chunked'
import { openAIAccess } from '../openai/settings'
import { createGate } from '../in-flight'
import { gatedEmbedder } from '../postgres/embed'
import {
  CHROMA_LIMITS,
  chromaFingerprint,
  resolveChromaOptions,
  type ChromaSettings,
  type ResolvedChromaOptions,
} from './options'

type ChromaOptions = ChromaSettings & Pick<ChunkingSettings, 'embed' | 'chunkSize' | 'chunkOverlap'>

/** The Chroma provider as the registry lists it: its settings, checked, and a lazy create. */
export const chromaDefinition: ProviderDefinition<ChromaOptions, ResolvedChromaOptions> = {
  name: 'chroma',
  limits: CHROMA_LIMITS,
  keys: ['chromaUrl', 'tenant', 'database', 'collection', 'embed', 'chunkSize', 'chunkOverlap'],
  describe: 'a collection on a Chroma server, searched by meaning (vectors from OpenAI embeddings)',
  // Chroma never embeds: the vectors come from OpenAI's embeddings unless the options pass `embed`.
  secrets: ['CHROMA_URL', 'OPENAI_API_KEY'],
  // A server must be named: never taken by default.
  chosenByDefault: () => false,
  settings(input, problems) {
    const given = input.options as ChromaOptions
    // OpenAI embeddings (or any OpenAI-compatible server through its base URL) by default.
    const access = given.embed === undefined ? openAIAccess(input, problems) : {}
    try {
      return resolveChromaOptions({ ...given, ...access }, input.env)
    } catch (error) {
      problems.push((error as Error).message)
      return resolveChromaOptions({}, {})
    }
  },
  fingerprint: chromaFingerprint,
  missing: s =>
    s.embed
      ? undefined
      : 'chroma: no embedder (Chroma stores the vectors this tool computes): export OPENAI_API_KEY=sk-... (OPENAI_BASE_URL for another OpenAI-compatible server), or pass embed',
  async create(s, { concurrency }) {
    const { createChromaProvider } = await import('./provider')
    return createChromaProvider({
      chromaUrl: s.url,
      tenant: s.tenant,
      database: s.database,
      collection: s.collection,
      // The one bound on embedding requests in flight, set once for the provider's life.
      embed: s.embed ? gatedEmbedder(s.embed, createGate(concurrency)) : false,
      chunkSize: s.chunkSize,
      chunkOverlap: s.chunkOverlap,
    })
  },
  createdNotice: (s, provider) =>
    `created Chroma collection ${provider.storeId} at ${s.url}; search it with \`vectornator search "your question"\``,
  searchKind: () => 'by meaning (vectors in Chroma)',
}
