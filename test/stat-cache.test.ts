import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FileStatCache, RACY_MS, statCachePath } from '../src/core/scan/stat-cache'
import { scan } from '../src/core/scan/scan'
import { DEFAULT_EXCLUDE } from '../src/core/options/options'

const HASH = 'a'.repeat(64)
const stat = (over: Partial<{ size: number; mtimeMs: number; ctimeMs: number; ino: number }> = {}) => ({
  size: 10,
  mtimeMs: 1_000_000,
  ctimeMs: 1_000_000,
  ino: 42,
  ...over,
})

/** The paths a cache file holds (its entries are flat: a path, then five fields). */
const pathsIn = (file: string) =>
  (JSON.parse(readFileSync(file, 'utf8')).entries as unknown[]).filter((_, i) => i % 6 === 0)

describe('stat cache', () => {
  it('hands back a hash only while size, mtime, ctime and inode are all unchanged', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vn-cache-')), '.vectornator', 'cache.json')
    const first = await FileStatCache.load(file)
    first.record('a.md', stat(), HASH)
    first.record('bin.md', stat({ ino: 7 }), null)
    expect(await first.save()).toBe(true)

    const cache = await FileStatCache.load(file)
    expect(cache.lookup('a.md', stat())).toBe(HASH)
    expect(cache.lookup('bin.md', stat({ ino: 7 }))).toBeNull()
    for (const changed of [{ size: 11 }, { mtimeMs: 1_000_001 }, { ctimeMs: 1_000_001 }, { ino: 43 }])
      expect(cache.lookup('a.md', stat(changed))).toBeUndefined()
    expect(cache.lookup('other.md', stat())).toBeUndefined()
    expect(cache.lookup('constructor', stat())).toBeUndefined()
    expect(cache.lookup('10', stat())).toBeUndefined()
    // Nothing new and every entry used: nothing to write.
    const again = await FileStatCache.load(file)
    again.lookup('a.md', stat())
    again.lookup('bin.md', stat({ ino: 7 }))
    expect(await again.save()).toBe(false)
  })

  it('never records a file changed just before it was hashed (racily clean)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vn-cache-')), 'cache.json')
    const cache = await FileStatCache.load(file)
    const now = 5_000_000
    cache.record('fresh.md', stat({ mtimeMs: now - 10, ctimeMs: now - 10 }), HASH, now)
    cache.record('touched.md', stat({ mtimeMs: 1_000, ctimeMs: now - RACY_MS + 1 }), HASH, now)
    cache.record('old.md', stat({ mtimeMs: 1_000, ctimeMs: 1_000 }), HASH, now)
    await cache.save()
    expect(pathsIn(file)).toEqual(['old.md'])
  })

  it('treats a corrupt or foreign cache file as empty, and drops entries no longer seen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vn-cache-'))
    const file = join(dir, 'cache.json')
    writeFileSync(file, '{ not json')
    expect((await FileStatCache.load(file)).lookup('a.md', stat())).toBeUndefined()
    writeFileSync(
      file,
      JSON.stringify({
        vectornator: 'stat-cache',
        version: 999,
        entries: ['a.md', 10, 1_000_000, 1_000_000, 42, HASH],
      }),
    )
    expect((await FileStatCache.load(file)).lookup('a.md', stat())).toBeUndefined()
    // The previous format (an object of arrays) is another version: read as empty, then replaced.
    writeFileSync(
      file,
      JSON.stringify({
        vectornator: 'stat-cache',
        version: 1,
        entries: { 'a.md': [10, 1_000_000, 1_000_000, 42, HASH] },
      }),
    )
    expect((await FileStatCache.load(file)).lookup('a.md', stat())).toBeUndefined()
    // Version 2 never searched files for credentials: its hashes are not trusted.
    writeFileSync(
      file,
      JSON.stringify({ vectornator: 'stat-cache', version: 2, entries: ['a.md', 10, 1_000_000, 1_000_000, 42, HASH] }),
    )
    expect((await FileStatCache.load(file)).lookup('a.md', stat())).toBeUndefined()
    writeFileSync(
      file,
      JSON.stringify({
        vectornator: 'stat-cache',
        version: 3,
        entries: ['a.md', 10, 1_000_000, 1_000_000, 42, 'not-a-hash'],
      }),
    )
    expect((await FileStatCache.load(file)).lookup('a.md', stat())).toBeUndefined()
    writeFileSync(
      file,
      JSON.stringify({ vectornator: 'stat-cache', version: 3, entries: ['a.md', 10, 1_000_000, 1_000_000, 42, HASH] }),
    )
    expect((await FileStatCache.load(file)).lookup('a.md', stat())).toBe(HASH)

    const full = await FileStatCache.load(file)
    full.record('a.md', stat(), HASH)
    full.record('b.md', stat(), HASH)
    await full.save()
    const next = await FileStatCache.load(file)
    next.lookup('b.md', stat())
    expect(await next.save()).toBe(true)
    expect(pathsIn(file)).toEqual(['b.md'])
  })

  it('lets a scan skip reading unchanged files, and sees an edit that keeps size and mtime', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vn-cache-scan-'))
    writeFileSync(join(root, 'a.md'), 'version 1')
    const old = new Date(Date.now() - 60_000)
    utimesSync(join(root, 'a.md'), old, old)
    const options = { root, include: ['**/*.md'], exclude: DEFAULT_EXCLUDE, gitignore: true, maxFileBytes: 1000 }

    // ctime is now, so the first scan may not trust it yet: wait out the racy window for the test.
    const cache = await FileStatCache.load(statCachePath(root))
    const first = await scan({ ...options, cache })
    cache.record('a.md', { ...statSync(join(root, 'a.md')) }, first.files[0]!.sha256, Date.now() + RACY_MS + 60_000)
    await cache.save()
    expect(readFileSync(join(root, '.vectornator', '.gitignore'), 'utf8')).toContain('cache.json')

    const lying = await FileStatCache.load(statCachePath(root))
    const reads: string[] = []
    const spy = {
      lookup: lying.lookup.bind(lying),
      record: (p: string) => {
        reads.push(p)
      },
    }
    const second = await scan({ ...options, cache: spy })
    expect(second.files[0]!.sha256).toBe(first.files[0]!.sha256)
    expect(reads).toEqual([])

    // Same size, mtime set back: ctime still moves (past the clock's tick), so the new content is hashed.
    await new Promise(resolve => setTimeout(resolve, 50))
    writeFileSync(join(root, 'a.md'), 'version 2')
    utimesSync(join(root, 'a.md'), old, old)
    const third = await scan({ ...options, cache: await FileStatCache.load(statCachePath(root)) })
    expect(third.files[0]!.sha256).not.toBe(first.files[0]!.sha256)
  })
})
