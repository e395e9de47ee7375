import { relative } from 'node:path'
import type { Logger } from '../lib/logger'
import type { Embedder, ProviderLimits, VectorStoreProvider } from './types'
import { OPENAI_LIMITS, openAIFingerprint } from './openai-files'
import {
  postgresFingerprint,
  resolvePostgresOptions,
  type EmbedderChoice,
  type PostgresProviderOptions,
} from './postgres/options'
import { POSTGRES_LIMITS } from './postgres/documents'
import { createOpenAIEmbedder } from './postgres/embed'
import { UsageError } from '../lib/errors'

/**
 * The providers the core can create by name. The core never names one: it looks a definition up
 * here, and a provider's SDK is imported only by `create`, so a sync with nothing to send (which
 * needs only limits and the fingerprint) loads none. Adding a provider is one entry here and its
 * folder, plus its conformance test.
 */

/** The OpenAI provider's settings (the `openai: {}` group of the options, or its flat keys). */
export interface OpenAISettings {
  /** Default: env OPENAI_API_KEY. Never printed, logged or stored. */
  apiKey?: string
  /** Default: env OPENAI_BASE_URL, else the SDK's. */
  baseURL?: string
  /** OpenAI `chunking_strategy`, passed through on attach. */
  chunkingStrategy?: Record<string, unknown>
  /**
   * A document the store leaves `in_progress` longer than this is reported failed and retried by
   * the next run, never waited on forever. Default 10 minutes.
   */
  processingTimeoutMs?: number
}

/** The postgres provider's settings (the `postgres: {}` group of the options, or its flat keys). */
export interface PostgresSettings {
  /** PostgreSQL server; default env DATABASE_URL, else the embedded PGlite under `.vectornator/store/`. */
  connectionString?: string
  /** Embedding function; `false` for full-text search only. Default: the one `embedder` names. */
  embed?: Embedder | false
  /**
   * The embedder by name: `local` (a sentence model run on this machine, downloaded once into a
   * cache folder; an object sets `model`, `cacheDir`, `localModelPath`, `remoteHost`), `openai` or
   * `none`. Default: env VECTORNATOR_EMBEDDER, else `openai` when OPENAI_API_KEY is set, else
   * `local` for the embedded store and `none` for a server.
   */
  embedder?: EmbedderChoice
  chunkSize?: number
  chunkOverlap?: number
}

/** Everything a provider may be created with: the core's resolved options, provider by provider. */
export interface ProviderSettings extends OpenAISettings, PostgresSettings {
  /** The sync root (the embedded store lives under it). */
  root: string
  concurrency: number
  logger: Logger
}

export interface ProviderDefinition {
  readonly name: string
  readonly limits: ProviderLimits
  /** The settings that decide what the store keeps for a document (the plan's fingerprint). */
  contentSettings(settings: ProviderSettings): Record<string, unknown>
  /** Why the provider cannot be created with these settings (one line naming the fix), or undefined. */
  problem?(settings: ProviderSettings): string | undefined
  /** Loads the provider's SDK and creates it. */
  create(settings: ProviderSettings): Promise<VectorStoreProvider>
  /** Said once a store is created: where it is kept, how to search it; undefined for nothing to say. */
  createdNotice?(settings: ProviderSettings, provider: VectorStoreProvider): string | undefined
  /**
   * True when one process at a time may open the store (an embedded database, whose copy a
   * reader would write back over a sync's when it closes): readers then hold the state's lock.
   */
  exclusive?(settings: ProviderSettings): boolean
  /**
   * True when the store lives on this machine (an embedded database in the project folder): its
   * state is then kept beside it, never in the shared branch, since no other clone can reach it.
   */
  local?(settings: ProviderSettings): boolean
}

