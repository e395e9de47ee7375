import type { Logger } from '../../lib/logger'
import type { VectorStoreProvider } from '../types'
import type { ChunkingSettings } from '../shared/chunked'
import {
  CHROMA_LIMITS,
  chromaFingerprint,
  resolveChromaOptions,
  type ChromaProviderOptions,
  type ChromaSettings,
} from './options'

/** What the registry hands a definition (a subset of its ProviderSettings). */
interface Settings extends ChromaSettings, ChunkingSettings {
  root: string
  concurrency: number
  logger: Logger
}

const options = (s: Settings): ChromaProviderOptions => ({
  chromaUrl: s.chromaUrl,
  tenant: s.tenant,
  database: s.database,
  collection: s.collection,
  embed: s.embed,
  chunkSize: s.chunkSize,
  chunkOverlap: s.chunkOverlap,
  apiKey: s.apiKey,
  baseURL: s.baseURL,
})

/** The Chroma provider as the registry knows it: its SDK is imported only by `create`. */
export const chroma = {
  name: 'chroma',
  limits: CHROMA_LIMITS,
  contentSettings: (s: Settings) => chromaFingerprint(resolveChromaOptions(options(s))),
  problem(s: Settings): string | undefined {
    try {
      const resolved = resolveChromaOptions(options(s))
      if (!resolved.embed)
        return 'chroma: no embedder (Chroma stores the vectors this tool computes): export OPENAI_API_KEY=sk-... (OPENAI_BASE_URL for another OpenAI-compatible server), or pass embed'
    } catch (error) {
      return (error as Error).message
    }
    return undefined
  },
  async create(s: Settings): Promise<VectorStoreProvider> {
    const { createChromaProvider } = await import('./provider')
    return createChromaProvider(options(s))
  },
  createdNotice(s: Settings, provider: VectorStoreProvider): string | undefined {
    const { url } = resolveChromaOptions(options(s))
    return `created Chroma collection ${provider.storeId} at ${url}; search it with \`vectornator search "your question"\``
  },
}
