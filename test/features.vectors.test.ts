import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createOpenAIServer, createQdrantServer, type OpenAIServer, type QdrantServer } from '../src/testing'
import { createVectornator, status, sync } from '../src'
import { silentLogger } from '../src/lib/logger'
import type { VectornatorOptions } from '../src/types'
import type { VectorStoreProvider } from '../src/providers/types'
import { createChromaProvider } from '../src/providers/chroma'
import { createLanceDBProvider } from '../src/providers/lancedb'
import { createQdrantProvider } from '../src/providers/qdrant'
import { createOpenAIEmbedder } from '../src/providers/embedders/openai'
import { runCli } from './helpers/cli'
import { zephyrSite } from './helpers/zephyr-site'
import { metadataFor } from './providers/helpers'

// Real syncs through the core against a real Chroma server (test/setup/chroma.ts), an embedded
// LanceDB folder and the offline Qdrant server (no real Qdrant runs here), with OpenAI embeddings
// served over HTTP by the offline OpenAI server.
let server: OpenAIServer
let qdrant: QdrantServer
const QDRANT_KEY = 'qd-test-key-not-printed'
beforeAll(async () => {
  server = await createOpenAIServer()
  qdrant = await createQdrantServer({ apiKey: QDRANT_KEY })
})
const roots: string[] = []
afterAll(async () => {
  await server.close()
  await qdrant.close()
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})
const chromaUrl = inject('chromaUrl')

const embeddings = () => server.stats.byRoute['POST /embeddings'] ?? 0

interface Face {
  name: 'chroma' | 'lancedb' | 'qdrant'
  settings: (root: string) => VectornatorOptions
  /** The same store, opened directly, to change it behind the tool's back. */
  open: (root: string) => VectorStoreProvider
}

const FACES: Face[] = [
  {
    name: 'chroma',
    settings: () => ({ chromaUrl }),
    open: () =>
      createChromaProvider({ chromaUrl, embed: createOpenAIEmbedder({ apiKey: 'test', baseURL: server.url }) }),
  },
  {
    name: 'lancedb',
    settings: () => ({}),
    open: root => createLanceDBProvider({ root, embed: createOpenAIEmbedder({ apiKey: 'test', baseURL: server.url }) }),
  },
  {
    name: 'qdrant',
    settings: () => ({ qdrant: { qdrantUrl: qdrant.url, qdrantApiKey: QDRANT_KEY } }),
    open: () =>
      createQdrantProvider({
        qdrantUrl: qdrant.url,
        qdrantApiKey: QDRANT_KEY,
        embed: createOpenAIEmbedder({ apiKey: 'test', baseURL: server.url }),
      }),
  },
]

const site = () => {
  const root = zephyrSite()
  roots.push(root)
  return root
}

