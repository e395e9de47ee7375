import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQdrantProvider, type QdrantProviderOptions } from '../../src/providers/qdrant'
import { createQdrantServer, type QdrantServer } from '../../src/testing'
import { describeProviderConformance } from './conformance'
import { hashingEmbedder, metadataFor } from './helpers'

// The offline Qdrant server (src/testing/qdrant), spoken to by the official client over HTTP: no
// real Qdrant runs here, so this is what the provider is tested against.
let server: QdrantServer
beforeAll(async () => {
  server = await createQdrantServer()
})
afterAll(() => server.close())

const options = (extra: QdrantProviderOptions = {}): QdrantProviderOptions => ({
  qdrantUrl: server.url,
  embed: hashingEmbedder(),
  ...extra,
})

describeProviderConformance('qdrant', async () => ({ provider: createQdrantProvider(options()) }))

describe('qdrant provider', () => {
  it('makes a cosine collection of the embedder size, one point per chunk carrying the document', async () => {
    const embed = hashingEmbedder(48)
    const provider = createQdrantProvider(options({ embed, chunkSize: 200, chunkOverlap: 20 }))
    const id = await provider.createStore('qdrant chunks')
    const text = Array.from({ length: 30 }, (_, i) => `## Part ${i}\n\nThe walrus number ${i} sings.`).join('\n\n')
    const metadata = metadataFor('guide/long.md', text, {
      title: 'Long',
      url: 'https://x.dev/guide/long',
      version: '2.0',
      locale: 'en',
    })
    const fileId = await provider.uploadFile('guide/long.md', Buffer.from(text), metadata)
    const points = server.points(id)
    expect(points.length).toBe(embed.texts)
    expect(points.length).toBeGreaterThan(10)
    expect(points[0]!.vector).toHaveLength(48)
    for (const p of points) {
      expect(p.payload).toMatchObject({ file_id: fileId, attributes: metadata.attributes })
      expect(typeof p.payload.text).toBe('string')
    }
    expect(new Set(points.map(p => p.payload.ord))).toEqual(new Set(points.map((_, i) => i)))
    expect(await provider.storeStatus()).toMatchObject({ files: 1 })
    await provider.deleteFile(fileId)
    expect(server.points(id)).toEqual([])
  })

  it('a rename sets the payload only: no text embedded again, no point re-sent, a dropped attribute gone', async () => {
    const embed = hashingEmbedder()
    const provider = createQdrantProvider(options({ embed }))
    const id = await provider.createStore('qdrant rename')
    const text = '# Otter\n\nThe otter ferry leaves at six.'
    const fileId = await provider.uploadFile('a.md', Buffer.from(text), metadataFor('a.md', text, { draft: true }))
    const calls = embed.calls
    const upserts = server.stats.byRoute['PUT /collections/{collection_name}/points']
    await provider.updateAttributes(fileId, metadataFor('b.md', text, { title: 'Otter' }))
    expect(embed.calls).toBe(calls)
    expect(server.stats.byRoute['PUT /collections/{collection_name}/points']).toBe(upserts)
    const [file] = await provider.listFiles()
    expect(file).toMatchObject({ fileId, path: 'b.md' })
    expect(file!.attributes).toEqual(metadataFor('b.md', text, { title: 'Otter' }).attributes)
    expect(server.points(id)[0]!.payload.attributes).not.toHaveProperty('draft')
    await expect(provider.updateAttributes('qdf_missing', metadataFor('c.md', text))).rejects.toThrow(
      /^qdrant: file qdf_missing is not in collection /,
    )
  })

  it('filters on attribute keys that need quoting, and refuses one Qdrant cannot name', async () => {
    const provider = createQdrantProvider(options())
    await provider.createStore('qdrant keys')
    await provider.uploadFile(
      'a.md',
      Buffer.from('Dotted lemur.'),
      metadataFor('a.md', 'Dotted lemur.', { 'a.b': 'x' }),
    )
    await provider.uploadFile(
      'b.md',
      Buffer.from('Dotted lemur.'),
      metadataFor('b.md', 'Dotted lemur.', { 'a.b': 'y' }),
    )
    expect((await provider.search('dotted lemur', { filter: { 'a.b': 'y' } })).map(h => h.path)).toEqual(['b.md'])
    expect((await provider.search('dotted lemur', { filter: { order: 1.5 } })).map(h => h.path)).toEqual([])
    const [result] = await provider.uploadFiles([
      { content: Buffer.from('Text.'), metadata: metadataFor('q.md', 'Text.', { 'say "hi"': 'x' }) },
    ])
    expect(result!.error).toBe('Attribute key "say "hi"" cannot be a Qdrant payload key: rename it.')
  })

  it('splits an upsert the server finds too large, and stores every chunk', async () => {
    const small = await createQdrantServer({ maxRequestBytes: 12 * 1024 })
    try {
      const embed = hashingEmbedder()
      const provider = createQdrantProvider(options({ qdrantUrl: small.url, embed, chunkSize: 400, chunkOverlap: 0 }))
      const id = await provider.createStore('qdrant split')
      const text = Array.from({ length: 400 }, (_, i) => `Paragraph ${i} of the long walrus manual.`).join('\n\n')
      await provider.uploadFile('long.md', Buffer.from(text), metadataFor('long.md', text))
      const upserts = small.stats.byRoute['PUT /collections/{collection_name}/points']!
      expect(upserts).toBeGreaterThan(1)
      expect(small.points(id).length).toBeGreaterThan(5)
      expect(small.points(id).length).toBe(embed.texts)
      expect(await provider.listFiles()).toHaveLength(1)
    } finally {
      await small.close()
    }
  })

  it('says in one line how to fix an unreachable server, a missing collection, a key refused or missing, a quota', async () => {
    const down = createQdrantProvider(options({ qdrantUrl: 'http://127.0.0.1:9' }))
    await down.initialize({ storeId: 'anything' })
    await expect(down.verifyStore()).rejects.toThrow(
      /^qdrant: cannot reach the Qdrant server at http:\/\/127\.0\.0\.1:9: start it .* or set QDRANT_URL/,
    )
    const up = createQdrantProvider(options())
    await up.initialize({ storeId: 'vectornator-missing-collection' })
    expect(await up.verifyStore()).toBe(false)
    expect(await up.storeStatus()).toBeUndefined()
    await expect(up.listFiles()).rejects.toThrow(
      /^qdrant: collection vectornator-missing-collection does not exist at .*: sync with --new-store/,
    )

    const locked = await createQdrantServer({ apiKey: 'qd-secret-key', readOnlyApiKey: 'qd-read-only' })
    try {
      const none = createQdrantProvider(options({ qdrantUrl: locked.url }))
      await none.initialize({ storeId: 'x' })
      await expect(none.verifyStore()).rejects.toThrow(
        /^qdrant: the server at .* needs an API key .*: set QDRANT_API_KEY/,
      )
      const wrong = createQdrantProvider(options({ qdrantUrl: locked.url, qdrantApiKey: 'qd-wrong-key' }))
      await wrong.initialize({ storeId: 'x' })
      const refused = await wrong.verifyStore().catch((e: Error) => e)
      expect(String(refused)).toMatch(/refused the API key .*: set QDRANT_API_KEY/)
      expect(String(refused)).not.toContain('qd-wrong-key')
      const reader = createQdrantProvider(options({ qdrantUrl: locked.url, qdrantApiKey: 'qd-read-only' }))
      await expect(reader.createStore('read only')).rejects.toThrow(
        /forbids this .*: use a read-write key in QDRANT_API_KEY/,
      )
      const writer = createQdrantProvider(options({ qdrantUrl: locked.url, qdrantApiKey: 'qd-secret-key' }))
      await writer.createStore('keyed')
      locked.failNext(
        { status: 429, error: 'Rate limiting exceeded: Write rate limit exceeded' },
        'PUT /collections/{collection_name}/points',
      )
      await expect(writer.uploadFile('a.md', Buffer.from('A.'), metadataFor('a.md', 'A.'))).rejects.toThrow(
        /^qdrant: the server at .* is over its rate limit or quota \(Rate limiting exceeded: Write rate limit exceeded\): wait and sync again/,
      )
      expect(await writer.listFiles()).toEqual([])
    } finally {
      await locked.close()
    }
  })

  it('refuses an embedder of another size than the collection, naming --new-store', async () => {
    const first = createQdrantProvider(options({ embed: hashingEmbedder(32) }))
    const id = await first.createStore('qdrant sizes')
    const second = createQdrantProvider(options({ embed: hashingEmbedder(64) }))
    await second.initialize({ storeId: id })
    await expect(second.uploadFile('a.md', Buffer.from('Text.'), metadataFor('a.md', 'Text.'))).rejects.toThrow(
      `qdrant: the embedder gives 64 dimensions, collection ${id} holds 32: sync with --new-store to make a collection of the new size`,
    )
  })

  it('refuses a bad URL, an empty key and a bad collection name in one line each', () => {
    expect(() => createQdrantProvider({ qdrantUrl: 'localhost:6333' })).toThrow(
      /qdrantUrl "localhost:6333" is not an http\(s\) URL/,
    )
    expect(() => createQdrantProvider({ qdrantApiKey: ' ' })).toThrow(/qdrantApiKey is empty/)
    expect(() => createQdrantProvider({ collection: 'a/b' })).toThrow(/not a Qdrant collection name/)
  })
})
