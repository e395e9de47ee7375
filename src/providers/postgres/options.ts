import { join } from 'node:path'
import type { PGliteInterface } from '@electric-sql/pglite'
import { DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE } from './chunk'
import { UsageError } from '../../lib/errors'
import type { Logger } from '../../lib/logger'
import type { Embedder } from '../types'
import { createOpenAIEmbedder } from './embed'
import { createLocalEmbedder } from '../embedders/local'
import { resolveLocalModel, type LocalEmbedderOptions, type LocalModel } from '../embedders/model-files'

export type { Embedder } from '../types'
export type { LocalEmbedderOptions } from '../embedders/model-files'

/**
 * Which embedder makes the vectors when `embed` is not given: `local`, a sentence model run on
 * this machine (an object sets its model, cache folder, local model folder or hub); `openai`,
 * OpenAI embeddings (env OPENAI_API_KEY); `none`, full-text search only.
 */
export type EmbedderChoice = 'local' | 'openai' | 'none' | LocalEmbedderOptions

export interface PostgresProviderOptions {
  /**
   * PostgreSQL server, e.g. `postgres://user:pass@host:5432/db`.
   * Default: env `DATABASE_URL`; without either, an embedded PGlite database under `dataDir`.
   */
  connectionString?: string
  /**
   * An open PGlite to use instead of opening `dataDir` (load `@electric-sql/pglite-pgvector`'s
   * `vector` extension in it for vector search). The provider never closes it.
   */
  pglite?: PGliteInterface
  /** Folder of the embedded PGlite database (`memory://` keeps it in memory). Default: `<root>/.vectornator/store`. */
  dataDir?: string
  /** Folder `dataDir` defaults under. Default: `process.cwd()`. */
  root?: string
  /**
   * Turns chunk texts into vectors; with none (or `false`) search is full-text only.
   * Set `id` and `dimensions` on it: they are part of the fingerprint, so changing the
   * model re-indexes the store.
   */
  embed?: Embedder | false
  /**
   * The embedder by name when `embed` is not given (see EmbedderChoice). Default `none`. With
   * `local` and the model not yet on disk, search is full-text until a sync has downloaded it
   * (the first sync that writes tries) and the next one has embedded every document.
   */
  embedder?: EmbedderChoice
  /** Where the local model's download progress is said, and why search stays full-text. */
  logger?: Pick<Logger, 'info'>
  /** Largest chunk in characters. Default 1500. */
  chunkSize?: number
  /** Characters repeated between consecutive chunks. Default 200. */
  chunkOverlap?: number
  /** Schema holding the tables, created when missing. Default `vectornator`. */
  schema?: string
  /** Text search configuration (`english` stems words, `simple` does not). Default `english`. */
  language?: string
  /** Most connections the pool opens to a server. Default 4. */
  maxConnections?: number
  /** Documents written per transaction by `uploadFiles`. Default 8. */
  filesPerTransaction?: number
  /** Most texts in one call to `embed`. Default 2048, what one OpenAI embeddings request takes. */
  embedBatchSize?: number
}