describe.each(FACES)('$name provider through the core', face => {
  const opts = (root: string, extra: VectornatorOptions = {}): VectornatorOptions => ({
    root,
    provider: face.name,
    apiKey: 'test',
    baseURL: server.url,
    metadata: 'file',
    logger: silentLogger,
    baseUrl: 'https://zephyr.dev',
    version: { patterns: ['versioned_docs/version-{version}/**'], default: 'current' },
    ...face.settings(root),
    ...extra,
  })
  const search = (root: string, query: string, request = {}) => createVectornator(opts(root)).search(query, request)

  it('first sync, no-op, edit, rename without embedding, delete; search follows each, filtered to the version', async () => {
    const root = site()
    const first = await sync(opts(root))
    expect(first.failed).toEqual([])
    expect(first.added.sort()).toEqual([
      'guide/config.md',
      'guide/install.md',
      'index.md',
      'versioned_docs/version-1.0/guide/config.md',
    ])
    // The default version only, unless asked: the 1.0 page shares every word but the file name.
    // (Search by meaning ranks every document: the filter decides which may appear at all.)
    const paths = async (request = {}) =>
      (await search(root, 'warp factor', { limit: 10, ...request })).map(h => h.path)
    const current = await paths()
    expect(current[0]).toBe('guide/config.md')
    expect(current).not.toContain('versioned_docs/version-1.0/guide/config.md')
    expect(await paths({ version: '1.0' })).toEqual(['versioned_docs/version-1.0/guide/config.md'])
    expect(await paths({ version: '*' })).toEqual(
      expect.arrayContaining(['guide/config.md', 'versioned_docs/version-1.0/guide/config.md']),
    )

    const before = embeddings()
    expect(await sync(opts(root))).toMatchObject({ added: [], updated: [], deleted: [], unchanged: 4 })
    expect(embeddings()).toBe(before)

    writeFileSync(
      join(root, 'guide/config.md'),
      '# Configuring Zephyr\n\nThe zephyr.toml file sets the hyperdrive ratio.\n',
    )
    const edited = await sync(opts(root))
    expect(edited).toMatchObject({ updated: ['guide/config.md'], added: [], deleted: [] })
    const [hit] = await search(root, 'hyperdrive ratio')
    expect(hit).toMatchObject({ path: 'guide/config.md' })
    expect(hit!.text).toContain('hyperdrive')
    expect((await search(root, 'warp factor', { limit: 10 })).map(h => h.text).join()).not.toContain(
      'zephyr.toml file sets the warp',
    )

    const beforeRename = embeddings()
    renameSync(join(root, 'guide/install.md'), join(root, 'guide/setup.md'))
    const moved = await sync(opts(root))
    expect(moved.renamed).toEqual([{ from: 'guide/install.md', to: 'guide/setup.md' }])
    expect(moved.added).toEqual([])
    expect(embeddings()).toBe(beforeRename)
    expect((await search(root, 'zephyr installer turbo flag'))[0]).toMatchObject({
      path: 'guide/setup.md',
      attributes: { url: 'https://zephyr.dev/guide/setup', title: 'Installing Zephyr' },
    })

    rmSync(join(root, 'index.md'))
    const removed = await sync(opts(root))
    expect(removed.deleted).toEqual(['index.md'])
    expect((await search(root, 'made-up build tool')).map(h => h.path)).not.toContain('index.md')
    expect((await createVectornator(opts(root)).verify()).missing).toEqual([])
  })

  it('a document removed behind its back is found and uploaded again; verify and prune see what the state does not track', async () => {
    const root = site()
    const first = await sync(opts(root))
    const direct = face.open(root)
    await direct.initialize({ storeId: first.storeId })
    const files = await direct.listFiles()
    expect(files).toHaveLength(4)
    await direct.deleteFile(files.find(f => f.path === 'index.md')!.fileId)

    const drift = await createVectornator(opts(root)).verify()
    expect(drift.missing.map(m => m.path)).toEqual(['index.md'])
    const repaired = await sync(opts(root))
    expect(repaired.repaired).toEqual(['index.md'])
    expect(repaired.added).toEqual(['index.md'])
    expect((await search(root, 'made-up build tool'))[0]).toMatchObject({ path: 'index.md' })

    // A document this tool would write, that no state tracks: prune removes it, and only it.
    const stray = '# Stray\n\nA leftover page.\n'
    await direct.uploadFile('stray.md', Buffer.from(stray), metadataFor('stray.md', stray))
    await direct.cleanup()
    const vn = createVectornator(opts(root))
    expect((await vn.verify()).untracked.map(u => u.path)).toEqual(['stray.md'])
    const pruned = await vn.prune()
    expect(pruned.documents.map(d => d.path)).toEqual(['stray.md'])
    expect(pruned.deleted).toBe(1)
    const after = await vn.verify()
    expect(after).toMatchObject({ untracked: [], missing: [], stale: [], remote: 4, tracked: 4 })
    expect((await sync(opts(root))).unchanged).toBe(4)
  })

  it('a chunking change re-indexes every document', async () => {
    const root = site()
    await sync(opts(root))
    const report = await status(opts(root, { chunkSize: 400, chunkOverlap: 50 }))
    expect(report.plan.update).toHaveLength(4)
    expect(report.plan.reasons[0]).toMatch(/chunk.*changed: 4 documents to re-index/)
    expect((await sync(opts(root, { chunkSize: 400, chunkOverlap: 50 }))).updated).toHaveLength(4)
  })
})

