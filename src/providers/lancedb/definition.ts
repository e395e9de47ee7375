import { relative } from 'node:path'
import type { ProviderDefinition } from '../definition'
import type { ChunkingSettings } from '../shared/chunked'
import { createGate } from '../in-flight'
import { gatedEmbedder } from '../postgres/embed'
import { chooseEmbedder, type EmbedderSettings } from '../embedders/choice'
import {
  LANCEDB_LIMITS,
  lancedbFingerprint,
  resolveLanceDBOptions,
  type LanceDBSettings,
  type ResolvedLanceDBOptions,
} from './options'

type LanceDBOptions = LanceDBSettings & EmbedderSettings & Pick<ChunkingSettings, 'chunkSize' | 'chunkOverlap'>

/** The LanceDB provider as the registry lists it: its settings, checked, and a lazy create. */
export const lancedbDefinition: ProviderDefinition<LanceDBOptions, ResolvedLanceDBOptions> = {
  name: 'lancedb',
  limits: LANCEDB_LIMITS,
  keys: ['lancedbPath', 'embed', 'embedder', 'chunkSize', 'chunkOverlap'],
  describe: 'embedded LanceDB in .vectornator/lancedb: no server, no key; searched by meaning and keywords',
  secrets: [],
  // The embedded store needs nothing: the provider when no other is asked for (the registry's last).
  chosenByDefault: () => true,
  settings(input, problems) {
    const given = input.options as LanceDBOptions
    const { embed, embedder } = chooseEmbedder(input, given, { embedded: true }, problems)
    const settings = { lancedbPath: given.lancedbPath, chunkSize: given.chunkSize, chunkOverlap: given.chunkOverlap }
    try {
      return resolveLanceDBOptions({ ...settings, embed, embedder, root: input.root }, input.env)
    } catch (error) {
      problems.push((error as Error).message)
      return resolveLanceDBOptions({ root: input.root, embed: false })
    }
  },
  fingerprint: lancedbFingerprint,
  async create(s, { concurrency, logger }) {
    const { lanceDBProviderFrom } = await import('./provider')
    // The one bound on embedding requests in flight, set once for the provider's life.
    return lanceDBProviderFrom({ ...s, embed: s.embed && gatedEmbedder(s.embed, createGate(concurrency)), logger })
  },
  createdNotice(s, provider) {
    const where = relative(process.cwd(), s.dir) || '.'
    const notice = (provider as { notice?: string }).notice
    return `the embedded LanceDB store is in ${where} (no server, no API key needed); search it with \`vectornator search "your question"\`${notice ? ` — ${notice}` : ''}`
  },
  // A folder on this machine: no other clone can reach it, so its state is kept beside it. Readers
  // need no lock and no copy: LanceDB versions every write, and a reader sees the last committed one.
  local: () => true,
  searchKind: s => (s.embed ? 'by meaning and keywords' : 'by keywords (full-text: no embedder is configured)'),
  lostInCI: () =>
    "CI without OPENAI_API_KEY (or DATABASE_URL): nothing synced, the build goes on. Set OPENAI_API_KEY in the job's secrets to sync the store, or name a provider (provider: 'lancedb') to sync an embedded store on this machine",
}
