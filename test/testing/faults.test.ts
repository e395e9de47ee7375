import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import type { FaultOptions } from '../../src/testing'
import { start, upload } from './helpers'

describe('fault injection', () => {
  it('injects 429s with retry-after-ms, which the SDK waits out and retries', async () => {
    const { client, server } = await start({ faults: { rateLimit429: 1, retryAfterMs: 20, maxFaultsPerRequest: 1 } })
    const started = Date.now()
    for (let i = 0; i < 5; i++) await client.files.list()
    // Five 20 ms waits; the SDK's own backoff would have taken at least 5 × 375 ms.
    expect(Date.now() - started).toBeLessThan(1500)
    expect(server.stats).toMatchObject({ requests: 10, faults: 5, rateLimited: 5 })
  })

  it('surfaces 5xx and dropped connections when the SDK may not retry', async () => {
    const { client, server } = await start({ faults: { error5xx: 1 } }, { maxRetries: 0 })
    const error = await client.files.list().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'server_error' })
    server.setFaults({ drop: 1 })
    await expect(client.files.list()).rejects.toBeInstanceOf(OpenAI.APIConnectionError)
    server.setFaults(undefined)
    await expect(client.files.list()).resolves.toBeDefined()
    expect(server.stats.faults).toBe(2)
  })

  it('has 5xx and drops retried by the SDK with its default two retries', async () => {
    const { client, server } = await start({ faults: { seed: 7, error5xx: 0.25, drop: 0.25, maxFaultsPerRequest: 2 } })
    // Concurrent, so the SDK's backoffs (0.5 s, then 1 s) overlap.
    const [uploads, lists] = await Promise.all([
      Promise.all(Array.from({ length: 6 }, (_, i) => upload(client, `f${i}.md`, `file ${i}`))),
      Promise.all(Array.from({ length: 6 }, () => client.files.list())),
    ])
    expect(uploads.every(f => f.object === 'file')).toBe(true)
    expect(lists.every(l => Array.isArray(l.data))).toBe(true)
    expect(server.stats.faults).toBeGreaterThan(0)
    // Every fault cost exactly one retry.
    expect(server.stats.requests).toBe(12 + server.stats.faults)
  })

  it('loses the response of an applied POST: the retried upload leaves a second File', async () => {
    const { client, server } = await start({ faults: { drop: 1, dropAfterApply: 1, maxFaultsPerRequest: 1 } })
    const file = await upload(client, 'doc.md', 'twice')
    const stored = server.files()
    expect(stored.map(f => f.content.toString())).toEqual(['twice', 'twice'])
    expect(stored[1]!.id).toBe(file.id)
  })

  it('picks the same faults for the same seed and request sequence', async () => {
    const faults: FaultOptions = { seed: 1234, error5xx: 0.2, rateLimit429: 0.2, drop: 0.2 }
    const outcomes = async () => {
      const { client } = await start({ faults }, { maxRetries: 0 })
      const seen: string[] = []
      for (let i = 0; i < 30; i++) {
        seen.push(
          await client.files.list().then(
            () => 'ok',
            (e: { status?: number }) => String(e.status ?? 'dropped'),
          ),
        )
      }
      return seen
    }
    const first = await outcomes()
    expect(new Set(first)).toEqual(new Set(['ok', '429', 'dropped', '500', '502', '503']))
    expect(await outcomes()).toEqual(first)
  })

  it('adds latencyMs to every request', async () => {
    const { client } = await start({ latencyMs: 40 })
    const started = Date.now()
    await client.files.list()
    expect(Date.now() - started).toBeGreaterThanOrEqual(40)
  })

  it('converges when the client raises maxRetries, where the default two retries give up', async () => {
    // Mostly injected 429s (cheap: 5 ms each) so a request meets several faults in a row quickly.
    const faults: FaultOptions = { seed: 41, error5xx: 0.05, drop: 0.05, rateLimit429: 0.3, retryAfterMs: 5 }
    // Sequential, so the fault sequence (and the test's duration) is the same on every run.
    const sync = async (maxRetries: number) => {
      const { client, server } = await start({ processingMs: 0, faults }, { maxRetries })
      const files = []
      for (let i = 0; i < 6; i++) files.push(await upload(client, `doc-${i}.md`, `document number ${i}`))
      const store = await client.vectorStores.create({ name: 'flaky' })
      const batch = await client.vectorStores.fileBatches.createAndPoll(store.id, {
        files: files.map((f, i) => ({ file_id: f.id, attributes: { path: `docs/doc-${i}.md` } })),
      })
      const listed = []
      for await (const f of client.vectorStores.files.list(store.id, { limit: 4 })) listed.push(f.id)
      const hits = await client.vectorStores.search(store.id, { query: 'document number 3' })
      return { server, files, batch, listed, hits }
    }
    await expect(sync(2)).rejects.toBeInstanceOf(OpenAI.APIError)

    const { server, files, batch, listed, hits } = await sync(8)
    expect(batch.file_counts).toMatchObject({ completed: 6, total: 6 })
    expect(listed.sort()).toEqual(files.map(f => f.id).sort())
    expect(hits.data[0]!.attributes).toEqual({ path: 'docs/doc-3.md' })
    expect(server.stats.faults).toBeGreaterThan(3)
    // Seed 41 mixes in a 5xx or a dropped connection, not only 429s.
    expect(server.stats.faults).toBeGreaterThan(server.stats.rateLimited)
    expect(server.stats.requests).toBe(server.stats.faults + 6 + 1 + 2 + 2 + 1)
  })
})
