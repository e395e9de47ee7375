import { describe, expect, it } from 'vitest'
import { createOpenAIServer } from '../src/testing'
import { sync } from '../src'
import { silentLogger } from '../src/lib/logger'
import { parseResetDuration } from '../src/providers/shared/rate-window'
import { makeTree, pages } from './helpers/tree'

describe('pacing to the real API limits', () => {
  it('reads the reset durations the API sends', () => {
    expect(parseResetDuration('6m0s')).toBe(360_000)
    expect(parseResetDuration('1.5s')).toBe(1500)
    expect(parseResetDuration('120ms')).toBe(120)
    expect(parseResetDuration('1h2m')).toBe(3_720_000)
    expect(parseResetDuration(null)).toBeUndefined()
  })

  it('a first sync of 1,500 files under the real limits (a 2 s minute, so they bind) completes with every file once and no failure', async () => {
    // The real values: 1,000 uploads a minute per user, 300 attach requests a minute per store,
    // 2,000 attached files a minute per organization; only the minute is shortened.
    const server = await createOpenAIServer({ processingMs: 1, rateLimits: { minuteMs: 2000 } })
    try {
      const root = makeTree(pages(1500))
      const result = await sync({
        root,
        provider: 'openai',
        apiKey: 'test',
        baseURL: server.url,
        metadata: 'file',
        logger: silentLogger,
        concurrency: 16,
      })
      expect(result.failed).toEqual([])
      expect(result.added).toHaveLength(1500)
      const stored = server.vectorStoreFiles(result.storeId)
      expect(stored).toHaveLength(1500)
      expect(new Set(stored.map(f => f.attributes?.path)).size).toBe(1500)
      expect(stored.every(f => f.status === 'completed')).toBe(true)
      // No File object beyond the documents: nothing uploaded twice by a retry.
      expect(server.files()).toHaveLength(1500)
      // Paced from the headers: the limits were hit, but rarely.
      console.log(`pacing: ${server.stats.rateLimited} answers 429 of ${server.stats.requests} requests`)
      expect(server.stats.rateLimited).toBeLessThan(50)
    } finally {
      await server.close()
    }
  })
})

describe('documents the store never finishes', () => {
  it('a file left in_progress past the timeout is reported failed and retried by the next run', async () => {
    let stuck = true
    const server = await createOpenAIServer({
      processingMs: 1,
      faults: { stuckFile: f => stuck && f.filename.startsWith('slow.') },
    })
    try {
      const root = makeTree({
        'slow.md': '# Slow\n\nnever finishes',
        'fast.md': '# Fast\n\nfine',
        'other.md': '# Other\n\nfine too',
      })
      const options = {
        root,
        provider: 'openai' as const,
        apiKey: 'test',
        baseURL: server.url,
        metadata: 'file' as const,
        logger: silentLogger,
        processingTimeoutMs: 300,
      }
      const first = await sync(options)
      expect(first.added.sort()).toEqual(['fast.md', 'other.md'])
      expect(first.failed).toEqual([{ path: 'slow.md', error: expect.stringContaining('in_progress') }])
      // Nothing of it is left behind to pay for.
      expect(
        server
          .files()
          .map(f => f.filename.replace(/\.vn[0-9a-f]{8}/, ''))
          .sort(),
      ).toEqual(['fast.md', 'other.md'])
      stuck = false
      const second = await sync(options)
      expect(second.added).toEqual(['slow.md'])
      expect(second.failed).toEqual([])
    } finally {
      await server.close()
    }
  })
})