describe('chroma and lancedb from the CLI', () => {
  it('chroma with no embedder fails in one line naming the fix, before any request', async () => {
    const root = site()
    const run = await runCli(['sync', '--provider', 'chroma', '--metadata', 'file'], {
      cwd: root,
      env: { OPENAI_API_KEY: undefined, CHROMA_URL: chromaUrl },
    })
    expect(run.code).toBe(2)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toMatch(/chroma: no embedder .*export OPENAI_API_KEY=/)
  })

  it('chroma at an address where no server answers fails in one line naming CHROMA_URL', async () => {
    const root = site()
    const run = await runCli(['sync', '--provider', 'chroma', '--metadata', 'file'], {
      cwd: root,
      env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url, CHROMA_URL: 'http://127.0.0.1:9' },
    })
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(
      /cannot reach the Chroma server at http:\/\/127\.0\.0\.1:9: start it .* or set CHROMA_URL/,
    )
  })

  it('lancedb needs no key and no server: with no local model here, full-text search over the embedded folder, unchanged the second time', async () => {
    const root = site()
    const env = { OPENAI_API_KEY: undefined }
    const first = await runCli(['sync', '--provider', 'lancedb', '--json', '--metadata', 'file'], { cwd: root, env })
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout).added).toHaveLength(4)
    expect(first.stderr).toMatch(/LanceDB store is in .*\.vectornator\/lancedb/)
    // The local model is the default embedder; with none cached and no hub it says so in one line.
    expect(first.stderr.split('\n').filter(line => /semantic search off/.test(line))).toEqual([
      expect.stringMatching(
        /model Xenova\/all-MiniLM-L6-v2 is not cached and the hub is unreachable .*; full-text search only/,
      ),
    ])
    const second = await runCli(['sync', '--provider', 'lancedb', '--json', '--metadata', 'file'], { cwd: root, env })
    expect(JSON.parse(second.stdout)).toMatchObject({ added: [], unchanged: 4 })
    const found = await runCli(['search', 'warp factor', '--provider', 'lancedb', '--json', '--metadata', 'file'], {
      cwd: root,
      env,
    })
    expect(found.code, found.stderr).toBe(0)
    expect(JSON.parse(found.stdout)[0]).toMatchObject({ path: 'guide/config.md' })
  })
})

describe('qdrant from the CLI', () => {
  it('syncs and searches with QDRANT_URL and QDRANT_API_KEY, the key never printed', async () => {
    const root = site()
    const env = {
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: server.url,
      QDRANT_URL: qdrant.url,
      QDRANT_API_KEY: QDRANT_KEY,
    }
    const first = await runCli(['sync', '--provider', 'qdrant', '--json', '--metadata', 'file'], { cwd: root, env })
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout).added).toHaveLength(4)
    expect(first.stderr).toMatch(/created Qdrant collection \S+ at http:\/\/127\.0\.0\.1:\d+/)
    const second = await runCli(['sync', '--provider', 'qdrant', '--json', '--metadata', 'file'], { cwd: root, env })
    expect(JSON.parse(second.stdout)).toMatchObject({ added: [], unchanged: 4 })
    const found = await runCli(['search', 'warp factor', '--provider', 'qdrant', '--json', '--metadata', 'file'], {
      cwd: root,
      env,
    })
    expect(found.code, found.stderr).toBe(0)
    expect(JSON.parse(found.stdout)[0]).toMatchObject({ path: 'guide/config.md' })
    for (const run of [first, second, found]) expect(run.stdout + run.stderr).not.toContain(QDRANT_KEY)
  })

  it('a refused key, no embedder, or no server: one line naming the fix, nothing written', async () => {
    const root = site()
    const before = qdrant.collections().length
    const base = { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url, QDRANT_URL: qdrant.url }
    const wrong = await runCli(['sync', '--provider', 'qdrant', '--metadata', 'file'], {
      cwd: root,
      env: { ...base, QDRANT_API_KEY: 'qd-wrong-key' },
    })
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toMatch(/qdrant: the server at .* refused the API key .*: set QDRANT_API_KEY/)
    expect(wrong.stderr).not.toContain('qd-wrong-key')
    const noEmbedder = await runCli(['sync', '--provider', 'qdrant', '--metadata', 'file'], {
      cwd: root,
      env: { ...base, OPENAI_API_KEY: undefined, QDRANT_API_KEY: QDRANT_KEY },
    })
    expect(noEmbedder.code).toBe(2)
    expect(noEmbedder.stderr.trim().split('\n')).toHaveLength(1)
    expect(noEmbedder.stderr).toMatch(/qdrant: no embedder .*export OPENAI_API_KEY=/)
    const down = await runCli(['sync', '--provider', 'qdrant', '--metadata', 'file'], {
      cwd: root,
      env: { ...base, QDRANT_URL: 'http://127.0.0.1:9' },
    })
    expect(down.code).not.toBe(0)
    expect(down.stderr).toMatch(
      /cannot reach the Qdrant server at http:\/\/127\.0\.0\.1:9: start it .* or set QDRANT_URL/,
    )
    expect(qdrant.collections()).toHaveLength(before)
  })
})
