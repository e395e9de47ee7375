import { join } from 'node:path'
import type { PGliteInterface } from '@electric-sql/pglite'
import { DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE } from './chunk'
import { problemsError } from '../../lib/errors'
import type { Logger } from '../../lib/logger'
import type { Embedder } from '../types'
import { resolveEmbedder, type EmbedderChoice } from '../embedders/choice'
import type { LocalModel } from '../embedders/model-files'

export type { Embedder } from '../types'
export type { LocalEmbedderOptions } from '../embedders/model-files'
export type { EmbedderChoice } from '../embedders/choice'

/** The postgres provider's options as a user gives them (flat, or grouped as `postgres: {}`). */
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
  /** Largest chunk in characters. Default 1500. */
  chunkSize?: number
  /** Characters repeated between consecutive chunks. Default 200 (at most a quarter of chunkSize). */
  chunkOverlap?: number
  /**
   * Most connections open to the server at once, and so most transactions of documents written at
   * once (the embedded PGlite has one backend: there it bounds only the writes in flight).
   * Default 4. Not part of the fingerprint: changing it re-indexes nothing.
   */
  maxConnections?: number
}

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
   * Most calls of `embed` in flight at once, whichever upload or search made them: for the OpenAI
   * embedder, its requests in flight (each call sends its requests one after another). Default 8.
   */
  concurrency?: number
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
  /** Most embedding requests in flight at once (the provider gates its embedder with it). */
  concurrency: number
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

/** The defaults of the settings above, in one place. */
export const POSTGRES_DEFAULTS = {
  chunkSize: DEFAULT_CHUNK_SIZE,
  chunkOverlap: DEFAULT_CHUNK_OVERLAP,
  schema: 'vectornator',
  language: 'english',
  maxConnections: 4,
  filesPerTransaction: 8,
  embedBatchSize: 2048,
  /** Embedding requests in flight (the core's `concurrency`). */
  concurrency: 8,
  /** Under the root (`root` option, else the current folder). */
  dataDir: ['.vectornator', 'store'],
} as const

/** Validates and defaults the options; throws one UsageError naming each field and its fix. */
export function resolvePostgresOptions(
  options: PostgresProviderOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedPostgresOptions {
  const problems: string[] = []
  const resolved = checkPostgresOptions(options, env, problems)
  if (problems.length) throw problemsError(problems)
  return resolved
}

/** resolvePostgresOptions, each problem pushed on `problems` (the options' other problems are reported with them). */
export function checkPostgresOptions(
  options: PostgresProviderOptions,
  env: Record<string, string | undefined>,
  problems: string[],
): ResolvedPostgresOptions {
  const integer = (field: string, value: number | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback
    if (Number.isInteger(value) && value >= min) return value
    problems.push(
      `postgres: ${field} must be an integer of at least ${min}, got ${typeof value === 'string' ? `"${value}"` : value}`,
    )
    return fallback
  }
  const chunkSize = integer('chunkSize', options.chunkSize, POSTGRES_DEFAULTS.chunkSize, 100)
  const chunkOverlap = integer(
    'chunkOverlap',
    options.chunkOverlap,
    Math.min(POSTGRES_DEFAULTS.chunkOverlap, Math.floor(chunkSize / 4)),
    0,
  )
  if (chunkOverlap >= chunkSize / 2)
    problems.push(
      `postgres: chunkOverlap (${chunkOverlap}) must be less than half of chunkSize (${chunkSize}): lower chunkOverlap`,
    )

  const schema = options.schema ?? POSTGRES_DEFAULTS.schema
  if (!IDENTIFIER.test(schema))
    problems.push(`postgres: schema "${schema}" is not a plain identifier: use lower-case letters, digits and _`)
  const language = options.language ?? POSTGRES_DEFAULTS.language
  if (!IDENTIFIER.test(language))
    problems.push(
      `postgres: language "${language}" is not a text search configuration name: use e.g. english or simple`,
    )

  let embed: Embedder | undefined
  let missingModel: LocalModel | undefined
  try {
    ;({ embed, missingModel } = resolveEmbedder('postgres', options, env))
  } catch (error) {
    problems.push((error as Error).message)
  }
  if (embed !== undefined && typeof embed !== 'function') {
    problems.push('postgres: embed must be a function (texts: string[]) => Promise<number[][]>, or false')
    embed = undefined
  }
  if (embed?.dimensions !== undefined && !(Number.isInteger(embed.dimensions) && embed.dimensions > 0))
    problems.push(`postgres: embed.dimensions must be a positive integer, got ${embed.dimensions}`)

  const connectionString = options.connectionString ?? (env.DATABASE_URL || undefined)
  if (connectionString !== undefined && !/^postgres(?:ql)?:\/\//.test(connectionString))
    problems.push(
      `postgres: ${options.connectionString !== undefined ? 'connectionString' : 'DATABASE_URL'} must start with postgres:// or postgresql://`,
    )

  if (options.pglite && options.connectionString)
    problems.push('postgres: pass either pglite or connectionString, not both')

  return {
    connectionString: options.pglite ? undefined : connectionString,
    pglite: options.pglite,
    dataDir: options.dataDir ?? join(options.root ?? process.cwd(), ...POSTGRES_DEFAULTS.dataDir),
    embed,
    missingModel,
    logger: options.logger,
    chunkSize,
    chunkOverlap,
    schema,
    language,
    maxConnections: integer('maxConnections', options.maxConnections, POSTGRES_DEFAULTS.maxConnections, 1),
    filesPerTransaction: integer(
      'filesPerTransaction',
      options.filesPerTransaction,
      POSTGRES_DEFAULTS.filesPerTransaction,
      1,
    ),
    embedBatchSize: integer('embedBatchSize', options.embedBatchSize, POSTGRES_DEFAULTS.embedBatchSize, 1),
    concurrency: integer('concurrency', options.concurrency, POSTGRES_DEFAULTS.concurrency, 1),
  }
}

// Bumped when chunkText changes what it produces: a new fingerprint re-indexes every store (2: long tables cut between rows, header repeated).
export const CHUNKER_VERSION = 2

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
