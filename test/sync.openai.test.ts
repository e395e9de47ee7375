import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { sync } from '../src'
import { silentLogger } from '../src/core/logger'
import type { VectornatorOptions } from '../src/types'
import { makeTree, pages, writeTree } from './helpers/tree'

let server: OpenAIServer
let client: OpenAI

beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 5 })
  client = new OpenAI({ apiKey: 'test', baseURL: server.url })
})
afterAll(() => server.close())

const opts = (root: string, extra: VectornatorOptions = {}): VectornatorOptions => ({
  root, provider: 'openai', apiKey: 'test', baseURL: server.url, metadata: 'file', logger: silentLogger, ...extra,
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

    const before = server.stats.requests
    const second = await sync(opts(root))
    expect(second.unchanged).toBe(260)
    expect(second.added).toEqual([])
    expect(server.stats.requests - before).toBe(0)
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
    const root = makeTree({ 'intro.mdx': '# Intro\n\n<Badge /> quantum widgets', 'ref.rst': 'Reference\n=========\n\nquantum' })
    const result = await sync(opts(root))
    expect(result.failed).toEqual([])
    const names = server.files().filter(f => ['intro.mdx.md', 'ref.rst.txt'].includes(f.filename))
    expect(names).toHaveLength(2)
    expect((await remote(result.storeId)).map(f => f.attributes?.path).sort()).toEqual(['intro.mdx', 'ref.rst'])
  })

  it('converges under 15% 5xx, 10% 429 and 3% dropped connections', async () => {
    const faulty = await createOpenAIServer({ processingMs: 2, faults: { seed: 7, error5xx: 0.15, rateLimit429: 0.1, drop: 0.03 } })
    try {
      const root = makeTree(pages(60))
      const o = { ...opts(root), baseURL: faulty.url }
      let result = await sync(o)
      // A document the SDK's retries could not save is reported and retried by the next run.
      for (let i = 0; i < 3 && result.failed.length > 0; i++) result = await sync(o)
      expect(result.failed).toEqual([])
      faulty.setFaults({})
      const c = new OpenAI({ apiKey: 'test', baseURL: faulty.url })
      const files = []
      for await (const f of c.vectorStores.files.list(result.storeId, { limit: 100 })) files.push(f)
      expect(files.map(f => f.attributes?.path).sort()).toEqual(Object.keys(pages(60)).sort())
      expect(faulty.stats.faults).toBeGreaterThan(0)
      // No File object is left that no document uses.
      const attached = new Set(files.map(f => f.id))
      expect(faulty.files().filter(f => !attached.has(f.id))).toEqual([])
    }
    finally { await faulty.close() }
  })

  it('reports a file the store fails, with the store\'s reason, and retries it next run', async () => {
    const failing = await createOpenAIServer({ processingMs: 2, faults: { failFile: f => (f.filename.includes('bad') ? 'The file could not be parsed.' : undefined) } })
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
    }
    finally { await failing.close() }
  })
})