/** The postgres provider's options from the settings: the embedder they name or the default one. */
export function postgresOptions(
  settings: ProviderSettings,
  env: NodeJS.ProcessEnv = process.env,
): PostgresProviderOptions {
  let embedder = settings.embed === undefined ? (settings.embedder ?? embedderFromEnv(env)) : settings.embedder
  if (settings.embed === undefined && embedder === undefined)
    embedder = settings.apiKey ? 'openai' : settings.connectionString ? 'none' : 'local'
  let embed = settings.embed
  if (embedder === 'openai' && embed === undefined) {
    if (!settings.apiKey)
      throw new UsageError(
        'the openai embedder needs OPENAI_API_KEY: export OPENAI_API_KEY=sk-... (or pass apiKey), or use VECTORNATOR_EMBEDDER=local',
      )
    embed = createOpenAIEmbedder({ apiKey: settings.apiKey, baseURL: settings.baseURL })
    embedder = undefined
  }
  return {
    connectionString: settings.connectionString,
    root: settings.root,
    embed,
    embedder,
    logger: settings.logger,
    chunkSize: settings.chunkSize,
    chunkOverlap: settings.chunkOverlap,
  }
}

const EMBEDDER_NAMES = ['local', 'openai', 'none'] as const

function embedderFromEnv(env: NodeJS.ProcessEnv): EmbedderChoice | undefined {
  const name = env.VECTORNATOR_EMBEDDER?.trim()
  if (!name) return undefined
  if ((EMBEDDER_NAMES as readonly string[]).includes(name)) return name as EmbedderChoice
  throw new UsageError(`VECTORNATOR_EMBEDDER=${name} is not an embedder: use ${EMBEDDER_NAMES.join(', ')}`)
}

const openai: ProviderDefinition = {
  name: 'openai',
  limits: OPENAI_LIMITS,
  contentSettings: s => ({ provider: 'openai', ...openAIFingerprint(s.chunkingStrategy) }),
  problem: s =>
    s.apiKey
      ? undefined
      : 'OPENAI_API_KEY is not set: export OPENAI_API_KEY=sk-... (or pass apiKey), or use --provider postgres for the embedded store',
  async create(s) {
    const { createOpenAIProvider } = await import('./openai')
    return createOpenAIProvider({
      apiKey: s.apiKey,
      baseURL: s.baseURL,
      chunkingStrategy: s.chunkingStrategy,
      processingTimeoutMs: s.processingTimeoutMs,
      concurrency: s.concurrency,
      logger: s.logger,
    })
  },
}

const postgres: ProviderDefinition = {
  name: 'postgres',
  limits: POSTGRES_LIMITS,
  contentSettings: s => postgresFingerprint(resolvePostgresOptions(postgresOptions(s))),
  // The embedded PGlite: no connection string (DATABASE_URL is already in it).
  exclusive: s => !s.connectionString,
  local: s => !s.connectionString,
  async create(s) {
    const { createPostgresProvider } = await import('./postgres')
    return createPostgresProvider(postgresOptions(s))
  },
  createdNotice(s, provider) {
    if (s.connectionString || process.env.DATABASE_URL) return undefined
    const notice = (provider as { notice?: string }).notice
    const where = relative(process.cwd(), resolvePostgresOptions(postgresOptions(s)).dataDir) || '.vectornator/store'
    return `the embedded store is in ${where} (no API key needed); search it with \`vectornator search "your question"\`${notice ? ` — ${notice}` : ''}`
  },
}

export const PROVIDERS = { openai, postgres } as const satisfies Record<string, ProviderDefinition>
export type ProviderName = keyof typeof PROVIDERS

export function providerDefinition(name: string): ProviderDefinition | undefined {
  return Object.hasOwn(PROVIDERS, name) ? PROVIDERS[name as ProviderName] : undefined
}

/** The provider used when none is named: OpenAI when there is a key, else the embedded store. */
export function defaultProviderName(apiKey: string | undefined): ProviderName {
  return apiKey ? 'openai' : 'postgres'
}
