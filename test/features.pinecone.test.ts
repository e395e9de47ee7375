import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, createPineconeServer, type OpenAIServer, type PineconeServer } from '../src/testing'
import { createVectornator, status, sync } from '../src'
import { silentLogger } from '../src/lib/logger'
import type { VectornatorOptions } from '../src/types'
import { createPineconeProvider } from '../src/providers/pinecone'
import { createOpenAIEmbedder } from '../src/providers/embedders/openai'
import { runCli } from './helpers/cli'
import { zephyrSite } from './helpers/zephyr-site'
import { metadataFor } from './providers/helpers'

// Real syncs through the core against the offline Pinecone server (src/testing/pinecone, reached
// by the official client over HTTP), with OpenAI embeddings from the offline OpenAI server. No
// real Pinecone project is used.
let openai: OpenAIServer
let pinecone: PineconeServer
const DIMENSION = createOpenAIEmbedder({ apiKey: 'test' }).dimensions!
beforeAll(async () => {
  openai = await createOpenAIServer()
  pinecone = await createPineconeServer({
    apiKey: 'pc-e2e-secret-0123456789',
    indexes: [
      { name: 'zephyr', dimension: DIMENSION },
      { name: 'narrow', dimension: 8 },
    ],
  })
})
const roots: string[] = []
afterAll(async () => {
  await openai.close()
  await pinecone.close()
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

const embeddings = () => openai.stats.byRoute['POST /embeddings'] ?? 0
const upserts = () => pinecone.requests['POST /vectors/upsert'] ?? 0

const site = () => {
  const root = zephyrSite()
  roots.push(root)
  return root
}

const opts = (root: string, extra: VectornatorOptions = {}): VectornatorOptions => ({
  root,
  provider: 'pinecone',
  apiKey: 'test',
  baseURL: openai.url,
  pineconeApiKey: pinecone.apiKey,
  pineconeIndex: 'zephyr',
  pineconeControllerHost: pinecone.url,
  metadata: 'file',
  logger: silentLogger,
  baseUrl: 'https://zephyr.dev',
  version: { patterns: ['versioned_docs/version-{version}/**'], default: 'current' },
  ...extra,
})
const search = (root: string, query: string, request = {}) => createVectornator(opts(root)).search(query, request)

describe('pinecone provider through the core', () => {
  it('first sync, no-op, edit, rename without embedding or upsert, delete; search follows each, filtered to the version', async () => {
    const root = site()
    const first = await sync(opts(root))
    expect(first.failed).toEqual([])
    expect(first.added.sort()).toEqual([
      'guide/config.md',
      'guide/install.md',
      'index.md',
      'versioned_docs/version-1.0/guide/config.md',
    ])
    // Every record carries the document's attributes in Pinecone's metadata.
    const records = pinecone.records('zephyr', first.storeId!)
    expect(records.find(r => r.metadata?.path === 'guide/install.md')?.metadata).toMatchObject({
      title: 'Installing Zephyr',
      url: 'https://zephyr.dev/guide/install',
      version: 'current',
    })
    const paths = async (request = {}) =>
      (await search(root, 'warp factor', { limit: 10, ...request })).map(h => h.path)
    const current = await paths()
    expect(current[0]).toBe('guide/config.md')
    expect(current).not.toContain('versioned_docs/version-1.0/guide/config.md')
    expect(await paths({ version: '1.0' })).toEqual(['versioned_docs/version-1.0/guide/config.md'])

    const before = [embeddings(), upserts()]
    expect(await sync(opts(root))).toMatchObject({ added: [], updated: [], deleted: [], unchanged: 4 })
    expect([embeddings(), upserts()]).toEqual(before)

    writeFileSync(
      join(root, 'guide/config.md'),
      '# Configuring Zephyr\n\nThe zephyr.toml file sets the hyperdrive ratio.\n',
    )
    expect(await sync(opts(root))).toMatchObject({ updated: ['guide/config.md'], added: [], deleted: [] })
    const [hit] = await search(root, 'hyperdrive ratio')
    expect(hit).toMatchObject({ path: 'guide/config.md' })
    expect(hit!.text).toContain('hyperdrive')

    const beforeRename = [embeddings(), upserts()]
    renameSync(join(root, 'guide/install.md'), join(root, 'guide/setup.md'))
    const moved = await sync(opts(root))
    expect(moved.renamed).toEqual([{ from: 'guide/install.md', to: 'guide/setup.md' }])
    expect(moved.added).toEqual([])
    expect([embeddings(), upserts()]).toEqual(beforeRename)
    expect((await search(root, 'zephyr installer turbo flag'))[0]).toMatchObject({
      path: 'guide/setup.md',
      attributes: { url: 'https://zephyr.dev/guide/setup', title: 'Installing Zephyr' },
    })

    rmSync(join(root, 'index.md'))
    expect((await sync(opts(root))).deleted).toEqual(['index.md'])
    expect(pinecone.records('zephyr', first.storeId!).some(r => r.metadata?.path === 'index.md')).toBe(false)
    expect((await search(root, 'made-up build tool')).map(h => h.path)).not.toContain('index.md')
    expect((await createVectornator(opts(root)).verify()).missing).toEqual([])
  })

  it('a document removed behind its back is uploaded again; verify and prune see what the state does not track', async () => {
    const root = site()
    const first = await sync(opts(root))
    const direct = createPineconeProvider({
      pineconeApiKey: pinecone.apiKey,
      pineconeIndex: 'zephyr',
      pineconeControllerHost: pinecone.url,
      embed: createOpenAIEmbedder({ apiKey: 'test', baseURL: openai.url }),
    })
    await direct.initialize({ storeId: first.storeId })
    const files = await direct.listFiles()
    expect(files).toHaveLength(4)
    await direct.deleteFile(files.find(f => f.path === 'index.md')!.fileId)

    expect((await createVectornator(opts(root)).verify()).missing.map(m => m.path)).toEqual(['index.md'])
    const repaired = await sync(opts(root))
    expect(repaired.repaired).toEqual(['index.md'])
    expect((await search(root, 'made-up build tool'))[0]).toMatchObject({ path: 'index.md' })

    const stray = '# Stray\n\nA leftover page.\n'
    await direct.uploadFile('stray.md', Buffer.from(stray), metadataFor('stray.md', stray))
    const vn = createVectornator(opts(root))
    expect((await vn.verify()).untracked.map(u => u.path)).toEqual(['stray.md'])
    const pruned = await vn.prune()
    expect(pruned.documents.map(d => d.path)).toEqual(['stray.md'])
    expect(await vn.verify()).toMatchObject({ untracked: [], missing: [], stale: [], remote: 4, tracked: 4 })
    expect((await sync(opts(root))).unchanged).toBe(4)
  })

  it('a chunking change re-indexes every document', async () => {
    const root = site()
    await sync(opts(root))
    const report = await status(opts(root, { chunkSize: 400, chunkOverlap: 50 }))
    expect(report.plan.update).toHaveLength(4)
    expect((await sync(opts(root, { chunkSize: 400, chunkOverlap: 50 }))).updated).toHaveLength(4)
  })
})

describe('pinecone from the CLI', () => {
  const env = () => ({
    OPENAI_API_KEY: 'test',
    OPENAI_BASE_URL: openai.url,
    PINECONE_API_KEY: pinecone.apiKey,
    PINECONE_INDEX: 'zephyr',
    PINECONE_CONTROLLER_HOST: pinecone.url,
  })

  it('syncs, then is unchanged, then searches, from the environment alone', async () => {
    const root = site()
    const first = await runCli(['sync', '--provider', 'pinecone', '--json', '--metadata', 'file'], {
      cwd: root,
      env: env(),
    })
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout).added).toHaveLength(4)
    expect(first.stderr).toMatch(/created namespace \S+ in Pinecone index zephyr/)
    expect(first.stdout + first.stderr).not.toContain(pinecone.apiKey)
    const second = await runCli(['sync', '--provider', 'pinecone', '--json', '--metadata', 'file'], {
      cwd: root,
      env: env(),
    })
    expect(JSON.parse(second.stdout)).toMatchObject({ added: [], unchanged: 4 })
    const found = await runCli(['search', 'warp factor', '--provider', 'pinecone', '--json', '--metadata', 'file'], {
      cwd: root,
      env: env(),
    })
    expect(found.code, found.stderr).toBe(0)
    expect(JSON.parse(found.stdout)[0]).toMatchObject({ path: 'guide/config.md' })
  })

  it('bad input fails in one line naming the fix, with nothing written to the index', async () => {
    const root = site()
    const run = (extra: Record<string, string | undefined>) =>
      runCli(['sync', '--provider', 'pinecone', '--metadata', 'file'], { cwd: root, env: { ...env(), ...extra } })
    const before = upserts()
    const noKey = await run({ PINECONE_API_KEY: undefined })
    expect(noKey.code).toBe(2)
    expect(noKey.stderr.trim().split('\n')).toHaveLength(1)
    expect(noKey.stderr).toMatch(/pinecone: no API key: export PINECONE_API_KEY=/)

    const wrongKey = await run({ PINECONE_API_KEY: 'pc-wrong-key-0123456789' })
    expect(wrongKey.code).not.toBe(0)
    expect(wrongKey.stderr).toMatch(/pinecone: the API key was refused: set PINECONE_API_KEY/)
    expect(wrongKey.stderr).not.toContain('pc-wrong-key-0123456789')

    const narrow = await run({ PINECONE_INDEX: 'narrow' })
    expect(narrow.code).not.toBe(0)
    expect(narrow.stderr).toMatch(
      new RegExp(`pinecone: index narrow holds 8-dimensional vectors but the embedder .* makes ${DIMENSION}`),
    )
    const missing = await run({ PINECONE_INDEX: 'absent' })
    expect(missing.stderr).toMatch(/pinecone: index absent does not exist in this project/)
    expect(upserts()).toBe(before)
  })
})
