import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { sync } from '../src'
import { silentLogger } from '../src/lib/logger'
import createPostgresProvider, { createOpenAIEmbedder } from '../src/providers/postgres'
import type { VectornatorOptions } from '../src/types'
import { metadataFor, tempDir } from './providers/helpers'
import { sharedPGlite } from './providers/pglite'
import { makeTree, pages, writeTree } from './helpers/tree'

// `concurrency` is the most requests in flight to the store, counted where they arrive: at the
// offline server, which holds every request LATENCY_MS so that overlapping ones are seen together.
const LATENCY_MS = 15
const BOUNDS = [1, 3, 8]

const EMBEDDINGS = 'POST /embeddings'

describe('the offline server counts requests in flight', () => {
  it('sees as many at once as a client has out, and one at a time when they go one after another', async () => {
    const server = await createOpenAIServer({ latencyMs: 30 })
    try {
      const get = () => fetch(`${server.url}/vector_stores`, { headers: { authorization: 'Bearer test' } })
      await Promise.all(Array.from({ length: 5 }, get))
      expect(server.stats.peakInFlight).toBe(5)
      expect(server.stats.peakInFlightByRoute['GET /vector_stores']).toBe(5)
      expect(server.stats.inFlight).toBe(0)
      server.stats.reset()
      for (let i = 0; i < 3; i++) await get()
      expect(server.stats.peakInFlight).toBe(1)
    } finally {
      await server.close()
    }
  })
})

describe('concurrency bounds the requests in flight to the OpenAI store', () => {
  let server: OpenAIServer
  // A server per test: its File objects are then this test's alone.
  beforeEach(async () => {
    server = await createOpenAIServer({ latencyMs: LATENCY_MS, processingMs: 100 })
  })
  afterEach(() => server.close())

  const opts = (root: string, concurrency: number): VectornatorOptions => ({
    root,
    provider: 'openai',
    apiKey: 'test',
    baseURL: server.url,
    metadata: 'file',
    logger: silentLogger,
    concurrency,
  })

  for (const concurrency of BOUNDS) {
    it(`at ${concurrency}: a first sync of 240 documents, then updates, additions and deletions, never more and at some point exactly that many`, async () => {
      // Attached by 100 (GROUP_FILES): a group's attach and polls overlap the next group's uploads.
      const root = makeTree(pages(240))
      const first = await sync(opts(root, concurrency))
      expect(first.failed).toEqual([])
      expect(first.added).toHaveLength(240)
      const firstPeak = server.stats.peakInFlight

      const changes: Record<string, string | null> = {}
      for (let i = 0; i < 12; i++) changes[`docs/page-${String(i).padStart(3, '0')}.md`] = `# Page ${i}\n\nRewritten.\n`
      for (let i = 30; i < 40; i++) changes[`docs/page-${String(i).padStart(3, '0')}.md`] = null
      for (let i = 0; i < 6; i++) changes[`docs/new-${i}.md`] = `# New ${i}\n\nAdded later.\n`
      writeTree(root, changes)
      server.stats.reset()
      const second = await sync(opts(root, concurrency))
      expect(second.failed).toEqual([])
      expect(second.updated).toHaveLength(12)
      expect(second.added).toHaveLength(6)
      expect(second.deleted).toHaveLength(10)
      // Replaced versions and deleted documents were removed too: what is left is exactly the tree.
      expect(server.vectorStoreFiles(second.storeId)).toHaveLength(236)
      expect(server.files()).toHaveLength(236)
      const secondPeak = server.stats.peakInFlight
      const routes = server.stats.peakInFlightByRoute

      console.log(
        `concurrency ${concurrency}: peak in flight ${firstPeak} (first sync), ${secondPeak} (second)`,
        routes,
      )
      expect(firstPeak).toBe(concurrency)
      expect(secondPeak).toBe(concurrency)
      // The deletions alone (a detach, then the File object) stay under the bound too.
      expect(routes['DELETE /files/{file_id}']).toBeLessThanOrEqual(concurrency)
    })
  }
})

describe('concurrency bounds the embedding requests of the postgres store', () => {
  let server: OpenAIServer
  const store = tempDir()
  const shared = sharedPGlite(store.path)
  beforeAll(async () => {
    // Longer: the embedder's slot is also held while the SDK builds a request and reads its
    // answer, which the database's work in this same process can delay.
    server = await createOpenAIServer({ latencyMs: 100 })
  })
  afterAll(async () => {
    await server.close()
    await shared.close()
    store.remove()
  })

  // Vectors of 8 numbers: many requests, small answers.
  const embedder = () => createOpenAIEmbedder({ apiKey: 'test', baseURL: server.url, dimensions: 8 })

  for (const concurrency of BOUNDS) {
    it(`at ${concurrency}: overlapping uploads (as a sync's batches overlap) never have more embedding requests out, and reach it`, async () => {
      const provider = createPostgresProvider({
        pglite: await shared.get(),
        schema: `bound_${concurrency}`,
        embed: embedder(),
        // Two documents a request: each call has many requests to make.
        embedBatchSize: 2,
        concurrency,
      })
      try {
        await provider.createStore('bounded')
        server.stats.reset()
        const calls = Array.from({ length: 10 }, (_, call) =>
          provider.uploadFiles!(
            Array.from({ length: 10 }, (_, i) => {
              const path = `docs/c${call}-${i}.md`
              const content = Buffer.from(`# Call ${call} page ${i}\n\nThe zq${call}x${i} widget.\n`)
              return { content, metadata: metadataFor(path, content) }
            }),
          ),
        )
        const results = (await Promise.all(calls)).flat()
        expect(results.filter(r => !r.fileId)).toEqual([])
        const peak = server.stats.peakInFlightByRoute[EMBEDDINGS]
        console.log(`postgres, concurrency ${concurrency}: peak embedding requests in flight ${peak}`)
        expect(peak).toBe(concurrency)
      } finally {
        await provider.cleanup()
      }
    })
  }

  it('a sync with `concurrency: 1` hands the bound to the provider it creates: its embedding requests go one at a time', async () => {
    // 40 documents of ~40 chunks each: more than one request's worth of texts, so the upload has
    // two requests to make at once, and may not.
    const paragraph = (n: number) => `Paragraph ${n} of this page tells the widget story in plain words.\n\n`
    const files = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [
        `docs/long-${i}.md`,
        `# Long ${i}\n\n${Array.from({ length: 60 }, (_, n) => paragraph(n)).join('')}`,
      ]),
    )
    const root = makeTree(files)
    server.stats.reset()
    const result = await sync({
      root,
      provider: 'postgres',
      apiKey: 'test',
      baseURL: server.url,
      embed: embedder(),
      chunkSize: 100,
      chunkOverlap: 0,
      metadata: 'file',
      logger: silentLogger,
      concurrency: 1,
    })
    expect(result.failed).toEqual([])
    expect(result.added).toHaveLength(40)
    expect(server.stats.byRoute[EMBEDDINGS]).toBeGreaterThan(1)
    expect(server.stats.peakInFlightByRoute[EMBEDDINGS]).toBe(1)
  })
})
