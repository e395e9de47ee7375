import { mkdirSync, mkdtempSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import picomatch from 'picomatch'
import { scan } from '../src/core/scan/scan'
import fg from 'fast-glob'
import { expandBraces, globEngine, matcher } from '../src/core/scan/globs'
import { FileStatCache, RACY_MS, statCachePath } from '../src/core/scan/stat-cache'
import { DEFAULT_EXCLUDE, DEFAULT_INCLUDE } from '../src/core/options/options'

function tree(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'vn-scan-'))
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

const base = { include: ['**/*.{md,txt}'], exclude: DEFAULT_EXCLUDE, gitignore: true, maxFileBytes: 1000 }

describe('scan', () => {
  it('finds documents, hashes them with SHA-256 and records size and mtime', async () => {
    const root = tree({ 'docs/a.md': '# A', 'b.txt': 'bee', 'c.js': 'no' })
    const { files } = await scan({ root, ...base })
    expect(files.map(f => f.path)).toEqual(['b.txt', 'docs/a.md'])
    expect(files[1].sha256).toBe(createHash('sha256').update('# A').digest('hex'))
    expect(files[1].size).toBe(3)
    expect(files[1].mtimeMs).toBeGreaterThan(0)
    expect((await files[1].read()).toString()).toBe('# A')
  })

  it('leaves out node_modules, .git, build output, .env files and git-ignored files', async () => {
    const root = tree({
      'keep.md': 'k',
      'node_modules/pkg/readme.md': 'x',
      '.git/notes.md': 'x',
      'dist/page.md': 'x',
      '.env.md': 'SECRET=1',
      '.gitignore': 'private/\n*.draft.md\n',
      'private/p.md': 'x',
      'guide/wip.draft.md': 'x',
      'guide/.gitignore': 'local.md\n',
      'guide/local.md': 'x',
      'local.md': 'kept: the nested rule applies only under guide/',
    })
    mkdirSync(join(root, '.git'), { recursive: true })
    const { files } = await scan({ root, ...base, include: ['**/*.md', '.env*'] })
    expect(files.map(f => f.path)).toEqual(['keep.md', 'local.md'])
  })

  it('skips binary, empty and oversized files and says why', async () => {
    const root = tree({
      'bin.md': Buffer.from([0x23, 0, 1, 2]),
      'empty.md': '',
      'big.md': 'x'.repeat(2000),
      'ok.md': 'fine',
    })
    const { files, skipped } = await scan({ root, ...base })
    expect(files.map(f => f.path)).toEqual(['ok.md'])
    expect(skipped).toEqual([
      { path: 'big.md', reason: "larger than the store's limit (2000 > 1000 bytes)" },
      { path: 'bin.md', reason: 'binary' },
      { path: 'empty.md', reason: 'empty' },
    ])
  })

  it('never follows a link out of the root', async () => {
    const outside = tree({ 'secret.md': 'outside' })
    const root = tree({ 'in.md': 'inside' })
    symlinkSync(join(outside, 'secret.md'), join(root, 'link.md'))
    symlinkSync(outside, join(root, 'linked-dir'))
    symlinkSync(join(root, 'in.md'), join(root, 'alias.md'))
    const { files, skipped } = await scan({ root, ...base })
    expect(files.map(f => f.path)).toEqual(['alias.md', 'in.md'])
    expect(skipped.map(s => s.path).sort()).toEqual(['link.md', 'linked-dir/secret.md'])
  })
})

describe('scan with a stat cache', () => {
  it('gives every document, hashed or known from the cache, at the root or in a folder, its own path to read', async () => {
    const root = tree({ 'top.md': 'top page', 'sub/inner.md': 'inner page' })
    const options = { root, ...base }
    const first = await scan(options)
    // Entries recorded as if long after the files were written (they are too fresh to be trusted now):
    // a minute on, since a file's ctime can be a fraction of a millisecond past Date.now().
    const cache = await FileStatCache.load(statCachePath(root))
    for (const f of first.files) cache.record(f.path, statSync(f.absPath), f.sha256, Date.now() + RACY_MS + 60_000)
    await cache.save()
    const reads: string[] = []
    const known = await FileStatCache.load(statCachePath(root))
    const second = await scan({
      ...options,
      cache: {
        lookup: known.lookup.bind(known),
        record: (p: string) => {
          reads.push(p)
        },
      },
    })
    expect(reads).toEqual([])
    for (const f of [...first.files, ...second.files]) {
      expect(f.absPath).toBe(realpathSync(join(root, f.path)))
      expect((await f.read()).toString()).toBe(f.path === 'top.md' ? 'top page' : 'inner page')
    }
  })
})

