import { relative } from 'node:path'
import type { ProviderDefinition } from '../definition'
import type { ChunkingSettings } from '../shared/chunked'
import { openAIAccess } from '../openai/settings'
import { createGate } from '../in-flight'
import { gatedEmbedder } from '../postgres/embed'
import {
  LANCEDB_LIMITS,
  lancedbFingerprint,
  resolveLanceDBOptions,
  type LanceDBSettings,
  type ResolvedLanceDBOptions,
} from './options'

type LanceDBOptions = LanceDBSettings & Pick<ChunkingSettings, 'embed' | 'chunkSize' | 'chunkOverlap'>

/** The LanceDB provider as the registry lists it: its settings, checked, and a lazy create. */
export const lancedbDefinition: ProviderDefinition<LanceDBOptions, ResolvedLanceDBOptions> = {
  name: 'lancedb',
  limits: LANCEDB_LIMITS,
  keys: ['lancedbPath', 'embed', 'chunkSize', 'chunkOverlap'],
  describe: 'LanceDB in .vectornator/lancedb: no server, no key; keywords, and meaning too with OPENAI_API_KEY',
  secrets: [],
  // The embedded default is PGlite (postgres): LanceDB only when named.
  chosenByDefault: () => false,
  settings(input, problems) {
    const given = input.options as LanceDBOptions
    const access = given.embed === undefined ? openAIAccess(input, problems) : {}
    try {
      return resolveLanceDBOptions({ ...given, ...access, root: input.root })
    } catch (error) {
      problems.push((error as Error).message)
      return resolveLanceDBOptions({ root: input.root, embed: false })
    }
  },
  fingerprint: lancedbFingerprint,
  async create(s, { concurrency }) {
    const { createLanceDBProvider } = await import('./provider')
    return createLanceDBProvider({
      lancedbPath: s.dir,
      // The one bound on embedding requests in flight, set once for the provider's life.
      embed: s.embed ? gatedEmbedder(s.embed, createGate(concurrency)) : false,
      chunkSize: s.chunkSize,
      chunkOverlap: s.chunkOverlap,
    })
  },
  createdNotice(s, provider) {
    const where = relative(process.cwd(), s.dir) || '.'
    const notice = (provider as { notice?: string }).notice
    return `the LanceDB store is in ${where} (no server needed); search it with \`vectornator search "your question"\`${notice ? ` — ${notice}` : ''}`
  },
  // A folder on this machine: no other clone can reach it, so its state is kept beside it. Readers
  // need no lock: LanceDB versions every write, and a reader sees the last committed one.
  local: () => true,
  searchKind: s => (s.embed ? 'by meaning and keywords' : 'by keywords (full-text: no embedder is configured)'),
}
