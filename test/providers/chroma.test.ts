import { afterAll, describe, expect, inject, it } from 'vitest'
import { createChromaProvider, type ChromaProviderOptions } from '../../src/providers/chroma'
import { describeProviderConformance } from './conformance'
import { hashingEmbedder, metadataFor } from './helpers'

// A real Chroma server, started by test/setup/chroma.ts (or the one VECTORNATOR_TEST_CHROMA_URL names).
const chromaUrl = inject('chromaUrl')
const options = (extra: ChromaProviderOptions = {}): ChromaProviderOptions => ({
  chromaUrl,
  embed: hashingEmbedder(),
  ...extra,
})

const created: string[] = []
afterAll(async () => {
  // Each test made its own collection: remove them, so a shared server is left as it was.
  const { ChromaClient } = await import('chromadb')
  const url = new URL(chromaUrl)
  const client = new ChromaClient({ host: url.hostname, port: Number(url.port) })
  for (const name of created) await client.deleteCollection({ name }).catch(() => {})
})

describeProviderConformance('chroma', async () => {
  const provider = createChromaProvider(options())
  const createStore = provider.createStore.bind(provider)
  provider.createStore = async name => {
    const id = await createStore(name)
    created.push(id)
    return id
  }
  return { provider }
})

describe('chroma provider', () => {
  it('keeps every chunk of a long document under its one id, and removes them all with it', async () => {
    const embed = hashingEmbedder()
    const provider = createChromaProvider(options({ embed, chunkSize: 200, chunkOverlap: 20 }))
    const id = await provider.createStore('chroma chunks')
    created.push(id)
    const text = Array.from({ length: 30 }, (_, i) => `## Part ${i}\n\nThe walrus number ${i} sings.`).join('\n\n')
    const fileId = await provider.uploadFile('long.md', Buffer.from(text), metadataFor('long.md', text))
    expect(embed.texts).toBeGreaterThan(10)
    expect(await provider.listFiles()).toHaveLength(1)
    const { ChromaClient } = await import('chromadb')
    const url = new URL(chromaUrl)
    const client = new ChromaClient({ host: url.hostname, port: Number(url.port) })
    const collection = await client.getCollection({ name: id, embeddingFunction: { generate: async () => [] } })
    expect(await collection.count()).toBe(embed.texts)
    await provider.deleteFile(fileId)
    expect(await collection.count()).toBe(0)
    await provider.cleanup()
  })

  it('a rename changes metadata only: no text is embedded again, and a dropped attribute is gone', async () => {
    const embed = hashingEmbedder()
    const provider = createChromaProvider(options({ embed }))
    created.push(await provider.createStore('chroma rename'))
    const text = '# Otter\n\nThe otter ferry leaves at six.'
    const fileId = await provider.uploadFile('a.md', Buffer.from(text), metadataFor('a.md', text, { draft: true }))
    const calls = embed.calls
    await provider.updateAttributes(fileId, metadataFor('b.md', text, { title: 'Otter' }))
    expect(embed.calls).toBe(calls)
    const [file] = await provider.listFiles()
    expect(file).toMatchObject({ fileId, path: 'b.md' })
    expect(file!.attributes).toEqual(metadataFor('b.md', text, { title: 'Otter' }).attributes)
    await provider.cleanup()
  })

  it('refuses an attribute key Chroma reserves, naming it', async () => {
    const provider = createChromaProvider(options())
    created.push(await provider.createStore('chroma reserved'))
    const [result] = await provider.uploadFiles([
      { content: Buffer.from('Text.'), metadata: metadataFor('a.md', 'Text.', { $where: 'x' }) },
    ])
    expect(result!.error).toBe('Attribute key "$where" is reserved in a Chroma store: rename it.')
    await provider.cleanup()
  })

  it('says in one line how to fix an unreachable server, and a missing collection is simply not there', async () => {
    const down = createChromaProvider(options({ chromaUrl: 'http://127.0.0.1:9' }))
    await down.initialize({ storeId: 'anything' })
    await expect(down.verifyStore()).rejects.toThrow(
      /^chroma: cannot reach the Chroma server at http:\/\/127\.0\.0\.1:9: start it .* or set CHROMA_URL/,
    )
    const up = createChromaProvider(options())
    await up.initialize({ storeId: 'vectornator-missing-collection' })
    expect(await up.verifyStore()).toBe(false)
    expect(await up.storeStatus()).toBeUndefined()
    await expect(up.listFiles()).rejects.toThrow(
      /^chroma: collection vectornator-missing-collection does not exist at .*: sync with --new-store/,
    )
  })
})