describe('glob matcher', () => {
  it('answers as picomatch does, folder and extension globs (no expression) and others alike', async () => {
    const globs = [
      ...DEFAULT_EXCLUDE,
      ...DEFAULT_INCLUDE,
      '**/*.html',
      '**/.env*',
      'docs/private/**',
      '**/*.draft.md',
      '**/a.b/**',
    ]
    const paths = [
      'dist',
      'dist/x.md',
      'a/dist',
      'a/dist/b/c.md',
      'distant/x.md',
      'a/undist/x.md',
      'a/dist.md',
      'out.md',
      'scout/out/x',
      '.vitepress/cache/x.js',
      'docs/.vitepress/cache',
      'docs/.vitepress/cached/x',
      '.vitepress/dist',
      'vitepress/cache/x',
      'node_modules',
      'x/node_modules/y/z.md',
      '.git/HEAD',
      'a/.gitignore',
      'a/.github/x.md',
      'docs/private/a.md',
      'docs/privateer/a.md',
      'guide/intro.draft.md',
      'a.b/c.md',
      'x/a.b',
      'x/a_b/c',
      '.env.local',
      'sub/.envrc',
      'readme.md',
      'notes.txt',
      'a/b/page.mdx',
      '.md',
      'x/.md',
      'x.md/y',
      'x.MD',
      'page.html',
      'page.htm',
      'a.b.rst',
      'makefile',
      'x/y.markdownx',
    ]
    const expected = (path: string) => globs.some(g => picomatch(g, { dot: true })(path))
    const test = matcher(globs, await globEngine(globs))
    for (const path of paths) expect([path, test(path)]).toEqual([path, expected(path)])
    expect(paths.filter(p => test(p)).length).toBeGreaterThan(10)
    expect(matcher([])('a.md')).toBe(false)
    // The defaults are answered without loading the glob engine at all.
    expect(await globEngine([...DEFAULT_INCLUDE, ...DEFAULT_EXCLUDE])).toBeUndefined()
    const defaults = matcher([...DEFAULT_INCLUDE, ...DEFAULT_EXCLUDE])
    for (const path of paths)
      expect([path, defaults(path)]).toEqual([
        path,
        [...DEFAULT_INCLUDE, ...DEFAULT_EXCLUDE].some(g => picomatch(g, { dot: true })(path)),
      ])
    // With dot off (the scan's default for include globs), and still no engine for the default include.
    expect(await globEngine(DEFAULT_INCLUDE, false)).toBeUndefined()
    const dotOff = matcher(globs, await globEngine(globs, false), false)
    const dotted = [...paths, '..md', 'a/.b/c.md', '.github/x.md', 'docs/.vitepress/cache/x', 'a/.git/b']
    for (const path of dotted)
      expect([path, dotOff(path)]).toEqual([path, globs.some(g => picomatch(g, { dot: false })(path))])
    expect(dotted.filter(p => dotOff(p)).length).toBeGreaterThan(5)
  })

  it('expands brace sets as fast-glob does before matching', () => {
    for (const glob of [
      '{,.}*.md',
      '{docs,.github}/**/*.md',
      'a/{b,c{d,e}}/{x,}/*.md',
      '{a,b}{1,2}',
      'x/\\{a,b}',
      '{a}/b',
      'docs/*.md',
    ])
      expect([glob, expandBraces(glob).sort()]).toEqual([
        glob,
        fg
          .generateTasks([glob])
          .flatMap(t => t.positive)
          .sort(),
      ])
    // The default include is answered by extension as one glob.
    expect(expandBraces(DEFAULT_INCLUDE[0])).toEqual(DEFAULT_INCLUDE)
  })
})
