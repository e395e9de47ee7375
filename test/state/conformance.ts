/**
 * The one suite every state store passes (file.ts, git-branch.ts), as providers pass
 * test/providers/conformance.ts. Each test gets a fresh location from `setup`; `open` gives a new
 * store over it, as the next run on this machine would make.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UsageError } from '../../src/lib/errors'
import { lockState } from '../../src/core/state/lock'
import { StateError, type FileState, type StateStore, type SyncState } from '../../src/core/state/types'

export interface StateSetup {
  /** The sync root the store belongs to (its lock is kept per root and location). */
  root: string
  /** A new store over this test's location. */
  open(): StateStore
  /** Writes `text` where the state is kept, as another tool (or a person) would. */
  writeRaw(text: string): void
  /** The stored text, as kept; undefined when there is none. */
  readRaw(): string | undefined
  cleanup(): void
}

function entry(path: string, fileId: string): FileState {
  return {
    fileId,
    hash: `sha256:${fileId.padEnd(64, '0')}`,
    uploadedAt: '2024-01-01T00:00:00.000Z',
    version: 1,
    metadata: { path, size: 1, lastModified: '2024-01-01T00:00:00.000Z' },
    attributes: { path, sha256: fileId.padEnd(64, '0') },
  }
}

function stateOf(files: Record<string, string>, extra: Partial<SyncState> = {}): SyncState {
  return {
    version: '1.0.0',
    lastSync: '2024-01-01T00:00:00.000Z',
    storeId: 'vs_conformance',
    files: Object.fromEntries(Object.entries(files).map(([path, id]) => [path, entry(path, id)])),
    ...extra,
  }
}

export function describeStateStoreConformance(name: string, setup: () => StateSetup): void {
  describe(`state store conformance: ${name}`, () => {
    let at: StateSetup
    const opened: StateStore[] = []
    const open = () => {
      const store = at.open()
      opened.push(store)
      return store
    }

    beforeEach(() => {
      at = setup()
    })
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close()
      at.cleanup()
    })

    it('has no state before the first sync, and says where it keeps one', async () => {
      const stateStore = open()
      expect(stateStore.location).toBeTruthy()
      expect(await stateStore.load()).toBeUndefined()
      expect(at.readRaw()).toBeUndefined()
    })

    it('gives the next run the state a sync finished with, journal and all', async () => {
      const state = stateOf(
        { 'b.md': 'file-b', 'a.md': 'file-a' },
        {
          journal: [{ op: 'delete', path: 'c.md', fileId: 'file-c', at: '2024-01-01T00:00:00.000Z' }],
          sourceCommit: 'a'.repeat(40),
        },
      )
      const first = open()
      await first.load()
      await first.finish(state, { message: 'sync: 2 added', changed: true })
      await first.close()
      expect(await open().load()).toEqual(state)
    })

    it('keeps a checkpoint on this machine for the run after a killed one', async () => {
      const first = open()
      await first.load()
      await first.save(stateOf({ 'a.md': 'file-a' }))
      await first.save(
        stateOf(
          { 'a.md': 'file-a', 'b.md': 'file-b' },
          { journal: [{ op: 'upload', path: 'c.md', hash: 'c'.repeat(64), at: '2024-01-01T00:00:00.000Z' }] },
        ),
      )
      // No finish: the run was killed after its last checkpoint.
      await first.close()
      const next = await open().load()
      expect(Object.keys(next!.files).sort()).toEqual(['a.md', 'b.md'])
      expect(next!.journal).toEqual([
        { op: 'upload', path: 'c.md', hash: 'c'.repeat(64), at: '2024-01-01T00:00:00.000Z' },
      ])
    })

    it('stores equal states as equal text, files in path order, whatever order they were added in', async () => {
      const first = open()
      await first.load()
      await first.finish(stateOf({ 'b.md': 'file-b', 'a.md': 'file-a' }), { message: 'one', changed: true })
      await first.close()
      const text = at.readRaw()!
      expect(text.indexOf('"a.md"')).toBeLessThan(text.indexOf('"b.md"'))
      expect(text.endsWith('}\n')).toBe(true)
      const second = open()
      await second.load()
      await second.finish(stateOf({ 'a.md': 'file-a', 'b.md': 'file-b' }), { message: 'two', changed: true })
      expect(at.readRaw()).toBe(text)
    })

    it('knows the stored state without reading it, and that identity follows the content', async () => {
      const first = open()
      if (!first.storedIdentity || !first.loadedIdentity) throw new Error('both stores offer the quick check')
      expect(await first.storedIdentity()).toBeUndefined()
      await first.load()
      await first.finish(stateOf({ 'a.md': 'file-a' }), { message: 'one', changed: true })
      const afterOne = first.loadedIdentity()
      expect(afterOne).toBeTruthy()
      await first.close()

      const second = open()
      expect(await second.storedIdentity!()).toBe(afterOne)
      expect(await second.load()).toEqual(stateOf({ 'a.md': 'file-a' }))
      expect(second.loadedIdentity!()).toBe(afterOne)
      await second.finish(stateOf({ 'a.md': 'file-a', 'b.md': 'file-b' }), { message: 'two', changed: true })
      const afterTwo = second.loadedIdentity!()
      expect(afterTwo).toBeTruthy()
      expect(afterTwo).not.toBe(afterOne)
      await second.close()
      expect(await open().storedIdentity!()).toBe(afterTwo)
    })

    it('leaves a state written by hand as it is when a sync changed nothing', async () => {
      // Indented and ordered otherwise than this tool writes it: the same state, another text.
      const text = JSON.stringify(stateOf({ 'a.md': 'file-a' }), null, 4)
      at.writeRaw(text)
      const stateStore = open()
      const loaded = await stateStore.load()
      await stateStore.finish(loaded!, { message: '', changed: false })
      expect(at.readRaw()).toBe(text)
    })

    it('refuses a corrupt state, naming verify --repair, and leaves it as it is', async () => {
      at.writeRaw('{ "files": { broken')
      await expect(open().load()).rejects.toSatisfy(
        (error: Error) => error instanceof StateError && /corrupt sync state.*verify --repair/.test(error.message),
      )
      expect(at.readRaw()).toBe('{ "files": { broken')
    })

    it('refuses a state of a newer format, naming the upgrade, and leaves it as it is', async () => {
      const newer = `${JSON.stringify({ ...stateOf({ 'a.md': 'file-a' }), version: '2.0.0' }, null, 2)}\n`
      at.writeRaw(newer)
      await expect(open().load()).rejects.toSatisfy(
        (error: Error) => error instanceof StateError && /format 2\.0\.0.*upgrade vectornator/.test(error.message),
      )
      expect(at.readRaw()).toBe(newer)
    })

    it('keeps two runs over one state apart: the second waits, then fails naming the lock, and gets it once released', async () => {
      const { root } = at
      const release = await lockState(root, open())
      let waitedFor: number | undefined
      await expect(lockState(root, open(), { waitMs: 300, onWait: pid => (waitedFor = pid) })).rejects.toSatisfy(
        (error: Error) => error instanceof UsageError && /is syncing this state and holds/.test(error.message),
      )
      expect(waitedFor).toBe(process.pid)
      await release()
      const again = await lockState(root, open(), { waitMs: 300 })
      await again()
    })

    it('closes twice without harm', async () => {
      const stateStore = open()
      await stateStore.load()
      await stateStore.close()
      await stateStore.close()
    })
  })
}
