import { isAbsolute, join, resolve } from 'node:path'
import type { ProviderLimits } from '../types'
import {
  CHUNK_STORE_LIMITS,
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
  ChunkingSettings & {
    /** Folder `lancedbPath` is relative to. Default: `process.cwd()`. */
    root?: string
  }

export interface ResolvedLanceDBOptions extends ResolvedChunking {
  /** Absolute folder of the database. */
  dir: string
}

/** One `uploadFiles` call's documents: written together, then indexed for full-text search once. */
export const LANCEDB_LIMITS: ProviderLimits = { ...CHUNK_STORE_LIMITS, maxBatchFiles: 500 }

export const DEFAULT_LANCEDB_PATH = join('.vectornator', 'lancedb')

export function resolveLanceDBOptions(options: LanceDBProviderOptions = {}): ResolvedLanceDBOptions {
  const root = options.root ?? process.cwd()
  const path = options.lancedbPath ?? DEFAULT_LANCEDB_PATH
  return {
    ...resolveChunking('lancedb', options),
    dir: isAbsolute(path) ? path : resolve(root, path),
  }
}

// Bumped when what is written for a chunk (columns, full-text index settings) changes.
const TABLE_VERSION = 1

export function lancedbFingerprint(resolved: ResolvedLanceDBOptions): Record<string, unknown> {
  return { ...chunkingFingerprint('lancedb', resolved), table: TABLE_VERSION }
}
