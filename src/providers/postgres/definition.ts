import { relative } from 'node:path'
import type { ProviderDefinition } from '../definition'
import { chooseEmbedder } from '../embedders/choice'
import { POSTGRES_LIMITS } from './documents'
import {
  checkPostgresOptions,
  postgresFingerprint,
  type PostgresSettings,
  type ResolvedPostgresOptions,
} from './options'

/** The postgres provider as the registry lists it: its settings, checked, and a lazy create. */
export const postgresDefinition: ProviderDefinition<PostgresSettings, ResolvedPostgresOptions> = {
  name: 'postgres',
  limits: POSTGRES_LIMITS,
  keys: ['connectionString', 'embed', 'embedder', 'chunkSize', 'chunkOverlap', 'maxConnections'],
  describe: 'embedded PostgreSQL (PGlite) in .vectornator/store: no server, no key; searched by meaning and keywords',
  secrets: [],
  server: { describe: 'a PostgreSQL server with pgvector, named by DATABASE_URL', secrets: ['DATABASE_URL'] },
  // Taken by default for a server only: the embedded store with no provider named is LanceDB's,
  // which syncs and searches the same pages in a fraction of PGlite's time and memory.
  chosenByDefault: ({ options, env }) => Boolean((options as PostgresSettings).connectionString ?? env.DATABASE_URL),
  settings(input, problems) {
    const given = input.options as PostgresSettings
    const server = Boolean(given.connectionString ?? input.env.DATABASE_URL)
    const { embed, embedder } = chooseEmbedder(input, given, { embedded: !server }, problems)
    return checkPostgresOptions(
      {
        connectionString: given.connectionString,
        root: input.root,
        embed,
        embedder,
        chunkSize: given.chunkSize,
        chunkOverlap: given.chunkOverlap,
        maxConnections: given.maxConnections,
      },
      input.env,
      problems,
    )
  },
  fingerprint: postgresFingerprint,
  async create(s, { concurrency, logger }) {
    const { postgresProviderFrom } = await import('./provider')
    return postgresProviderFrom({ ...s, concurrency, logger })
  },
  createdNotice(s, provider) {
    if (s.connectionString) return undefined
    const notice = (provider as { notice?: string }).notice
    const where = relative(process.cwd(), s.dataDir) || '.vectornator/store'
    return `the embedded store is in ${where} (no API key needed); search it with \`vectornator search "your question"\`${notice ? ` — ${notice}` : ''}`
  },
  // The embedded PGlite: no connection string (DATABASE_URL is already in it).
  exclusive: s => !s.connectionString,
  local: s => !s.connectionString,
  searchKind: s => (s.embed ? 'by meaning and keywords' : 'by keywords (full-text: no embedder is configured)'),
  lostInCI: s =>
    s.connectionString
      ? undefined
      : "CI without OPENAI_API_KEY (or DATABASE_URL): nothing synced, the build goes on. Set OPENAI_API_KEY in the job's secrets to sync the store, or name a provider (provider: 'postgres') to sync an embedded store on this machine",
  embedded: s =>
    s.connectionString || s.pglite || s.dataDir.includes('://')
      ? undefined
      : {
          dataDir: s.dataDir,
          async openCopy(dataDir, { concurrency, logger }) {
            const { postgresProviderFrom } = await import('./provider')
            return postgresProviderFrom({ ...s, dataDir, concurrency, logger })
          },
        },
}
