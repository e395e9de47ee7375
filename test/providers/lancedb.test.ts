import { afterAll, describe, expect, it } from 'vitest'
import { existsSync, readFileSync, renameSync } from 'node:fs'
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

  it('a store made without vectors takes them when an embedder comes, and rows without them when it goes', async () => {
    const path = join(dir.path, 'mixed')
    const plain = createLanceDBProvider({ lancedbPath: path, embed: false })
    const id = await plain.createStore('plain')
    const old = await plain.uploadFile(
      'old.md',
      Buffer.from('The heron nests by the lake.'),
      metadataFor('old.md', 'The heron nests by the lake.'),
    )
    await plain.cleanup()

    const embed = hashingEmbedder()
    const withVectors = createLanceDBProvider({ lancedbPath: path, embed })
    await withVectors.initialize({ storeId: id })
    const text = 'Otters swim in the river.'
    const added = await withVectors.uploadFile('new.md', Buffer.from(text), metadataFor('new.md', text))
    expect(embed.texts).toBeGreaterThan(0)
    // Both documents are there: the old one by its words, the new one by its vector too.
    expect((await withVectors.search('heron')).map(hit => hit.fileId)).toContain(old)
    expect((await withVectors.search('otters river'))[0]).toMatchObject({ fileId: added })
    await withVectors.cleanup()

    const without = createLanceDBProvider({ lancedbPath: path, embed: false })
    await without.initialize({ storeId: id })
    const third = await without.uploadFile(
      'third.md',
      Buffer.from('Badgers dig at night.'),
      metadataFor('third.md', 'Badgers dig at night.'),
    )
    expect((await without.search('badgers'))[0]).toMatchObject({ fileId: third })
    expect((await without.listFiles()).map(f => f.path).sort()).toEqual(['new.md', 'old.md', 'third.md'])
    await without.cleanup()
  })

  it('answers its counts from the file written at close, and opens the database when the table changed or went', async () => {
    const path = join(dir.path, 'status')
    const writer = createLanceDBProvider({ lancedbPath: path, embed: false })
    const id = await writer.createStore('status')
    const kept = await writer.uploadFile('a.md', Buffer.from('Alpha.'), metadataFor('a.md', 'Alpha.'))
    await writer.uploadFile('b.md', Buffer.from('Beta.'), metadataFor('b.md', 'Beta.'))
    await writer.cleanup()
    expect(JSON.parse(readFileSync(join(path, 'vectornator-status.json'), 'utf8')).tables[id].status.files).toBe(2)

    // The table's data moved away: counts that come from the file need none of it.
    const table = join(path, `${id}.lance`)
    renameSync(join(table, 'data'), join(table, 'data.away'))
    const reader = createLanceDBProvider({ lancedbPath: path, embed: false })
    await reader.initialize({ storeId: id })
    expect(await reader.storeStatus()).toMatchObject({ files: 2, completed: 2 })
    await reader.cleanup()
    renameSync(join(table, 'data.away'), join(table, 'data'))

    // A document deleted by another program: a new version, so the database is asked.
    const lancedb = await import('@lancedb/lancedb')
    const db = await lancedb.connect(path)
    await (await db.openTable(id)).delete(`file_id = '${kept}'`)
    const after = createLanceDBProvider({ lancedbPath: path, embed: false })
    await after.initialize({ storeId: id })
    expect(await after.storeStatus()).toMatchObject({ files: 1 })
    // The table dropped: the store is gone.
    await db.dropTable(id)
    db.close()
    expect(await after.storeStatus()).toBeUndefined()
    await after.cleanup()
  })
})
