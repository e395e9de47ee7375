import { toFile } from 'openai'
import { describe, expect, it } from 'vitest'
import { createOpenAIServer } from '../../src/testing'
import { processingClock } from '../../src/testing/processing'
import { raw, start, upload } from './helpers'

const FILE_ROUTE = 'GET /vector_stores/{vector_store_id}/files/{file_id}'
const BATCH_ROUTE = 'GET /vector_stores/{vector_store_id}/file_batches/{batch_id}'

describe('processing time and the poll hint', () => {
  it('by default: in-progress reads carry openai-poll-after-ms, and files settle at once unless given a processing time', async () => {
    const { client, server } = await start({ processingMs: 300 })
    const store = await client.vectorStores.create({})
    const file = await upload(client, 'a.md', 'alpha')
    await client.vectorStores.files.create(store.id, { file_id: file.id })
    const read = await raw(server, `/vector_stores/${store.id}/files/${file.id}`)
    expect(read.body.status).toBe('in_progress')
    expect(Number(read.headers.get('openai-poll-after-ms'))).toBeGreaterThan(0)
    expect(await client.vectorStores.files.poll(store.id, file.id)).toMatchObject({ status: 'completed' })

    const { client: instant } = await start()
    const quick = await instant.vectorStores.create({})
    const done = await instant.vectorStores.fileBatches.uploadAndPoll(quick.id, {
      files: [await toFile(Buffer.from('b'), 'b.md')],
    })
    expect(done).toMatchObject({ status: 'completed', file_counts: { completed: 1 } })
  })

  it('harsh: no poll hint and 500-2000 ms per file; the SDK helpers still finish, after their 5 s fallback wait', async () => {
    const { client, server } = await start({ pollHint: false, processingMs: { min: 500, max: 2000, seed: 7 } })
    const store = await client.vectorStores.create({})
    const files = await Promise.all(['a.md', 'b.md', 'c.md'].map(name => upload(client, name, name)))
    const single = await upload(client, 'd.md', 'delta')

    const batch = await client.vectorStores.fileBatches.create(store.id, { file_ids: files.map(f => f.id) })
    expect(batch).toMatchObject({ status: 'in_progress', file_counts: { in_progress: 3, completed: 0 } })
    const attached = await client.vectorStores.files.create(store.id, { file_id: single.id })
    expect(attached.status).toBe('in_progress')
    const read = await raw(server, `/vector_stores/${store.id}/file_batches/${batch.id}`)
    expect(read.headers.get('openai-poll-after-ms')).toBeNull()

    const [polledBatch, polledFile] = await Promise.all([
      client.vectorStores.fileBatches.poll(store.id, batch.id),
      client.vectorStores.files.poll(store.id, single.id),
    ])
    expect(polledBatch).toMatchObject({ status: 'completed', file_counts: { completed: 3, in_progress: 0, total: 3 } })
    expect(polledFile).toMatchObject({ status: 'completed' })
    // Every file takes under 5 s, so each helper read twice: in progress, then (after 5 s) done.
    expect(server.stats.byRoute[BATCH_ROUTE]).toBe(2 + 1)
    expect(server.stats.byRoute[FILE_ROUTE]).toBe(2)
    expect((await client.vectorStores.retrieve(store.id)).file_counts).toMatchObject({ completed: 4, total: 4 })
  }, 20_000)

  it('draws processing times from the range with the seeded PRNG: the same seed, the same times', () => {
    const draw = (seed: number) => {
      const next = processingClock({ min: 500, max: 2000, seed })
      return Array.from({ length: 50 }, next)
    }
    const times = draw(1)
    expect(draw(1)).toEqual(times)
    expect(draw(2)).not.toEqual(times)
    for (const ms of times) expect(ms >= 500 && ms <= 2000).toBe(true)
    expect(new Set(times).size).toBeGreaterThan(25)
    expect(processingClock(250)()).toBe(250)
  })

  it('refuses a processing range that is not one, naming the option', async () => {
    await expect(createOpenAIServer({ processingMs: { min: 2000, max: 500 } })).rejects.toThrow(
      /processingMs .*min <= max/,
    )
    await expect(createOpenAIServer({ processingMs: -1 })).rejects.toThrow(/processingMs/)
  })
})
