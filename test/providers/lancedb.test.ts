import { afterAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createLanceDBProvider, NO_EMBEDDER_NOTICE } from '../../src/providers/lancedb'
import { describeProviderConformance } from './conformance'
import { hashingEmbedder, metadataFor, tempDir } from './helpers'

// The embedded database in a temp folder: no server, nothing to mock.
const dir = tempDir()
afterAll(() => dir.remove())

describeProviderConformance('lancedb, full-text only', async () => ({
  provider: createLanceDBProvider({ lancedbPath: join(dir.path, 'fulltext'), embed: false }),
}))
describeProviderConformance('lancedb, vectors + full-text', async () => ({
  provider: createLanceDBProvider({ lancedbPath: join(dir.path, 'hybrid'), embed: hashingEmbedder() }),
}))

describe('lancedb provider', () => {
  it('keeps the store in its folder, under the root by default, and asks about a store without creating the folder', async () => {
    const root = tempDir()
    try {
      const provider = createLanceDBProvider({ root: root.path, embed: false })
      await provider.initialize({ storeId: 'lds_missing' })
      expect(await provider.verifyStore()).toBe(false)
      expect(await provider.storeStatus()).toBeUndefined()
      expect(existsSync(join(root.path, '.vectornator/lancedb'))).toBe(false)
      const id = await provider.createStore('default folder')
      expect(existsSync(join(root.path, '.vectornator/lancedb', `${id}.lance`))).toBe(true)
      expect(provider.notice).toBe(NO_EMBEDDER_NOTICE)
      await provider.cleanup()
      await provider.cleanup() // twice is safe
    } finally {
      root.remove()
    }
  })

  it('a rename embeds nothing again; a second instance sees what the first wrote', async () => {
    const embed = hashingEmbedder()
    const path = join(dir.path, 'rename')
    const writer = createLanceDBProvider({ lancedbPath: path, embed })
    const reader = createLanceDBProvider({ lancedbPath: path, embed: hashingEmbedder() })
    const id = await writer.createStore('rename')
    await reader.initialize({ storeId: id })
    expect(await reader.listFiles()).toEqual([])
    const text = '# Otter\n\nThe otter ferry leaves at six.'
    const fileId = await writer.uploadFile('a.md', Buffer.from(text), metadataFor('a.md', text, { draft: true }))
    const calls = embed.calls
    await writer.updateAttributes(fileId, metadataFor('b.md', text, { title: 'Otter' }))
    expect(embed.calls).toBe(calls)
    // The reader stayed open all along: it must see the latest version, not the one it opened.
    expect((await reader.search('otter ferry'))[0]).toMatchObject({ path: 'b.md', fileId })
    expect((await reader.listFiles())[0]!.attributes).toEqual(metadataFor('b.md', text, { title: 'Otter' }).attributes)
    await writer.cleanup()
    await reader.cleanup()
  })

  it('refuses to write vectors into a store made without them, naming the fix', async () => {
    const path = join(dir.path, 'mixed')
    const plain = createLanceDBProvider({ lancedbPath: path, embed: false })
    const id = await plain.createStore('plain')
    await plain.cleanup()
    const withVectors = createLanceDBProvider({ lancedbPath: path, embed: hashingEmbedder() })
    await withVectors.initialize({ storeId: id })
    await expect(withVectors.uploadFile('a.md', Buffer.from('Text.'), metadataFor('a.md', 'Text.'))).rejects.toThrow(
      /^lancedb: this store was created without vectors .*: sync with --new-store/,
    )
    await withVectors.cleanup()
  })
})
