import { relative } from 'node:path'
import type { Logger } from '../../lib/logger'
import type { VectorStoreProvider } from '../types'
import type { ChunkingSettings } from '../shared/chunked'
import {
  LANCEDB_LIMITS,
  lancedbFingerprint,
  resolveLanceDBOptions,
  type LanceDBProviderOptions,
  type LanceDBSettings,
} from './options'

/** What the registry hands a definition (a subset of its ProviderSettings). */
interface Settings extends LanceDBSettings, ChunkingSettings {
  root: string
  concurrency: number
  logger: Logger
}

const options = (s: Settings): LanceDBProviderOptions => ({
  root: s.root,
  lancedbPath: s.lancedbPath,
  embed: s.embed,
  chunkSize: s.chunkSize,
  chunkOverlap: s.chunkOverlap,
  apiKey: s.apiKey,
  baseURL: s.baseURL,
})

/** The LanceDB provider as the registry knows it: its client is imported only by `create`. */
export const lancedb = {
  name: 'lancedb',
  limits: LANCEDB_LIMITS,
  contentSettings: (s: Settings) => lancedbFingerprint(resolveLanceDBOptions(options(s))),
  problem(s: Settings): string | undefined {
    try {
      resolveLanceDBOptions(options(s))
    } catch (error) {
      return (error as Error).message
    }
    return undefined
  },
  // A folder on this machine: no other clone can reach it, so its state is kept beside it. Readers
  // need no lock: LanceDB versions every write, and a reader sees the last committed one.
  local: () => true,
  async create(s: Settings): Promise<VectorStoreProvider> {
    const { createLanceDBProvider } = await import('./provider')
    return createLanceDBProvider(options(s))
  },
  createdNotice(s: Settings, provider: VectorStoreProvider): string | undefined {
    const where = relative(process.cwd(), resolveLanceDBOptions(options(s)).dir) || '.'
    const notice = (provider as { notice?: string }).notice
    return `the LanceDB store is in ${where} (no server needed); search it with \`vectornator search "your question"\`${notice ? ` — ${notice}` : ''}`
  },
}
