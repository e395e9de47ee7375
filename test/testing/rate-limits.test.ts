import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { formatDuration } from '../../src/testing/rate-limits'
import { start, upload } from './helpers'

describe('rate limits', () => {
  it('are on by default with the real limits, and every limited response carries x-ratelimit headers', async () => {
    const { client } = await start()
    const { response: uploaded } = await client.files
      .create({ file: new File(['x'], 'a.md'), purpose: 'assistants' })
      .withResponse()
    expect(uploaded.headers.get('x-ratelimit-limit-requests')).toBe('1000')
    expect(uploaded.headers.get('x-ratelimit-remaining-requests')).toBe('999')
    expect(uploaded.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+ms|\d+(\.\d+)?s|\d+m[\d.]+s)$/)

    const store = await client.vectorStores.create({})
    const file = await upload(client, 'b.md', 'b')
    const { response: attached } = await client.vectorStores.files.create(store.id, { file_id: file.id }).withResponse()
    expect(attached.headers.get('x-ratelimit-limit-requests')).toBe('300')
    expect(attached.headers.get('x-ratelimit-remaining-requests')).toBe('299')
  })

  it('formats reset durations like the real headers', () => {
    expect(formatDuration(120)).toBe('120ms')
    expect(formatDuration(1000)).toBe('1s')
    expect(formatDuration(17_500)).toBe('17.5s')
    expect(formatDuration(360_000)).toBe('6m0s')
    expect(formatDuration(3_723_000)).toBe('1h2m3s')
  })

  it('answers a burst over a shortened minute with 429, retry-after-ms and retry-after', async () => {
    const { client, server } = await start({ rateLimits: { minuteMs: 600, uploadsPerMinute: 5 } }, { maxRetries: 0 })
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => upload(client, `f${i}.md`, 'x')))
    const rejected = results.filter(r => r.status === 'rejected').map(r => (r as PromiseRejectedResult).reason)
    expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(5)
    expect(rejected).toHaveLength(3)
    for (const error of rejected) {
      expect(error).toBeInstanceOf(OpenAI.RateLimitError)
      expect(error.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' })
      const wait = Number(error.headers.get('retry-after-ms'))
      expect(wait).toBeGreaterThan(0)
      expect(wait).toBeLessThanOrEqual(600)
      expect(error.headers.get('retry-after')).toBe('1')
      expect(error.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    }
    expect(server.stats.rateLimited).toBe(3)
    // GETs are not under these limits.
    for (let i = 0; i < 10; i++) await client.files.list()
    await new Promise(resolve => setTimeout(resolve, Number(rejected[0].headers.get('retry-after-ms'))))
    await expect(upload(client, 'later.md', 'x')).resolves.toMatchObject({ object: 'file' })
  })

  it('is honoured by the SDK, which waits retry-after-ms (not its own backoff) and retries', async () => {
    const { client, server } = await start({ rateLimits: { minuteMs: 600, attachRequestsPerMinute: 1 } })
    const [store, other] = await Promise.all([client.vectorStores.create({}), client.vectorStores.create({})])
    const [a, b, c] = await Promise.all(['a.md', 'b.md', 'c.md'].map(name => upload(client, name, name)))
    const first = Date.now()
    await client.vectorStores.files.create(store.id, { file_id: a!.id })
    // The limit is per store: another store is not held back.
    await client.vectorStores.files.create(other.id, { file_id: c!.id })
    await client.vectorStores.fileBatches.create(store.id, { file_ids: [b!.id] })
    // One 429 and one retry, after the first attach left the window. Had the SDK used its own
    // first backoff (375..500 ms, shorter than the window) it would have met a second 429.
    expect(server.stats.rateLimited).toBe(1)
    expect(server.stats.byRoute['POST /vector_stores/{vector_store_id}/file_batches']).toBe(2)
    expect(Date.now() - first).toBeGreaterThanOrEqual(600)
  })

  it('limits attached files per organization, a batch over the budget attaching nothing', async () => {
    const { client, server } = await start({ rateLimits: { attachedFilesPerMinute: 3 } }, { maxRetries: 0 })
    const [one, two] = await Promise.all([client.vectorStores.create({}), client.vectorStores.create({})])
    const files = await Promise.all(['a.md', 'b.md', 'c.md', 'd.md'].map(name => upload(client, name, name)))
    await expect(
      client.vectorStores.fileBatches.create(one.id, { file_ids: files.map(f => f.id) }),
    ).rejects.toMatchObject({ status: 429, error: { code: 'rate_limit_exceeded' } })
    expect(server.vectorStoreFiles(one.id)).toEqual([])
    await client.vectorStores.fileBatches.create(one.id, { file_ids: [files[0]!.id, files[1]!.id] })
    await client.vectorStores.files.create(two.id, { file_id: files[2]!.id })
    await expect(client.vectorStores.files.create(two.id, { file_id: files[3]!.id })).rejects.toBeInstanceOf(
      OpenAI.RateLimitError,
    )
  })

  it('can be turned off', async () => {
    const { client } = await start({ rateLimits: false }, { maxRetries: 0 })
    const { response } = await client.files
      .create({ file: new File(['x'], 'a.md'), purpose: 'assistants' })
      .withResponse()
    expect(response.headers.get('x-ratelimit-limit-requests')).toBeNull()
  })
})
