import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { sync } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import createPostgresProvider, {
  NO_EMBEDDER_NOTICE,
  NO_PGVECTOR_NOTICE,
  type PostgresProviderOptions,
} from '../../src/providers/postgres'
import { toVectorLiteral } from '../../src/providers/postgres/embed'
import { tableNames } from '../../src/providers/postgres/schema'
import { buildSearch } from '../../src/providers/postgres/search'
import type { Attributes } from '../../src/providers/types'
import { makeTree, pages } from '../helpers/tree'
import { describeProviderConformance } from './conformance'
import { hashingEmbedder, metadataFor, tempDir } from './helpers'
import { sharedPGlite, startSocketServer } from './pglite'

const cleanups: (() => Promise<void> | void)[] = []
afterAll(async () => {
  // Every cleanup runs even when one fails (temp folders must not leak); the first error is reported.
  const errors: unknown[] = []
  for (const c of cleanups.splice(0).reverse())
    await Promise.resolve()
      .then(c)
      .catch(e => errors.push(e))
  if (errors.length > 0) throw errors[0]
})

const store = tempDir()
const shared = sharedPGlite(store.path)
cleanups.push(store.remove, shared.close)

/** Each suite in its own schema of one shared PGlite (on a temp dataDir); a fresh provider per test. */
const onPGlite = (schema: string, options: PostgresProviderOptions) => async () => ({
  provider: createPostgresProvider({ pglite: await shared.get(), schema, ...options }),
})

describeProviderConformance('postgres on PGlite, full-text only', onPGlite('fulltext', { embed: false }))
describeProviderConformance('postgres on PGlite, pgvector + HNSW', onPGlite('vectors', { embed: hashingEmbedder() }))

const serverUrl = process.env.VECTORNATOR_TEST_DATABASE_URL
// The default reporter shows skipped tests as a count only: say why, once.
if (!serverUrl)
  console.warn(
    'postgres real-server suite skipped: VECTORNATOR_TEST_DATABASE_URL is not set (`source .ci/postgres.sh` starts a server and sets it)',
  )
