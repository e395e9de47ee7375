import { isAbsolute, join, resolve } from 'node:path'
import type { Logger } from '../../lib/logger'
import type { ProviderLimits } from '../types'
import { resolveEmbedder, type EmbedderSettings } from '../embedders/choice'
import type { LocalModel } from '../embedders/model-files'
import {
  EMBEDDING_STORE_LIMITS,
  chunkingFingerprint,
  resolveChunking,
  type ChunkingSettings,
  type ResolvedChunking,
} from '../shared/chunked'

/** The LanceDB provider's settings (the `lancedb: {}` group of the options, or its flat keys). */
export interface LanceDBSettings {
  /** Folder of the embedded database, relative to the root. Default `.vectornator/lancedb`. */
  lancedbPath?: string
}

export type LanceDBProviderOptions = LanceDBSettings &
  ChunkingSettings &
  Pick<EmbedderSettings, 'embedder'> & {
    /** Folder `lancedbPath` is relative to. Default: `process.cwd()`. */
    root?: string
    /** Where the local model's download progress is said, and why search stays full-text. */
    logger?: Pick<Logger, 'info'>
  }

export interface ResolvedLanceDBOptions extends ResolvedChunking {
  /** Absolute folder of the database. */
  dir: string
  /** The local model chosen but not on disk: the first write tries to download it (the run stays full-text). */
  missingModel?: LocalModel
  logger?: Pick<Logger, 'info'>
}

/** A call's rows are written together, then indexed for full-text search once. */
export const LANCEDB_LIMITS: ProviderLimits = EMBEDDING_STORE_LIMITS

export const DEFAULT_LANCEDB_PATH = join('.vectornator', 'lancedb')

/** Validates and defaults the options; throws one UsageError naming the field and the fix. */
export function resolveLanceDBOptions(
  options: LanceDBProviderOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedLanceDBOptions {
  const root = options.root ?? process.cwd()
  const path = options.lancedbPath ?? DEFAULT_LANCEDB_PATH
  // With neither embed nor embedder, the chunking settings' own default (OpenAI with apiKey).
  const named = options.embed !== undefined || options.embedder !== undefined
  const { embed, missingModel } = named ? resolveEmbedder('lancedb', { ...options, root }, env) : {}
  return {
    ...resolveChunking('lancedb', named ? { ...options, embed: embed ?? false } : options),
    dir: isAbsolute(path) ? path : resolve(root, path),
    missingModel,
    logger: options.logger,
  }
}

// Bumped when what is written for a chunk (columns, full-text index settings) changes.
const TABLE_VERSION = 1

export function lancedbFingerprint(resolved: ResolvedLanceDBOptions): Record<string, unknown> {
  return { ...chunkingFingerprint('lancedb', resolved), table: TABLE_VERSION }
}
