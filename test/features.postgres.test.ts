import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { createVectornator, status, sync } from '../src'
import { silentLogger } from '../src/lib/logger'
import type { VectornatorOptions } from '../src/types'
import { runCli } from './helpers/cli'
import { makeTree } from './helpers/tree'

// The postgres provider on its default, the embedded PGlite under <root>/.vectornator/store,
// with OpenAI embeddings served by the offline server (so the pgvector path runs too).
let server: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer()
})
afterAll(() => server.close())

const site = () =>
  makeTree({
    'guide/install.md': '---\ntitle: Installing Zephyr\n---\n\nRun the zephyr installer with the turbo flag.\n',
    'guide/config.md': '# Configuring Zephyr\n\nThe zephyr.toml file sets the warp factor.\n',
    'index.md': '# Zephyr\n\nZephyr is a made-up build tool.\n',
  })
const opts = (root: string, extra: VectornatorOptions = {}): VectornatorOptions => ({
  root,
  provider: 'postgres',
  apiKey: 'test',
  baseURL: server.url,
  metadata: 'file',
  logger: silentLogger,
  ...extra,
})
const embeddings = () => server.stats.byRoute['POST /embeddings'] ?? 0

async function search(root: string, query: string, extra: VectornatorOptions = {}) {
  const connection = await createVectornator(opts(root, extra)).connect()
  try {
    return await connection.provider.search!(query, { limit: 5 })
  } finally {
    await connection.close()
  }
}

describe('postgres provider through the core', () => {
  it('a rename embeds nothing and search finds the page under its new path; a chunking change re-indexes exactly its documents', async () => {
    const root = site()
    const first = await sync(opts(root, { baseUrl: 'https://zephyr.dev' }))
    expect(first.failed).toEqual([])
    expect(first.added).toHaveLength(3)
    expect(first.storeId).toMatch(/^pgs_/)
    const before = embeddings()
    renameSync(join(root, 'guide/install.md'), join(root, 'guide/setup.md'))
    const moved = await sync(opts(root, { baseUrl: 'https://zephyr.dev' }))
    expect(moved.renamed).toEqual([{ from: 'guide/install.md', to: 'guide/setup.md' }])
    expect(moved.added).toEqual([])
    expect(embeddings()).toBe(before)
    const hits = await search(root, 'zephyr installer turbo flag')
    expect(hits[0]).toMatchObject({
      path: 'guide/setup.md',
      attributes: { url: 'https://zephyr.dev/guide/setup', title: 'Installing Zephyr' },
    })

    const report = await status(opts(root, { chunkSize: 400, chunkOverlap: 50, baseUrl: 'https://zephyr.dev' }))
    expect(report.plan.update).toHaveLength(3)
    expect(report.plan.reasons[0]).toMatch(/chunk.*changed: 3 documents to re-index/)
    const redo = await sync(opts(root, { chunkSize: 400, chunkOverlap: 50, baseUrl: 'https://zephyr.dev' }))
    expect(redo.updated).toHaveLength(3)
    expect(
      (await sync(opts(root, { chunkSize: 400, chunkOverlap: 50, baseUrl: 'https://zephyr.dev' }))).unchanged,
    ).toBe(3)
  })

  it('check passes and fails as it should on the embedded store', async () => {
    const root = site()
    const env = { OPENAI_API_KEY: undefined }
    const first = await runCli(['sync', '--metadata', 'file'], { cwd: root, env })
    expect(first.code, first.stderr).toBe(0)
    writeFileSync(
      join(root, 'vectornator.checks.json'),
      JSON.stringify([{ query: 'warp factor', expect: 'guide/config.md', top: 1 }]),
    )
    const pass = await runCli(['check', '--metadata', 'file'], { cwd: root, env })
    expect(pass.code, pass.stderr).toBe(0)
    writeFileSync(
      join(root, 'vectornator.checks.json'),
      JSON.stringify([{ query: 'warp factor', expect: '/missing', top: 1 }]),
    )
    const fail = await runCli(['check', '--metadata', 'file'], { cwd: root, env })
    expect(fail.code).toBe(1)
    expect(fail.stdout).toContain('FAIL  warp factor')
  })

  it('named with no API key, the embedded PGlite: the first run says where the store is, the second finds everything unchanged', async () => {
    const root = site()
    // With no key LanceDB is the default embedded store: PGlite is the one named.
    const env = { OPENAI_API_KEY: undefined, DATABASE_URL: undefined }
    const pg = ['--metadata', 'file', '--provider', 'postgres']
    const first = await runCli(['sync', '--json', ...pg], { cwd: root, env })
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout).added).toHaveLength(3)
    expect(first.stderr).toMatch(/embedded store .*\.vectornator\/store.*vectornator search/)
    const second = await runCli(['sync', '--json', ...pg], { cwd: root, env })
    expect(JSON.parse(second.stdout)).toMatchObject({ added: [], unchanged: 3 })
    const found = await runCli(['search', 'warp factor', '--json', ...pg], { cwd: root, env })
    expect(JSON.parse(found.stdout)[0]).toMatchObject({ path: 'guide/config.md' })
  })
})

describe('postgres provider: embeddings in full requests', () => {
  it('a first sync of 300 pages sends at most ceil(chunks / 2048) + 1 embedding requests, and search finds each page by meaning', async () => {
    const pages = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [
        `docs/p${i}.md`,
        `# Page ${i}\n\nThe harbour's berth ${i} takes ships of ${i} metres.\n`,
      ]),
    )
    const root = makeTree(pages)
    const before = embeddings()
    const first = await sync(opts(root))
    expect(first.failed).toEqual([])
    expect(first.added).toHaveLength(300)
    // One chunk a page: 300 texts fit one request; the +1 is the slack the goal allows.
    expect(embeddings() - before).toBeLessThanOrEqual(Math.ceil(300 / 2048) + 1)
    const hits = await search(root, 'berth 123 ships')
    expect(hits.map(h => h.path)).toContain('docs/p123.md')
  }, 120_000)
})
