import { QdrantClient } from '@qdrant/js-client-rest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQdrantServer, QDRANT_VERSION, type QdrantServer } from '../../src/testing'

// The offline Qdrant server driven by the official client over HTTP: what it answers is what the
// published API says, so the provider tested against it meets the same answers from a real one.
let server: QdrantServer
let client: QdrantClient
beforeAll(async () => {
  server = await createQdrantServer()
  client = new QdrantClient({ url: server.url, checkCompatibility: false })
})
afterAll(() => server.close())

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const unit = (i: number, size = 4) => Array.from({ length: size }, (_, j) => (j === i % size ? 1 : 0.1))

async function fresh(name: string, size = 4) {
  await client.deleteCollection(name)
  await client.createCollection(name, { vectors: { size, distance: 'Cosine' } })
}

describe('offline qdrant server: collections', () => {
  it('creates, describes, says it exists, lists and deletes a collection', async () => {
    await fresh('docs')
    expect(await client.collectionExists('docs')).toEqual({ exists: true })
    const info = await client.getCollection('docs')
    expect(info).toMatchObject({ status: 'green', points_count: 0 })
    expect(info.config.params.vectors).toEqual({ size: 4, distance: 'Cosine' })
    expect((await client.getCollections()).collections.map(c => c.name)).toContain('docs')
    expect(await client.deleteCollection('docs')).toBe(true)
    expect(await client.collectionExists('docs')).toEqual({ exists: false })
    expect(await client.deleteCollection('docs')).toBe(false)
  })

  it('answers 404 with the error body for a missing collection, 409 for one that exists', async () => {
    const missing = await client.getCollection('nowhere').catch((e: unknown) => e)
    expect(missing).toMatchObject({
      status: 404,
      data: { status: { error: "Not found: Collection `nowhere` doesn't exist!" } },
    })
    await expect(client.scroll('nowhere', {})).rejects.toMatchObject({ status: 404 })
    await fresh('twice')
    await expect(client.createCollection('twice', { vectors: { size: 4, distance: 'Cosine' } })).rejects.toMatchObject({
      status: 409,
    })
  })

  it('answers its version at / without the envelope', async () => {
    const res = await fetch(`${server.url}/`)
    expect(await res.json()).toMatchObject({ version: QDRANT_VERSION })
  })
})

