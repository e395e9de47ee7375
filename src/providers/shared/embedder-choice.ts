/**
 * The embedder of a store that keeps the vectors this tool computes: OpenAI embeddings (or any
 * OpenAI-compatible server through its base URL) unless the options pass `embed`, bounded by the
 * one limit on requests in flight.
 */
import type { Env, ProviderInput } from '../definition'
import { createGate } from '../in-flight'
import { openAIAccess } from '../openai/settings'
import { gatedEmbedder } from '../postgres/embed'
import type { ChunkingSettings, ResolvedChunking } from './chunked'

/** The options every store of chunks takes besides its own. */
export type ChunkOptions = Pick<ChunkingSettings, 'embed' | 'chunkSize' | 'chunkOverlap'>
export const CHUNK_KEYS = ['embed', 'chunkSize', 'chunkOverlap'] as const

/**
 * A definition's `settings`: the options resolved with OpenAI access when no `embed` is given;
 * a problem is pushed on `problems` and `fallback` returned in place of the settings.
 */
export function settingsWithEmbedder<Options extends ChunkOptions, Settings>(
  resolve: (options: Options & ChunkingSettings, env: Env) => Settings,
  fallback: () => Settings,
): (input: ProviderInput, problems: string[]) => Settings {
  return (input, problems) => {
    const given = input.options as Options
    const access = given.embed === undefined ? openAIAccess(input, problems) : {}
    try {
      return resolve({ ...given, ...access }, input.env)
    } catch (error) {
      problems.push((error as Error).message)
      return fallback()
    }
  }
}

/** The chunking a provider is created with; its embedder bounded to `concurrency` requests for the provider's life. */
export function chunkingFor(s: ResolvedChunking, concurrency: number): Required<ChunkOptions> {
  return {
    embed: s.embed ? gatedEmbedder(s.embed, createGate(concurrency)) : false,
    chunkSize: s.chunkSize,
    chunkOverlap: s.chunkOverlap,
  }
}

/** Why such a store cannot run without an embedder, naming the fix (`chroma`, `Chroma`). */
export function noEmbedder(provider: string, store: string): string {
  return `${provider}: no embedder (${store} stores the vectors this tool computes): export OPENAI_API_KEY=sk-... (OPENAI_BASE_URL for another OpenAI-compatible server), or pass embed`
}

/** The same, said by the provider itself when it is created without one. */
export function noEmbedderHere(provider: string): string {
  return `${provider}: no embedder: set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible server), or pass embed`
}
