/**
 * The one conformance suite every provider runs. Each test gets a fresh provider from `setup`
 * and a fresh store from `createStore`, so no test depends on another or on the run order.
 * Optional capabilities (`uploadFiles`, `search`, ...) are tested when the provider has them
 * and reported as skipped when it does not.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FileMetadata, RemoteFile, VectorStoreProvider } from '../../src/providers/types'
import { metadataFor } from './helpers'

export interface ProviderSetup {
  provider: VectorStoreProvider
  /** Releases what setup made; default `provider.cleanup()`. */
  teardown?: () => Promise<void>
}

const doc = (path: string, text: string, attributes = {}) => ({
  path,
  content: Buffer.from(text),
  metadata: metadataFor(path, text, attributes),
})

const byPath = (files: RemoteFile[], path: string) => files.filter(f => f.path === path)

export function describeProviderConformance(name: string, setup: () => Promise<ProviderSetup>): void {
  describe(`provider conformance: ${name}`, () => {
    let current: ProviderSetup
    let provider: VectorStoreProvider
    const extra: ProviderSetup[] = []

    beforeEach(async ctx => {
      current = await setup()
      provider = current.provider
      await provider.initialize({})
      await provider.createStore(`conformance ${ctx.task.name}`.slice(0, 60))
    })
    afterEach(async () => {
      for (const s of [current, ...extra.splice(0)]) await (s.teardown ? s.teardown() : s.provider.cleanup())
    })

    const upload = async (path: string, text: string, attributes = {}) => {
      const d = doc(path, text, attributes)
      return { ...d, fileId: await provider.uploadFile(d.path, d.content, d.metadata) }
    }
    const found = async (query: string, path: string) =>
      (await provider.search!(query, { limit: 5 })).some(hit => hit.path === path)

    it('has sane limits and a name', () => {
      const l = provider.limits
      expect(provider.name).toMatch(/^[a-z][\w-]*$/)
      for (const n of [
        l.maxFileBytes,
        l.maxAttributes,
        l.maxAttributeKeyLength,
        l.maxAttributeValueLength,
        l.maxBatchFiles,
      ]) {
        expect(Number.isInteger(n) && n > 0).toBe(true)
      }
      expect(l.maxAttributes).toBeGreaterThanOrEqual(3) // path, sha256 and at least one more
      expect(l.maxFileBytes).toBeGreaterThanOrEqual(1024 * 1024)
    })

    it('creates a store, verifies it, and says false for an unknown id', async () => {
      const id = provider.storeId!
      expect(id).toBeTruthy()
      expect(await provider.verifyStore()).toBe(true)
      await provider.initialize({ storeId: `${id}unknown` })
      expect(await provider.verifyStore()).toBe(false)
      await provider.initialize({ storeId: id })
      expect(await provider.verifyStore()).toBe(true)
    })

    it("reports its store's counts in one call, and nothing for a store that does not exist", async ctx => {
      if (!provider.storeStatus) return ctx.skip()
      const id = provider.storeId!
      expect(await provider.storeStatus()).toEqual({ files: 0, completed: 0, inProgress: 0, failed: 0, cancelled: 0 })
      const { fileId } = await upload('a.md', '# A\n\nCounted.')
      await upload('b.md', '# B\n\nCounted too.')
      expect(await provider.storeStatus()).toEqual({ files: 2, completed: 2, inProgress: 0, failed: 0, cancelled: 0 })
      await provider.deleteFile(fileId)
      expect(await provider.storeStatus()).toMatchObject({ files: 1, completed: 1 })
      await provider.initialize({ storeId: `${id}unknown` })
      expect(await provider.storeStatus()).toBeUndefined()
    })

    it('keeps stores apart', async () => {
      const first = provider.storeId!
      await upload('a.md', '# A\n\nIn the first store.')
      const second = await provider.createStore('conformance second store')
      expect(second).not.toBe(first)
      expect(provider.storeId).toBe(second)
      expect(await provider.listFiles()).toEqual([])
      await provider.initialize({ storeId: first })
      expect((await provider.listFiles()).map(f => f.path)).toEqual(['a.md'])
    })

    it('uploads a document and lists it with its attributes, completed', async () => {
      const { fileId, metadata } = await upload('docs/guide/intro.md', '# Intro\n\nWelcome to the guide.\n', {
        title: 'Intro',
        order: 3,
        draft: false,
      })
      expect(typeof fileId).toBe('string')
      const [file, ...rest] = byPath(await provider.listFiles(), 'docs/guide/intro.md')
      expect(rest).toEqual([])
      expect(file).toMatchObject({ fileId, path: 'docs/guide/intro.md', sha256: metadata.sha256, status: 'completed' })
      expect(file!.attributes).toEqual(metadata.attributes)
    })

    it('getFile answers a stored document, and nothing for a replaced or deleted one', async ctx => {
      if (!provider.getFile) return ctx.skip()
      const { fileId } = await upload('docs/guide/intro.md', '# Intro\n\nWelcome to the guide.\n')
      expect(await provider.getFile(fileId)).toMatchObject({ fileId, path: 'docs/guide/intro.md', status: 'completed' })
      const next = doc('docs/guide/intro.md', '# Intro\n\nWelcome back.\n')
      const newId = await provider.updateFile(fileId, next.content, next.metadata)
      expect(await provider.getFile(fileId)).toBeUndefined()
      await provider.deleteFile(newId)
      expect(await provider.getFile(newId)).toBeUndefined()
    })

    it('refuses an empty document with an error', async () => {
      const empty = metadataFor('empty.md', '')
      await expect(provider.uploadFile('empty.md', Buffer.alloc(0), empty)).rejects.toThrow()
      expect(byPath(await provider.listFiles(), 'empty.md')).toEqual([])
    })

    it('updates a document: a new id, the old one gone', async () => {
      const path = 'docs/update.md'
      const { fileId: oldId } = await upload(path, '# Update\n\nThe harbour opens at dawn.\n')
      const next = doc(path, '# Update\n\nThe harbour now opens at noon.\n')
      const newId = await provider.updateFile(oldId, next.content, next.metadata)
      expect(newId).not.toBe(oldId)
      const files = byPath(await provider.listFiles(), path)
      expect(files.map(f => f.fileId)).toEqual([newId])
      expect(files[0]!.sha256).toBe(next.metadata.sha256)
    })

    it('search finds an updated document throughout its update, then only its new text', async ctx => {
      if (!provider.search) return ctx.skip()
      const path = 'docs/update.md'
      const phrase = 'periwinkle zeppelin harbour'
      const { fileId: oldId } = await upload(path, `# Update\n\nThe ${phrase} opens at dawn.\n`)
      expect(await found(phrase, path)).toBe(true)

      const next = doc(path, `# Update\n\nThe ${phrase} now opens at noon.\n`)
      let settled = false
      const update = provider.updateFile(oldId, next.content, next.metadata).finally(() => {
        settled = true
      })
      update.catch(() => {}) // awaited below; keeps a probe failure from hiding it as unhandled
      // Search while the update runs: the document must never be missing.
      let probes = 0
      while (!settled) {
        expect(await found(phrase, path)).toBe(true)
        probes++
      }
      await update
      expect(probes).toBeGreaterThan(0)
      const hits = (await provider.search(phrase, { limit: 5 })).filter(h => h.path === path)
      expect(hits.length).toBeGreaterThan(0)
      for (const hit of hits) expect(hit.text).toContain('noon')
    })

    it('deletes a document, and deleting a missing one is not an error', async () => {
      const { fileId } = await upload('gone.md', 'A document about obsolete quasar bookkeeping.')
      await upload('kept.md', 'A document that stays.')
      await provider.deleteFile(fileId)
      expect((await provider.listFiles()).map(f => f.path)).toEqual(['kept.md'])
      await expect(provider.deleteFile(fileId)).resolves.toBeUndefined()
    })

    it('search no longer finds a deleted document', async ctx => {
      if (!provider.search) return ctx.skip()
      const { fileId } = await upload('gone.md', 'A document about obsolete quasar bookkeeping.')
      expect(await found('quasar bookkeeping', 'gone.md')).toBe(true)
      await provider.deleteFile(fileId)
      expect(await found('quasar bookkeeping', 'gone.md')).toBe(false)
    })

    it('uploads a batch with per-file attributes, results in order', async ctx => {
      if (!provider.uploadFiles) return ctx.skip()
      const items = Array.from({ length: 30 }, (_, i) =>
        doc(`batch/doc-${String(i).padStart(2, '0')}.md`, `# Doc ${i}\n\nBatch document number ${i}.\n`, {
          index: i,
          even: i % 2 === 0,
        }),
      )
      const settledPaths: string[] = []
      const results = await provider.uploadFiles(
        items.map(({ content, metadata }) => ({ content, metadata })),
        {
          onSettled: r => {
            settledPaths.push(r.path)
          },
        },
      )
      expect(results.map(r => r.path)).toEqual(items.map(i => i.path))
      expect(results.every(r => typeof r.fileId === 'string' && !r.error)).toBe(true)
      expect(new Set(results.map(r => r.fileId)).size).toBe(30)
      expect(settledPaths.sort()).toEqual(items.map(i => i.path))
      const listed = new Map((await provider.listFiles()).map(f => [f.path, f]))
      for (const [i, item] of items.entries()) {
        expect(listed.get(item.path)).toMatchObject({
          fileId: results[i]!.fileId,
          attributes: item.metadata.attributes,
        })
      }
    })

    it('reports a refused file in a batch without failing the others', async ctx => {
      if (!provider.uploadFiles) return ctx.skip()
      const good = [doc('ok-1.md', 'First good one.'), doc('ok-2.md', 'Second good one.')]
      const bad = { content: Buffer.alloc(0), metadata: metadataFor('bad.md', '') }
      const results = await provider.uploadFiles(
        [good[0]!, bad, good[1]!].map(({ content, metadata }) => ({ content, metadata })),
      )
      expect(results.map(r => r.path)).toEqual(['ok-1.md', 'bad.md', 'ok-2.md'])
      expect(results[1]!.fileId).toBeUndefined()
      expect(results[1]!.error).toBeTruthy()
      expect(results[0]!.fileId && results[2]!.fileId).toBeTruthy()
      expect((await provider.listFiles()).map(f => f.path).sort()).toEqual(['ok-1.md', 'ok-2.md'])
    })

    it('renames with updateAttributes, without re-uploading', async ctx => {
      if (!provider.updateAttributes) return ctx.skip()
      const text = '# Moved\n\nThis page about tangerine lighthouses moved.\n'
      const { fileId } = await upload('old/place.md', text)
      const renamed: FileMetadata = metadataFor('new/place.md', text, { title: 'Moved' })
      await provider.updateAttributes(fileId, renamed)
      const [file] = await provider.listFiles()
      expect(file).toMatchObject({ fileId, path: 'new/place.md', attributes: renamed.attributes })
    })

    it('search finds a renamed document under its new path only', async ctx => {
      if (!provider.updateAttributes || !provider.search) return ctx.skip()
      const text = '# Moved\n\nThis page about tangerine lighthouses moved.\n'
      const { fileId } = await upload('old/place.md', text)
      await provider.updateAttributes(fileId, metadataFor('new/place.md', text, { title: 'Moved' }))
      const hits = await provider.search('tangerine lighthouses', { limit: 5 })
      expect(hits.map(h => h.path)).toContain('new/place.md')
      expect(hits.map(h => h.path)).not.toContain('old/place.md')
    })

    it('searches: finds a document by a distinctive phrase, with path, score and text', async ctx => {
      if (!provider.search) return ctx.skip()
      await upload('animals.md', '# Animals\n\nThe capybara is the largest living rodent, native to South America.\n')
      await upload('cooking.md', '# Cooking\n\nMarmalade is a fruit preserve made from the juice and peel of citrus.\n')
      await upload('space.md', '# Space\n\nA nebula is an interstellar cloud of dust, hydrogen and helium.\n')
      const hits = await provider.search('largest living rodent capybara')
      expect(hits[0]).toMatchObject({ path: 'animals.md' })
      expect(typeof hits[0]!.score).toBe('number')
      expect(hits[0]!.text).toContain('capybara')
      expect((await provider.search('interstellar nebula dust'))[0]?.path).toBe('space.md')
      expect((await provider.search('citrus peel', { limit: 1 })).length).toBeLessThanOrEqual(1)
    })

    it('search filters on attributes: equality, any-of, every key, and nothing for no match', async ctx => {
      if (!provider.search) return ctx.skip()
      const phrase = 'ocelot ferry timetable'
      await upload('v1/en.md', `# Ferry\n\nThe ${phrase} for the first release.\n`, {
        version: '1.0',
        locale: 'en',
        order: 1,
        draft: false,
      })
      await upload('v2/en.md', `# Ferry\n\nThe ${phrase} for the second release.\n`, {
        version: '2.0',
        locale: 'en',
        order: 2,
        draft: true,
      })
      await upload('v2/fr.md', `# Ferry\n\nThe ${phrase} pour la deuxième version.\n`, {
        version: '2.0',
        locale: 'fr',
        order: 2,
      })
      const paths = async (filter?: Record<string, string | number | boolean | (string | number | boolean)[]>) =>
        (await provider.search!(phrase, { limit: 10, ...(filter ? { filter } : {}) })).map(h => h.path).sort()
      // Unfiltered, every document answers: each filter below has something to leave out.
      expect(await paths()).toEqual(['v1/en.md', 'v2/en.md', 'v2/fr.md'])
      expect(await paths({ version: '2.0' })).toEqual(['v2/en.md', 'v2/fr.md'])
      expect(await paths({ version: '2.0', locale: 'fr' })).toEqual(['v2/fr.md'])
      expect(await paths({ version: ['1.0', '2.0'], locale: 'en' })).toEqual(['v1/en.md', 'v2/en.md'])
      expect(await paths({ locale: ['fr'] })).toEqual(['v2/fr.md'])
      expect(await paths({ order: 2 })).toEqual(['v2/en.md', 'v2/fr.md'])
      expect(await paths({ draft: true })).toEqual(['v2/en.md'])
      expect(await paths({ draft: [true, false] })).toEqual(['v1/en.md', 'v2/en.md'])
      // Filters that match nothing return nothing, never the unfiltered results.
      expect(await paths({ version: '3.0' })).toEqual([])
      expect(await paths({ version: '1.0', locale: 'fr' })).toEqual([])
      expect(await paths({ version: [] })).toEqual([])
      expect(await paths({ product: 'ferry' })).toEqual([])
    })

    it('search filters see re-tagged attributes, not the ones a document was uploaded with', async ctx => {
      if (!provider.search || !provider.updateAttributes) return ctx.skip()
      const text = '# Heron\n\nThe heron lighthouse keeps its lamp lit.\n'
      const { fileId } = await upload('heron.md', text, { version: '1.0' })
      await upload('other.md', '# Other\n\nAnother heron lighthouse page.\n', { version: '1.0' })
      expect(
        (await provider.search('heron lighthouse', { filter: { version: '1.0' } })).map(h => h.path).sort(),
      ).toEqual(['heron.md', 'other.md'])
      await provider.updateAttributes(fileId, metadataFor('heron.md', text, { version: '2.0' }))
      expect((await provider.search('heron lighthouse', { filter: { version: '2.0' } })).map(h => h.path)).toEqual([
        'heron.md',
      ])
      expect((await provider.search('heron lighthouse', { filter: { version: '1.0' } })).map(h => h.path)).toEqual([
        'other.md',
      ])
    })

    it('lists every document of a store larger than one page', async () => {
      const count = 260
      const items = Array.from({ length: count }, (_, i) => doc(`many/${i}.txt`, `Document ${i} of many.`))
      const batch = provider.uploadFiles ? provider.limits.maxBatchFiles : 1
      for (let i = 0; i < count; i += batch) {
        const slice = items.slice(i, i + batch)
        if (provider.uploadFiles) {
          const results = await provider.uploadFiles(slice.map(({ content, metadata }) => ({ content, metadata })))
          expect(results.filter(r => r.error)).toEqual([])
        } else {
          await Promise.all(slice.map(d => provider.uploadFile(d.path, d.content, d.metadata)))
        }
      }
      const files = await provider.listFiles()
      expect(files).toHaveLength(count)
      expect(new Set(files.map(f => f.fileId)).size).toBe(count)
      expect(new Set(files.map(f => f.path))).toEqual(new Set(items.map(d => d.path)))
    })

    it('keeps a stable fingerprint across instances with the same settings', async ctx => {
      if (!provider.fingerprint) return ctx.skip()
      const other = await setup()
      extra.push(other)
      const fingerprint = provider.fingerprint()
      expect(JSON.parse(JSON.stringify(fingerprint))).toEqual(fingerprint)
      expect(other.provider.fingerprint!()).toEqual(fingerprint)
    })

    it('enrichMetadata keeps path, sha256 and the attributes', async () => {
      const metadata = metadataFor('a.md', 'Text.', { title: 'A' })
      const enriched = await provider.enrichMetadata('a.md', Buffer.from('Text.'), metadata)
      expect(enriched).toMatchObject({ path: 'a.md', sha256: metadata.sha256 })
      expect(enriched.attributes).toMatchObject(metadata.attributes)
    })
  })
}