describe('offline qdrant server: points', () => {
  it('upserts, scrolls in id order over pages with next_page_offset, and counts with a filter', async () => {
    await fresh('pages')
    const points = Array.from({ length: 25 }, (_, i) => ({
      id: uuid(25 - i),
      vector: unit(i),
      payload: { n: 25 - i, even: (25 - i) % 2 === 0, tag: { lang: (25 - i) % 3 === 0 ? 'fr' : 'en' } },
    }))
    expect(await client.upsert('pages', { points, wait: true })).toMatchObject({ status: 'completed' })
    const seen: unknown[] = []
    let offset: string | number | undefined | null
    let pages = 0
    do {
      const page = await client.scroll('pages', { limit: 10, ...(offset ? { offset } : {}), with_payload: ['n'] })
      seen.push(...page.points.map(p => p.payload?.n))
      offset = page.next_page_offset as string | null
      pages++
    } while (offset)
    expect(pages).toBe(3)
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
    expect((await client.count('pages', { filter: { must: [{ key: 'even', match: { value: true } }] } })).count).toBe(
      12,
    )
    expect(
      (await client.count('pages', { filter: { must: [{ key: 'tag.lang', match: { any: ['fr'] } }] } })).count,
    ).toBe(8)
    expect(
      (
        await client.count('pages', {
          filter: {
            must_not: [{ key: 'tag.lang', match: { value: 'fr' } }],
            should: [{ key: 'n', range: { lte: 3 } }],
          },
        })
      ).count,
    ).toBe(2)
  })

  it('refuses a vector of the wrong size, an id that is neither an integer nor a UUID, and a float in match', async () => {
    await fresh('strict')
    await expect(client.upsert('strict', { points: [{ id: 1, vector: [1, 2] }], wait: true })).rejects.toMatchObject({
      status: 400,
      data: { status: { error: 'Wrong input: Vector dimension error: expected dim: 4, got 2' } },
    })
    await expect(
      client.upsert('strict', { points: [{ id: 'doc-1', vector: unit(0) }], wait: true }),
    ).rejects.toMatchObject({ status: 400, data: { status: { error: expect.stringMatching(/not a valid point ID/) } } })
    await expect(
      client.count('strict', { filter: { must: [{ key: 'x', match: { value: 1.5 as unknown as number } }] } }),
    ).rejects.toMatchObject({ status: 400 })
    expect(server.points('strict')).toEqual([])
  })

  it('compares typed values: "2" is not 2, and a range matches fractions', async () => {
    await fresh('typed')
    await client.upsert('typed', {
      wait: true,
      points: [
        { id: 1, vector: unit(0), payload: { v: '2' } },
        { id: 2, vector: unit(1), payload: { v: 2 } },
        { id: 3, vector: unit(2), payload: { v: 2.5 } },
      ],
    })
    const ids = async (filter: object) => (await client.scroll('typed', { filter })).points.map(p => p.id)
    expect(await ids({ must: [{ key: 'v', match: { value: '2' } }] })).toEqual([1])
    expect(await ids({ must: [{ key: 'v', match: { value: 2 } }] })).toEqual([2])
    expect(await ids({ must: [{ key: 'v', range: { gte: 2.5, lte: 2.5 } }] })).toEqual([3])
  })

  it('queries by nearest vector with a filter, best first, cosine scores', async () => {
    await fresh('near')
    await client.upsert('near', {
      wait: true,
      points: [0, 1, 2, 3].map(i => ({ id: uuid(i), vector: unit(i), payload: { i, group: i < 2 ? 'a' : 'b' } })),
    })
    const all = await client.query('near', { query: unit(2), limit: 4, with_payload: true })
    expect(all.points).toHaveLength(4)
    const scores = all.points.map(p => p.score)
    expect(scores).toEqual([...scores].sort((x, y) => y - x))
    expect(all.points[0]!.payload?.i).toBe(2)
    expect(all.points[0]!.score).toBeCloseTo(1, 5)
    const filtered = await client.query('near', {
      query: unit(2),
      filter: { must: [{ key: 'group', match: { value: 'a' } }] },
      limit: 10,
    })
    expect(filtered.points).toHaveLength(2)
    expect(filtered.points[0]!.payload).toBeNull()
    const legacy = await client.search('near', { vector: unit(3), limit: 1, with_payload: true })
    expect(legacy[0]!.payload?.i).toBe(3)
  })

  it('sets payload by filter (merged), overwrites it (replaced), and deletes by filter', async () => {
    await fresh('payload')
    await client.upsert('payload', {
      wait: true,
      points: [1, 2, 3].map(id => ({
        id,
        vector: unit(id),
        payload: { doc: id < 3 ? 'a' : 'b', attributes: { x: 1, y: 2 } },
      })),
    })
    const byDoc = { must: [{ key: 'doc', match: { value: 'a' } }] }
    await client.setPayload('payload', { payload: { attributes: { x: 9 } }, filter: byDoc, wait: true })
    expect(server.points('payload').map(p => p.payload)).toEqual([
      { doc: 'a', attributes: { x: 9 } },
      { doc: 'a', attributes: { x: 9 } },
      { doc: 'b', attributes: { x: 1, y: 2 } },
    ])
    await client.overwritePayload('payload', { payload: { doc: 'c' }, points: [3], wait: true })
    expect(server.points('payload')[2]!.payload).toEqual({ doc: 'c' })
    expect(await client.delete('payload', { filter: byDoc, wait: true })).toMatchObject({ status: 'completed' })
    expect(server.points('payload').map(p => p.id)).toEqual([3])
  })

  it('refuses a request larger than its limit with the 400 body Qdrant sends', async () => {
    const small = await createQdrantServer({ maxRequestBytes: 2000 })
    try {
      const c = new QdrantClient({ url: small.url, checkCompatibility: false })
      await c.createCollection('big', { vectors: { size: 4, distance: 'Cosine' } })
      const points = Array.from({ length: 40 }, (_, i) => ({
        id: i,
        vector: unit(i),
        payload: { text: 'x'.repeat(50) },
      }))
      await expect(c.upsert('big', { points, wait: true })).rejects.toMatchObject({
        status: 400,
        data: { status: { error: expect.stringMatching(/is larger than allowed \(limit: 2000 bytes\)/) } },
      })
      expect(small.points('big')).toEqual([])
    } finally {
      await small.close()
    }
  })
})

describe('offline qdrant server: api key', () => {
  it('answers 401 in plain text without the key or with a wrong one, 403 to a write with the read-only key', async () => {
    const locked = await createQdrantServer({ apiKey: 'secret-rw', readOnlyApiKey: 'secret-ro' })
    try {
      const anonymous = new QdrantClient({ url: locked.url, checkCompatibility: false })
      await expect(anonymous.getCollections()).rejects.toMatchObject({
        status: 401,
        data: 'Must provide an API key or an Authorization bearer token',
      })
      const wrong = new QdrantClient({ url: locked.url, headers: { 'api-key': 'nope' }, checkCompatibility: false })
      await expect(wrong.getCollections()).rejects.toMatchObject({ status: 401, data: 'Invalid API key or JWT' })
      const rw = new QdrantClient({ url: locked.url, headers: { 'api-key': 'secret-rw' }, checkCompatibility: false })
      await rw.createCollection('keyed', { vectors: { size: 4, distance: 'Cosine' } })
      const ro = new QdrantClient({ url: locked.url, headers: { 'api-key': 'secret-ro' }, checkCompatibility: false })
      expect(await ro.collectionExists('keyed')).toEqual({ exists: true })
      await expect(ro.upsert('keyed', { points: [{ id: 1, vector: unit(0) }], wait: true })).rejects.toMatchObject({
        status: 403,
        data: { status: { error: 'Forbidden: Write access to collection keyed is required' } },
      })
    } finally {
      await locked.close()
    }
  })

  it('answers an injected fault once, with its headers', async () => {
    server.failNext(
      { status: 429, error: 'Rate limiting exceeded: Write rate limit exceeded', headers: { 'retry-after': '2' } },
      'POST /collections/{collection_name}/points/count',
    )
    await fresh('faulty')
    await expect(client.count('faulty')).rejects.toMatchObject({ name: 'QdrantClientResourceExhaustedError' })
    expect(await client.count('faulty')).toEqual({ count: 0 })
  })
})
