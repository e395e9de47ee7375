import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPineconeServer, type PineconeServer } from '../../src/testing'
import { createPineconeProvider, type PineconeProviderOptions } from '../../src/providers/pinecone'
import { describeProviderConformance } from './conformance'
import { hashingEmbedder, metadataFor } from './helpers'

// The offline Pinecone server (src/testing/pinecone), reached by the official client over HTTP.
// No real Pinecone project is used: the server follows the published API in what the provider uses.
let server: PineconeServer
beforeAll(async () => {
  server = await createPineconeServer({
    indexes: [
      { name: 'docs', dimension: 64 },
      { name: 'small', dimension: 8 },
      { name: 'integrated', dimension: 64, embedModel: 'llama-text-embed-v2' },
      { name: 'pods', dimension: 64, kind: 'pod' },
    ],
  })
})
afterAll(() => server.close())

const options = (extra: PineconeProviderOptions = {}): PineconeProviderOptions => ({
  pineconeApiKey: server.apiKey,
  pineconeIndex: 'docs',
  pineconeControllerHost: server.url,
  embed: hashingEmbedder(),
  ...extra,
})
const count = (route: string) => server.requests[route] ?? 0

describeProviderConformance('pinecone', async () => ({ provider: createPineconeProvider(options()) }))

describe('pinecone provider', () => {
  it('keeps every chunk of a long document under its id prefix, and removes them all with it', async () => {
    const embed = hashingEmbedder()
    const provider = createPineconeProvider(options({ embed, chunkSize: 200, chunkOverlap: 20 }))
    const ns = await provider.createStore('pinecone chunks')
    const text = Array.from({ length: 30 }, (_, i) => `## Part ${i}\n\nThe walrus number ${i} sings.`).join('\n\n')
    const fileId = await provider.uploadFile('long.md', Buffer.from(text), metadataFor('long.md', text))
    expect(embed.texts).toBeGreaterThan(10)
    const records = server.records('docs', ns)
    expect(records).toHaveLength(embed.texts)
    expect(records.every(r => r.id.startsWith(`${fileId}#`) && r.metadata?.path === 'long.md')).toBe(true)
    expect(await provider.listFiles()).toHaveLength(1)
    expect(await provider.storeStatus()).toMatchObject({ files: 1, completed: 1 })
    await provider.deleteFile(fileId)
    expect(server.records('docs', ns)).toEqual([])
  })

  it('a rename sets metadata in one request, embedding and upserting nothing; a dropped attribute is gone', async () => {
    const embed = hashingEmbedder()
    const provider = createPineconeProvider(options({ embed, chunkSize: 200, chunkOverlap: 20 }))
    await provider.createStore('pinecone rename')
    const text = Array.from({ length: 8 }, (_, i) => `## Otter ${i}\n\nThe otter ferry ${i} leaves at six.`).join(
      '\n\n',
    )
    const fileId = await provider.uploadFile('a.md', Buffer.from(text), metadataFor('a.md', text, { draft: true }))
    const [calls, upserts, updates] = [embed.calls, count('POST /vectors/upsert'), count('POST /vectors/update')]
    await provider.updateAttributes(fileId, metadataFor('b.md', text, { draft: true, title: 'Otter' }))
    expect([embed.calls, count('POST /vectors/upsert'), count('POST /vectors/update')]).toEqual([
      calls,
      upserts,
      updates + 1,
    ])
    expect((await provider.search('otter ferry', { filter: { path: 'b.md' } }))[0]).toMatchObject({ fileId })
    // Pinecone's update cannot remove a key: the records are written again with their own vectors.
    const embedded = embed.calls
    await provider.updateAttributes(fileId, metadataFor('c.md', text, { title: 'Otter' }))
    expect(embed.calls).toBe(embedded)
    const [file] = await provider.listFiles()
    expect(file).toMatchObject({ fileId, path: 'c.md' })
    expect(file!.attributes).toEqual(metadataFor('c.md', text, { title: 'Otter' }).attributes)
    const [hit] = await provider.search('otter ferry leaves')
    expect(hit).toMatchObject({ fileId, path: 'c.md' })
    expect(hit!.text).toContain('otter ferry')
  })

  it('splits a document of more than 1000 records over several upserts, within the 2 MB limit', async () => {
    const embed = hashingEmbedder()
    const provider = createPineconeProvider(options({ embed, chunkSize: 100, chunkOverlap: 0 }))
    const ns = await provider.createStore('pinecone big')
    const text = Array.from({ length: 1300 }, (_, i) => `## Section ${i}\n\nParagraph ${i} of the heron atlas.`).join(
      '\n\n',
    )
    const before = count('POST /vectors/upsert')
    const [result] = await provider.uploadFiles([
      { content: Buffer.from(text), metadata: metadataFor('atlas.md', text) },
    ])
    expect(result!.error).toBeUndefined()
    expect(server.records('docs', ns).length).toBe(embed.texts)
    expect(embed.texts).toBeGreaterThan(1000)
    expect(count('POST /vectors/upsert') - before).toBeGreaterThanOrEqual(2)
    await provider.deleteFile(result!.fileId!)
    expect(server.records('docs', ns)).toEqual([])
  })

  it("keeps a chunk's text within Pinecone's 40 KB of metadata beside large attributes", async () => {
    const provider = createPineconeProvider(options({ chunkSize: 8000, chunkOverlap: 0 }))
    const ns = await provider.createStore('pinecone metadata')
    const wide = '𝄞'.repeat(256) // 4 bytes a character
    const attributes = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`k${i}`, wide]))
    const text = `# Wide\n\n${'𝄞 ferry '.repeat(1000)}`
    const [result] = await provider.uploadFiles([
      { content: Buffer.from(text), metadata: metadataFor('wide.md', text, attributes) },
    ])
    expect(result!.error).toBeUndefined()
    for (const record of server.records('docs', ns)) {
      expect(Buffer.byteLength(JSON.stringify(record.metadata))).toBeLessThanOrEqual(40 * 1024)
      expect(record.metadata).toMatchObject(attributes)
      expect(String(record.metadata!._vn_text).length).toBeGreaterThan(100)
    }
  })

  it('refuses an attribute key Pinecone reads as an operator, naming it', async () => {
    const provider = createPineconeProvider(options())
    await provider.createStore('pinecone reserved')
    const [result] = await provider.uploadFiles([
      { content: Buffer.from('Text.'), metadata: metadataFor('a.md', 'Text.', { $in: 'x' }) },
    ])
    expect(result!.error).toBe('Attribute key "$in" is reserved in a Pinecone store: rename it.')
  })

  it('a missing namespace is simply not there', async () => {
    const provider = createPineconeProvider(options())
    await provider.initialize({ storeId: 'vectornator-missing-namespace' })
    expect(await provider.verifyStore()).toBe(false)
    expect(await provider.storeStatus()).toBeUndefined()
  })

  it('says in one line how to fix a refused key, an unknown index and an unreachable host', async () => {
    const wrongKey = createPineconeProvider(options({ pineconeApiKey: 'pc-wrong' }))
    await expect(wrongKey.connect()).rejects.toThrow(
      /^pinecone: the API key was refused: set PINECONE_API_KEY to a key of the project that holds index docs$/,
    )
    const unknown = createPineconeProvider(options({ pineconeIndex: 'nope' }))
    await expect(unknown.connect()).rejects.toThrow(/^pinecone: index nope does not exist in this project: create/)
    const down = createPineconeProvider(options({ pineconeControllerHost: 'http://127.0.0.1:9' }))
    await expect(down.connect()).rejects.toThrow(/^pinecone: cannot reach Pinecone \(http:\/\/127\.0\.0\.1:9/)
  })

  it('refuses an index of another dimension, one with integrated embedding, and a pod-based one', async () => {
    // The embedder says its dimension: refused when the index is opened, before anything is embedded.
    const small = createPineconeProvider(options({ pineconeIndex: 'small' }))
    await expect(small.connect()).rejects.toThrow(
      /^pinecone: index small holds 8-dimensional vectors but the embedder \(test-hash-64\) makes 64: use an index of dimension 64/,
    )
    // One that does not say is refused at its first vectors, before any upsert.
    const silent = Object.assign(async (texts: string[]) => hashingEmbedder()(texts), { id: 'quiet' })
    const quiet = createPineconeProvider(options({ pineconeIndex: 'small', embed: silent }))
    await quiet.createStore('pinecone dims')
    const upserts = count('POST /vectors/upsert')
    await expect(quiet.uploadFile('a.md', Buffer.from('Text.'), metadataFor('a.md', 'Text.'))).rejects.toThrow(
      /holds 8-dimensional vectors but the embedder \(quiet\) makes 64/,
    )
    expect(count('POST /vectors/upsert')).toBe(upserts)
    await expect(createPineconeProvider(options({ pineconeIndex: 'integrated' })).connect()).rejects.toThrow(
      /^pinecone: index integrated embeds text itself \(integrated embedding, model llama-text-embed-v2\): use a dense index/,
    )
    await expect(createPineconeProvider(options({ pineconeIndex: 'pods' })).connect()).rejects.toThrow(
      /^pinecone: index pods is not serverless .*: use a serverless index$/,
    )
  })

  it('a quota refusal fails the document in one line, and leaves no half-written records', async () => {
    const provider = createPineconeProvider(options({ chunkSize: 100, chunkOverlap: 0 }))
    const ns = await provider.createStore('pinecone quota')
    server.fail({ route: 'POST /vectors/upsert', status: 429, message: 'Request rate limit exceeded', times: 1 })
    const text = Array.from({ length: 20 }, (_, i) => `## Part ${i}\n\nThe quota gull ${i}.`).join('\n\n')
    const [result] = await provider.uploadFiles([{ content: Buffer.from(text), metadata: metadataFor('q.md', text) }])
    expect(result!.fileId).toBeUndefined()
    expect(result!.error).toMatch(
      /^pinecone: Pinecone refused the request for a quota or rate limit \(.*\): wait and sync again, or raise the project's limits$/,
    )
    expect(server.records('docs', ns)).toEqual([])
  })

  it('settings: a missing key or index is one line naming the variable, and the key is never in a message', async () => {
    const { pineconeDefinition } = await import('../../src/providers/pinecone/definition')
    const problems: string[] = []
    const input = (env: Record<string, string>) => ({ options: { embed: hashingEmbedder() }, env, root: '/tmp' })
    const s = pineconeDefinition.settings(input({}), problems)
    expect(problems).toEqual([])
    expect(pineconeDefinition.missing!(s)).toMatch(/^pinecone: no API key: export PINECONE_API_KEY=/)
    const keyed = pineconeDefinition.settings(input({ PINECONE_API_KEY: 'pc-secret-1234567890' }), problems)
    expect(pineconeDefinition.missing!(keyed)).toMatch(/^pinecone: no index: export PINECONE_INDEX=/)
    pineconeDefinition.settings(
      input({ PINECONE_API_KEY: 'pc-secret-1234567890', PINECONE_INDEX: 'Bad_Name' }),
      problems,
    )
    expect(problems).toEqual([
      'pinecone: PINECONE_INDEX "Bad_Name" is not a Pinecone index name: use 1 to 45 lower-case letters, digits or hyphens',
    ])
    expect(JSON.stringify(pineconeDefinition.fingerprint(keyed))).not.toContain('pc-secret')
  })
})
