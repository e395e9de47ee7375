import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { sync } from '../src'
import { silentLogger } from '../src/lib/logger'
import type { VectornatorOptions } from '../src/types'
import { countRequests, STORE_CHECK } from './helpers/requests'
import { makeTree, pages, writeTree } from './helpers/tree'

let server: OpenAIServer
let client: OpenAI

beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 5 })
  client = new OpenAI({ apiKey: 'test', baseURL: server.url })
})
afterAll(() => server.close())

const opts = (root: string, extra: VectornatorOptions = {}): VectornatorOptions => ({
  root,
  provider: 'openai',
  apiKey: 'test',
  baseURL: server.url,
  metadata: 'file',
  logger: silentLogger,
  ...extra,
})

async function remote(storeId: string) {
  const files = []
  for await (const f of client.vectorStores.files.list(storeId, { limit: 100 })) files.push(f)
  return files
}

describe('sync with the OpenAI provider against the offline server', () => {
  it('uploads 260 documents across several list pages, with path and sha256 attributes, then does nothing on a second run', async () => {
    const root = makeTree(pages(260))
    const first = await sync(opts(root))
    expect(first.added).toHaveLength(260)
    expect(first.failed).toEqual([])
    expect(first.storeId).toMatch(/^vs_/)
    const files = await remote(first.storeId)
    expect(files).toHaveLength(260)
    expect(new Set(files.map(f => f.attributes?.path)).size).toBe(260)
    const page7 = files.find(f => f.attributes?.path === 'docs/page-007.md')!
    expect(page7.attributes).toMatchObject({ title: 'Page 007', url: '/docs/page-007' })
    expect(page7.attributes?.sha256).toMatch(/^[0-9a-f]{64}$/)

    const sent = countRequests(server)
    const second = await sync(opts(root))
    expect(second.unchanged).toBe(260)
    expect(second.added).toEqual([])
    // One request: the store's counts, checked against the state's.
    expect(sent()).toEqual({ [STORE_CHECK]: 1 })
  })

  it('keeps a document searchable throughout its update, then leaves no orphan File object', async () => {
    const root = makeTree({ 'guide.md': '# Guide\n\nThe flux capacitor needs 1.21 gigawatts.\n' })
    const { storeId } = await sync(opts(root))
    const [old] = await remote(storeId)

    writeTree(root, { 'guide.md': '# Guide\n\nThe flux capacitor needs 1.21 gigawatts and plutonium.\n' })
    let searching = true
    const seen: number[] = []
    const watcher = (async () => {
      while (searching) {
        const page = await client.vectorStores.search(storeId, { query: 'flux capacitor gigawatts' })
        seen.push(page.data.length)
      }
    })()
    const result = await sync(opts(root))
    searching = false
    await watcher
    expect(result.updated).toEqual(['guide.md'])
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every(n => n > 0)).toBe(true)

    const after = await remote(storeId)
    expect(after).toHaveLength(1)
    expect(after[0].id).not.toBe(old.id)
    expect(server.files().some(f => f.id === old.id)).toBe(false)
  })

  it('deletes a removed document from the store and its File object', async () => {
    const root = makeTree({ 'a.md': '# A\n\nalpha', 'b.md': '# B\n\nbravo' })
    const { storeId } = await sync(opts(root))
    const bId = (await remote(storeId)).find(f => f.attributes?.path === 'b.md')!.id
    writeTree(root, { 'b.md': null })
    const result = await sync(opts(root))
    expect(result.deleted).toEqual(['b.md'])
    expect((await remote(storeId)).map(f => f.attributes?.path)).toEqual(['a.md'])
    expect(server.files().some(f => f.id === bId)).toBe(false)
  })

  it('uploads .mdx and .rst, which file search refuses by extension, under a supported name', async () => {
    const root = makeTree({
      'intro.mdx': '# Intro\n\n<Badge /> quantum widgets',
      'ref.rst': 'Reference\n=========\n\nquantum',
    })
    const result = await sync(opts(root))
    expect(result.failed).toEqual([])
    // The store's key stands before the extensions (ownership, see uploadName).
    const names = server
      .files()
      .filter(f => /^intro\.vn[0-9a-f]{8}\.mdx\.md$|^ref\.vn[0-9a-f]{8}\.rst\.txt$/.test(f.filename))
    expect(names).toHaveLength(2)
    expect((await remote(result.storeId)).map(f => f.attributes?.path).sort()).toEqual(['intro.mdx', 'ref.rst'])
  })

  it('converges in one run under 15% 5xx, 10% 429 and 3% dropped connections, for adds, then updates and deletes', async () => {
    const faults = { error5xx: 0.15, rateLimit429: 0.1, drop: 0.03 }
    const faulty = await createOpenAIServer({ processingMs: 2, faults: { seed: 7, ...faults } })
    try {
      const tree: Record<string, string | null> = pages(60)
      const root = makeTree(tree as Record<string, string>)
      const o = { ...opts(root), baseURL: faulty.url }
      const c = new OpenAI({ apiKey: 'test', baseURL: faulty.url })
      const expectInStep = async (storeId: string) => {
        faulty.setFaults({})
        const state = JSON.parse(readFileSync(join(root, '.vectornator/metadata.json'), 'utf8'))
        const files = []
        for await (const f of c.vectorStores.files.list(storeId, { limit: 100 })) files.push(f)
        const local = Object.keys(tree)
          .filter(p => tree[p] !== null)
          .sort()
        expect(files.map(f => f.attributes?.path).sort()).toEqual(local)
        expect(Object.keys(state.files).sort()).toEqual(local)
        expect(state.journal).toBeUndefined()
        for (const f of files) expect(state.files[f.attributes!.path as string].fileId).toBe(f.id)
        // No File object is left that no document uses.
        const attached = new Set(files.map(f => f.id))
        expect(faulty.files().filter(f => !attached.has(f.id))).toEqual([])
      }

      // One run, no second chance: the SDK's retries, the pacer and the provider's own rounds.
      const first = await sync(o)
      expect(first.failed).toEqual([])
      expect(first.added).toHaveLength(60)
      await expectInStep(first.storeId)
      const faultsSeen = faulty.stats.faults
      faulty.setFaults({ seed: 8, ...faults })

      const change: Record<string, string | null> = {}
      for (let i = 0; i < 5; i++) change[`docs/page-00${i}.md`] = `# Page 00${i}\n\nRewritten page ${i}.\n`
      for (let i = 50; i < 55; i++) change[`docs/page-0${i}.md`] = null
      for (let i = 60; i < 65; i++) change[`docs/page-0${i}.md`] = `# Page 0${i}\n\nA new page ${i}.\n`
      Object.assign(tree, change)
      writeTree(root, change)
      const second = await sync(o)
      expect(second.failed).toEqual([])
      expect({ added: second.added.length, updated: second.updated.length, deleted: second.deleted.length }).toEqual({
        added: 5,
        updated: 5,
        deleted: 5,
      })
      await expectInStep(first.storeId)
      expect(faultsSeen).toBeGreaterThan(10)
      expect(faulty.stats.faults).toBeGreaterThan(faultsSeen)
    } finally {
      await faulty.close()
    }
  })

  it("reports a file the store fails, with the store's reason, and retries it next run", async () => {
    const failing = await createOpenAIServer({
      processingMs: 2,
      faults: { failFile: f => (f.filename.includes('bad') ? 'The file could not be parsed.' : undefined) },
    })
    try {
      const root = makeTree({ 'good.md': '# Good\n\nok', 'bad.md': '# Bad\n\nbroken' })
      const o = { ...opts(root), baseURL: failing.url }
      const result = await sync(o)
      expect(result.added).toEqual(['good.md'])
      expect(result.failed).toEqual([{ path: 'bad.md', error: expect.stringContaining('could not be parsed') }])
      failing.setFaults({})
      const again = await sync(o)
      expect(again.added).toEqual(['bad.md'])
      expect(failing.files()).toHaveLength(2)
    } finally {
      await failing.close()
    }
  })
})
