import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { sync } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import { createOpenAIProvider } from '../../src/providers/openai'
import { createOpenAIServer } from '../../src/testing'
import { makeTree, pages } from '../helpers/tree'

describe('openai: attaching beside the uploads, when the API sends no poll hint', () => {
  it('stores every file, creates batches before the last upload, and attaches again the files the store failed once', async () => {
    // The real API does not promise `openai-poll-after-ms`, and takes time per file.
    const failedOnce = new Set<string>()
    const server = await createOpenAIServer({
      rateLimits: false,
      pollHint: false,
      processingMs: { min: 1000, max: 1500, seed: 7 },
      faults: {
        failFile: ({ filename }) => {
          if (!/7\.vn[0-9a-f]{8}\.md$/.test(filename) || failedOnce.has(filename)) return undefined
          failedOnce.add(filename)
          return 'The server had an error while processing the file.'
        },
      },
    })
    // The order in which the server answered, as the SDK saw it.
    const answered: string[] = []
    const client = new OpenAI({
      apiKey: 'test',
      baseURL: server.url,
      fetch: async (input, init) => {
        const response = await fetch(input, init)
        const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
        const route = `${init?.method ?? 'GET'} ${url.pathname.replace(/^\/v1/, '').replace(/\/vs_[^/]+/, '/{store}')}`
        // A batch's creation is logged with the id it was given.
        answered.push(
          route.endsWith('/file_batches')
            ? `${route}/${((await response.clone().json()) as { id: string }).id}`
            : route,
        )
        return response
      },
    })
    try {
      const root = makeTree(pages(1200))
      const result = await sync({
        root,
        provider: createOpenAIProvider({ client }),
        metadata: 'file',
        logger: silentLogger,
      })
      expect(result.failed).toEqual([])
      expect(result.added).toHaveLength(1200)
      const stored = server.vectorStoreFiles(result.storeId)
      expect(stored).toHaveLength(1200)
      expect(stored.every(f => f.status === 'completed')).toBe(true)
      expect(new Set(stored.map(f => f.attributes?.path)).size).toBe(1200)
      // The store failed some files once; they were attached again, not reported, not uploaded twice.
      expect(failedOnce.size).toBeGreaterThan(0)
      expect(server.files()).toHaveLength(1200)

      const created = answered.flatMap((r, i) =>
        r.startsWith('POST /vector_stores/{store}/file_batches/') ? [{ i, id: r.split('/').pop()! }] : [],
      )
      const lastUpload = answered.lastIndexOf('POST /files')
      expect(created.length).toBeGreaterThan(1)
      expect(created[0]!.i).toBeLessThan(lastUpload)
      // Each batch was processed while files went on uploading (all but the last two, after which
      // few or no uploads are left): an upload was answered between its creation and the read
      // that found it done, across the engine's batches of 500 as well as inside them.
      const uploadsBefore = created.filter(c => c.i < lastUpload)
      const overlapped = uploadsBefore.slice(0, -2).map(({ i, id }) => {
        const lastRead = answered.findLastIndex(r => r === `GET /vector_stores/{store}/file_batches/${id}`)
        return answered.slice(i, lastRead).includes('POST /files')
      })
      expect(overlapped.length).toBeGreaterThan(5)
      expect(overlapped).not.toContain(false)
    } finally {
      await server.close()
    }
  })
})
