import { Pinecone } from '@pinecone-database/pinecone'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPineconeServer, type PineconeServer } from '../../src/testing'

// The offline Pinecone server, driven by the official client (and by plain HTTP where the
// body of an answer is what is checked).
let server: PineconeServer
let pc: Pinecone
beforeAll(async () => {
  server = await createPineconeServer({ indexes: [{ name: 'idx', dimension: 3 }] })
  pc = new Pinecone({ apiKey: server.apiKey, controllerHostUrl: server.url })
})
afterAll(() => server.close())

const ns = (name: string) => pc.index('idx').namespace(name)
const vec = (id: string, values: number[], metadata?: Record<string, string | number | boolean | string[]>) => ({
  id,
  values,
  ...(metadata ? { metadata } : {}),
})

describe('offline Pinecone server', () => {
  it('describes an index with its host, and answers 404 and 401 with the control plane error body', async () => {
    const model = await pc.describeIndex('idx')
    expect(model).toMatchObject({ name: 'idx', dimension: 3, metric: 'cosine', vectorType: 'dense' })
    expect(model.host).toBe(`${server.url}/data/idx`)
    const missing = await fetch(`${server.url}/indexes/nope`, { headers: { 'Api-Key': server.apiKey } })
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'Resource nope not found' },
      status: 404,
    })
    const anonymous = await fetch(`${server.url}/indexes/idx`)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' }, status: 401 })
    await expect(new Pinecone({ apiKey: 'wrong', controllerHostUrl: server.url }).describeIndex('idx')).rejects.toThrow(
      /API key you provided was rejected/,
    )
  })

  it('refuses a vector of another dimension with the data plane error body, writing nothing', async () => {
    const res = await fetch(`${server.url}/data/idx/vectors/upsert`, {
      method: 'POST',
      headers: { 'Api-Key': server.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: 'dims', vectors: [vec('ok', [1, 0, 0]), vec('bad', [1, 0])] }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      code: 3,
      message: 'Vector dimension 2 does not match the dimension of the index 3',
      details: [],
    })
    expect(server.records('idx', 'dims')).toEqual([])
  })

  it('enforces the published limits: 1000 records, 2 MB a request, 40 KB of metadata a record', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => vec(`r${i}`, [1, 0, 0]))
    await expect(ns('limits').upsert({ records: many })).rejects.toThrow(/1001 vectors.*limit of 1000/)
    const big = { text: 'x'.repeat(41 * 1024) }
    await expect(ns('limits').upsert({ records: [vec('big', [1, 0, 0], big)] })).rejects.toThrow(
      /Metadata size is \d+ bytes, which exceeds the limit of 40960 bytes/,
    )
    const heavy = Array.from({ length: 80 }, (_, i) => vec(`h${i}`, [1, 0, 0], { text: 'y'.repeat(30_000) }))
    await expect(ns('limits').upsert({ records: heavy })).rejects.toThrow(/exceeds the limit of 2097152 bytes/)
    expect(server.records('idx', 'limits')).toEqual([])
  })

  it('lists ids by prefix in byte order, page by page with pagination tokens', async () => {
    const index = ns('list')
    await index.upsert({
      records: ['b#0', 'a#1', 'a#0', 'a#10', 'ab#0', 'a#2'].map(id => vec(id, [1, 1, 0])),
    })
    const first = await index.listPaginated({ prefix: 'a#', limit: 2 })
    expect(first.vectors!.map(v => v.id)).toEqual(['a#0', 'a#1'])
    const second = await index.listPaginated({ prefix: 'a#', limit: 2, paginationToken: first.pagination!.next })
    expect(second.vectors!.map(v => v.id)).toEqual(['a#10', 'a#2'])
    expect(second.pagination).toBeUndefined()
    expect((await index.listPaginated()).vectors!.map(v => v.id)).toEqual(['a#0', 'a#1', 'a#10', 'a#2', 'ab#0', 'b#0'])
  })

  it('queries by cosine with metadata filters ($eq, $in, $ne, $and, $or, $exists)', async () => {
    const index = ns('query')
    await index.upsert({
      records: [
        vec('x', [1, 0, 0], { lang: 'en', v: 1, draft: false }),
        vec('y', [0.9, 0.1, 0], { lang: 'fr', v: 2 }),
        vec('z', [0, 1, 0], { lang: 'en', v: 3, tags: ['a', 'b'] }),
      ],
    })
    const ids = async (filter?: object) =>
      (
        await index.query({ vector: [1, 0, 0], topK: 10, includeMetadata: true, ...(filter ? { filter } : {}) })
      ).matches.map(m => m.id)
    expect(await ids()).toEqual(['x', 'y', 'z'])
    expect(await ids({ lang: 'en' })).toEqual(['x', 'z'])
    expect(await ids({ lang: { $in: ['fr', 'de'] } })).toEqual(['y'])
    expect(await ids({ $and: [{ lang: { $ne: 'fr' } }, { v: { $gte: 2 } }] })).toEqual(['z'])
    expect(await ids({ $or: [{ draft: { $eq: false } }, { tags: { $eq: 'b' } }] })).toEqual(['x', 'z'])
    expect(await ids({ draft: { $exists: true } })).toEqual(['x'])
    await expect(ids({ lang: { $like: 'e%' } })).rejects.toThrow(/unknown operator \$like/)
    const [top] = (await index.query({ vector: [1, 0, 0], topK: 1, includeMetadata: true })).matches
    expect(top).toMatchObject({ id: 'x', score: 1, metadata: { lang: 'en' } })
  })

  it('fetches, updates metadata by id and by filter, deletes by ids and all, and counts in stats and namespaces', async () => {
    const index = ns('crud')
    await index.upsert({ records: [vec('d#0', [1, 0, 0], { f: 'd', a: 1 }), vec('d#1', [0, 1, 0], { f: 'd' })] })
    expect(Object.keys((await index.fetch({ ids: ['d#0', 'gone'] })).records)).toEqual(['d#0'])
    await index.update({ filter: { f: { $eq: 'd' } }, metadata: { path: 'new.md' } })
    expect(server.records('idx', 'crud').map(r => r.metadata)).toEqual([
      { f: 'd', a: 1, path: 'new.md' },
      { f: 'd', path: 'new.md' },
    ])
    await index.update({ id: 'd#1', metadata: { a: 2 } })
    expect(server.records('idx', 'crud')[1]!.metadata).toMatchObject({ a: 2, path: 'new.md' })
    expect((await index.describeIndexStats()).namespaces?.crud).toEqual({ recordCount: 2 })
    expect(await index.describeNamespace('crud')).toMatchObject({ name: 'crud', recordCount: 2 })
    await index.deleteMany({ ids: ['d#0'] })
    expect(server.records('idx', 'crud').map(r => r.id)).toEqual(['d#1'])
    await index.deleteAll()
    expect(server.records('idx', 'crud')).toEqual([])
    await expect(index.createNamespace({ name: 'crud' })).rejects.toThrow()
    await index.deleteNamespace('crud')
    await expect(index.describeNamespace('crud')).rejects.toMatchObject({ name: 'PineconeNotFoundError' })
  })
})