describe.skipIf(!serverUrl)(
  `postgres on a real server${serverUrl ? '' : ' (skipped: VECTORNATOR_TEST_DATABASE_URL is not set; `source .ci/postgres.sh` sets it)'}`,
  () => {
    const schema = `vn_test_${randomBytes(4).toString('hex')}`
    if (serverUrl) cleanups.push(() => dropSchema(serverUrl, schema))
    const options = { connectionString: serverUrl, schema, embed: hashingEmbedder() }
    describeProviderConformance('postgres server', async () => ({ provider: createPostgresProvider(options) }))

    it('says plainly when search is full-text only because the server lacks pgvector', async () => {
      const provider = createPostgresProvider(options)
      cleanups.push(() => provider.cleanup())
      await provider.connect()
      const { default: pg } = await import('pg')
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      const { rows } = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`)
      await client.end()
      if (rows.length === 0) expect(provider.capabilities).toMatchObject({ vector: false, notice: NO_PGVECTOR_NOTICE })
      else expect(provider.capabilities).toMatchObject({ vector: true, notice: undefined })
    })

    it('holds a sync to maxConnections connections to the server: one with 1, more with 4', async () => {
      const { default: pg } = await import('pg')
      const watcher = new pg.Client({ connectionString: serverUrl })
      await watcher.connect()
      cleanups.push(() => watcher.end())
      const most = async (maxConnections: number) => {
        const root = makeTree(pages(120))
        cleanups.push(() => rmSync(root, { recursive: true, force: true }))
        // The sync's own connections, told apart from every other client of the test database.
        const name = `vn_conn_${randomBytes(4).toString('hex')}`
        const url = new URL(serverUrl!)
        url.searchParams.set('application_name', name)
        let seen = 0
        let syncing = true
        const watching = (async () => {
          while (syncing) {
            const { rows } = await watcher.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
              [name],
            )
            seen = Math.max(seen, rows[0]!.n)
          }
        })()
        const result = await sync({
          root,
          provider: 'postgres',
          postgres: { connectionString: url.href, embed: false, maxConnections },
          metadata: 'file',
          logger: silentLogger,
        }).finally(() => (syncing = false))
        await watching
        cleanups.push(async () => {
          await watcher.query('DELETE FROM vectornator.stores WHERE id = $1', [result.storeId])
        })
        expect(result.failed).toEqual([])
        expect(result.added).toHaveLength(120)
        return seen
      }
      expect(await most(1)).toBe(1)
      // The same count taken with more allowed: the watcher does see a sync's several connections.
      expect(await most(4)).toBeGreaterThan(1)
    })
  },
)

describe('postgres provider on PGlite', () => {
  it('lets the process exit once cleanup() resolves, and keeps the documents for the next open', async () => {
    const dir = tempDir()
    cleanups.push(dir.remove)
    // A child process fills the dataDir: it must exit at once after cleanup()...
    const script = fileURLToPath(new URL('./fixtures/exit-after-cleanup.ts', import.meta.url))
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, dir.path], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    const { storeId, fileId, ms } = JSON.parse(child.stdout) as { storeId: string; fileId: string; ms: number }
    // (left open, PGlite holds the event loop about ten seconds more)
    expect(ms).toBeLessThan(2000)

    // ...and what it wrote is there when the dataDir is opened again.
    const provider = createPostgresProvider({ dataDir: dir.path, embed: hashingEmbedder() })
    await provider.initialize({ storeId })
    expect(await provider.verifyStore()).toBe(true)
    expect((await provider.listFiles()).map(f => f.fileId)).toEqual([fileId])
    expect((await provider.search('okapi migrations'))[0]).toMatchObject({ path: 'saved.md', fileId })
    expect(provider.capabilities).toMatchObject({ vector: true, pgvector: expect.any(String) })
    await provider.cleanup()
    await provider.cleanup() // twice is safe
  })

  it('says search is full-text only when there is no embedder', async () => {
    const provider = createPostgresProvider({ pglite: await shared.get(), schema: 'notice_test', embed: false })
    cleanups.push(() => provider.cleanup())
    expect(provider.capabilities).toBeUndefined() // nothing opened before first use
    await provider.connect()
    expect(provider.capabilities).toMatchObject({ vector: false, notice: NO_EMBEDDER_NOTICE })
    expect(provider.notice).toBe(NO_EMBEDDER_NOTICE)
    expect(provider.backend).toBe('pglite')
  })

  it('falls back to full-text search, without calling the embedder, where pgvector is missing', async () => {
    const { PGlite } = await import('@electric-sql/pglite')
    const bare = await PGlite.create('memory://') // no vector extension loaded
    cleanups.push(() => bare.close())
    const embed = hashingEmbedder()
    const provider = createPostgresProvider({ pglite: bare, embed })
    cleanups.push(() => provider.cleanup())
    await provider.createStore('no pgvector')
    expect(provider.capabilities).toMatchObject({ vector: false })
    expect(provider.notice).toMatch(/^pgvector is not loaded in this PGlite: search is full-text only \(/)
    await provider.uploadFile(
      'a.md',
      Buffer.from('Full-text only heron sightings.'),
      metadataFor('a.md', 'Full-text only heron sightings.'),
    )
    expect((await provider.search('heron'))[0]).toMatchObject({ path: 'a.md' })
    expect(embed.calls).toBe(0)
  })

  it('indexes vectors with HNSW, in a form the search query uses', async () => {
    const db = await shared.get()
    const embed = hashingEmbedder()
    const provider = createPostgresProvider({ pglite: db, schema: 'hnsw_test', embed })
    cleanups.push(() => provider.cleanup())
    const storeId = await provider.createStore('hnsw')
    const texts = Array.from({ length: 300 }, (_, i) => `Document ${i} about topic ${i % 17}.`)
    for (let i = 0; i < texts.length; i += 100) {
      await provider.uploadFiles(
        texts.slice(i, i + 100).map((t, j) => ({ content: Buffer.from(t), metadata: metadataFor(`${i + j}.txt`, t) })),
      )
    }
    const { rows } = await db.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'hnsw_test' AND indexname LIKE '%hnsw%'`,
    )
    expect(rows).toEqual([{ indexname: 'chunks_embedding_hnsw_64' }])

    // Once the table is big enough to be worth it, the planner must be able to match the
    // query's expression and predicate to the partial expression index.
    await db.exec('ANALYZE hnsw_test.chunks')
    const [vector] = await embed(['topic 3'])
    const { sql, params } = buildSearch(
      { ...tableNames('hnsw_test'), vectorSchema: 'public' },
      {
        storeId,
        text: 'topic 3',
        language: 'english',
        limit: 10,
        vector: { literal: toVectorLiteral(vector!), dimensions: 64 },
      },
    )
    const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)
    expect(plan.rows.map(r => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan using chunks_embedding_hnsw_64/)
  })

  it("filters a search through the wire protocol (pg over PGlite's socket server)", async () => {
    const server = await startSocketServer(await shared.get())
    cleanups.push(server.stop)
    const provider = createPostgresProvider({
      connectionString: server.url,
      embed: false,
      maxConnections: 1,
      schema: 'socket_filter_test',
    })
    cleanups.push(() => provider.cleanup())
    await provider.createStore('socket filters')
    const text = (n: number) => `Marmot tunnel maintenance, part ${n}.`
    const tagged: Attributes[] = [
      { version: '1.0', order: 1 },
      { version: '2.0', order: 2 },
      { version: '2.0', order: 3, draft: true },
    ]
    for (const [i, attributes] of tagged.entries())
      await provider.uploadFile(`${i}.md`, Buffer.from(text(i)), metadataFor(`${i}.md`, text(i), attributes))
    const paths = async (filter?: Record<string, string | number | boolean | (string | number | boolean)[]>) =>
      (await provider.search('marmot tunnel', { limit: 10, ...(filter ? { filter } : {}) })).map(h => h.path).sort()
    expect(await paths()).toEqual(['0.md', '1.md', '2.md'])
    expect(await paths({ version: '2.0', order: [3, 4] })).toEqual(['2.md'])
    expect(await paths({ draft: true })).toEqual(['2.md'])
    expect(await paths({ version: ['1.0', '2.0'], order: [1, 2] })).toEqual(['0.md', '1.md'])
    expect(await paths({ version: '3.0' })).toEqual([])
    await provider.cleanup()
    await server.stop()
  })

  it("searches by vector through the wire protocol (pg over PGlite's socket server)", async () => {
    const server = await startSocketServer(await shared.get())
    cleanups.push(server.stop)
    const embed = conceptEmbedder()
    const provider = createPostgresProvider({
      connectionString: server.url,
      embed,
      maxConnections: 1,
      schema: 'socket_test',
    })
    cleanups.push(() => provider.cleanup())
    await provider.createStore('socket')
    expect(provider.backend).toBe('server')
    expect(provider.capabilities).toMatchObject({ vector: true })
    const texts = [
      'Growing heirloom tomatoes and basil.',
      'A reverse proxy for websockets.',
      'Sourdough with a rye starter.',
    ]
    const results = await provider.uploadFiles(
      texts.map((t, i) => ({ content: Buffer.from(t), metadata: metadataFor(`${i}.txt`, t) })),
    )
    expect(results.every(r => r.fileId)).toBe(true)
    // No word of these queries is in any document: only the vectors can find the answer.
    expect((await provider.search('a fresh loaf of bread'))[0]?.path).toBe('2.txt')
    expect((await provider.search('vegetable garden'))[0]?.path).toBe('0.txt')
    // Close the connection now: the shared PGlite goes on serving other tests in-process.
    await provider.cleanup()
    await server.stop()
  })
})

/** Maps words of one topic to one direction, so a query can match a document sharing no word with it. */
function conceptEmbedder() {
  const topics = [
    ['tomatoes', 'basil', 'growing', 'vegetable', 'garden'],
    ['proxy', 'websockets', 'reverse', 'network'],
    ['sourdough', 'rye', 'starter', 'bread', 'loaf', 'fresh'],
  ]
  return Object.assign(
    async (texts: string[]) =>
      texts.map(text => {
        const words = text.toLowerCase().match(/\w+/g) ?? []
        return [...topics.map(topic => words.filter(w => topic.includes(w)).length), 0.01]
      }),
    { id: 'test-concepts', dimensions: 4 },
  )
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
}