export interface ResolvedPostgresOptions {
  connectionString?: string
  pglite?: PGliteInterface
  dataDir: string
  embed?: Embedder
  /** The local model chosen but not on disk: the first write tries to download it (the run stays full-text). */
  missingModel?: LocalModel
  logger?: Pick<Logger, 'info'>
  chunkSize: number
  chunkOverlap: number
  schema: string
  language: string
  maxConnections: number
  filesPerTransaction: number
  embedBatchSize: number
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

/** Validates and defaults the options; throws one UsageError naming the field and the fix. */
export function resolvePostgresOptions(
  options: PostgresProviderOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedPostgresOptions {
  const chunkSize = integer('chunkSize', options.chunkSize, DEFAULT_CHUNK_SIZE, 100)
  const chunkOverlap = integer(
    'chunkOverlap',
    options.chunkOverlap,
    Math.min(DEFAULT_CHUNK_OVERLAP, Math.floor(chunkSize / 4)),
    0,
  )
  if (chunkOverlap >= chunkSize / 2)
    throw new UsageError(
      `postgres: chunkOverlap (${chunkOverlap}) must be less than half of chunkSize (${chunkSize}): lower chunkOverlap`,
    )

  const schema = options.schema ?? 'vectornator'
  if (!IDENTIFIER.test(schema))
    throw new UsageError(`postgres: schema "${schema}" is not a plain identifier: use lower-case letters, digits and _`)
  const language = options.language ?? 'english'
  if (!IDENTIFIER.test(language))
    throw new UsageError(
      `postgres: language "${language}" is not a text search configuration name: use e.g. english or simple`,
    )

  const { embed, missingModel } = resolveEmbedder(options, env)
  if (embed !== undefined && typeof embed !== 'function')
    throw new UsageError('postgres: embed must be a function (texts: string[]) => Promise<number[][]>, or false')
  if (embed?.dimensions !== undefined && !(Number.isInteger(embed.dimensions) && embed.dimensions > 0))
    throw new UsageError(`postgres: embed.dimensions must be a positive integer, got ${embed.dimensions}`)

  const connectionString = options.connectionString ?? (env.DATABASE_URL || undefined)
  if (connectionString !== undefined && !/^postgres(?:ql)?:\/\//.test(connectionString))
    throw new UsageError('postgres: connectionString must start with postgres:// or postgresql://')

  if (options.pglite && options.connectionString)
    throw new UsageError('postgres: pass either pglite or connectionString, not both')

  return {
    connectionString: options.pglite ? undefined : connectionString,
    pglite: options.pglite,
    dataDir: options.dataDir ?? join(options.root ?? process.cwd(), '.vectornator', 'store'),
    embed,
    missingModel,
    logger: options.logger,
    chunkSize,
    chunkOverlap,
    schema,
    language,
    maxConnections: integer('maxConnections', options.maxConnections, 4, 1),
    filesPerTransaction: integer('filesPerTransaction', options.filesPerTransaction, 8, 1),
    embedBatchSize: integer('embedBatchSize', options.embedBatchSize, 2048, 1),
  }
}

const LOCAL_KEYS: (keyof LocalEmbedderOptions)[] = ['model', 'cacheDir', 'localModelPath', 'remoteHost']

function resolveEmbedder(
  options: PostgresProviderOptions,
  env: NodeJS.ProcessEnv,
): { embed?: Embedder; missingModel?: LocalModel } {
  const choice = options.embedder
  if (options.embed !== undefined) {
    if (choice !== undefined)
      throw new UsageError('postgres: pass either embed or embedder, not both: embedder names a built-in one')
    return { embed: options.embed || undefined }
  }
  if (choice === undefined || choice === 'none') return {}
  if (choice === 'openai') {
    if (!env.OPENAI_API_KEY)
      throw new UsageError(
        'postgres: embedder openai needs OPENAI_API_KEY: export it, or use embedder local (no key needed)',
      )
    return { embed: createOpenAIEmbedder() }
  }
  if (choice !== 'local' && (typeof choice !== 'object' || choice === null || Array.isArray(choice)))
    throw new UsageError(
      `postgres: embedder ${JSON.stringify(choice)} is not an embedder: use local, openai, none or { ${LOCAL_KEYS.join(', ')} }`,
    )
  const settings = choice === 'local' ? {} : choice
  const unknown = Object.keys(settings).find(key => !LOCAL_KEYS.includes(key as keyof LocalEmbedderOptions))
  if (unknown)
    throw new UsageError(`postgres: embedder.${unknown} is not a local embedder setting: use ${LOCAL_KEYS.join(', ')}`)
  const model = resolveLocalModel(settings, env, options.root)
  return model.foundIn ? { embed: createLocalEmbedder(model) } : { missingModel: model }
}

function integer(field: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min)
    throw new UsageError(`postgres: ${field} must be an integer of at least ${min}, got ${value}`)
  return value
}

// Bumped when chunkText changes what it produces: a new fingerprint re-indexes every store (2: long tables cut between rows, header repeated).
const CHUNKER_VERSION = 2

/**
 * What decides the chunks and vectors stored for a document. Kept apart from the provider so the
 * core can compute it without opening a database.
 */
export function postgresFingerprint(resolved: ResolvedPostgresOptions): Record<string, unknown> {
  return {
    provider: 'postgres',
    chunker: CHUNKER_VERSION,
    chunkSize: resolved.chunkSize,
    chunkOverlap: resolved.chunkOverlap,
    language: resolved.language,
    embedder: resolved.embed ? (resolved.embed.id ?? 'custom') : 'none',
    dimensions: resolved.embed?.dimensions ?? null,
  }
}
