import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { createVectornator, resolveOptions, search, sync, UsageError } from '../src'
import { searchFilter } from '../src/core/run/search'
import { compileRule, ruleValue } from '../src/core/scan/rules'
import { silentLogger } from '../src/lib/logger'
import type { VectornatorOptions } from '../src/types'
import { runCli } from './helpers/cli'
import { countRequests } from './helpers/requests'
import { makeTree } from './helpers/tree'

let server: OpenAIServer
let client: OpenAI
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1 })
  client = new OpenAI({ apiKey: 'test', baseURL: server.url })
})
afterAll(() => server.close())

// One page in three versions and two languages: each speaks of "kestrel" so a search without
// a filter would return every one of them.
const site = () =>
  makeTree({
    'docs/setup.md': '# Setup\n\nInstall the kestrel daemon with the new installer.\n',
    'versioned_docs/version-1.0/setup.md': '# Setup\n\nInstall the kestrel daemon with the old tarball.\n',
    'versioned_docs/version-2.0/setup.md': '# Setup\n\nInstall the kestrel daemon with the package manager.\n',
    'i18n/fr/docs/setup.md': '# Installation\n\nInstallez le démon kestrel avec le nouvel installeur.\n',
    'docs/legacy.md': '---\nversion: "0.9"\n---\n\n# Legacy\n\nThe kestrel daemon of old, kept for reference.\n',
  })
const rules: VectornatorOptions = {
  version: { patterns: ['versioned_docs/version-{version}/**'], default: 'current' },
  locale: { patterns: ['i18n/{locale}/**'], default: 'en' },
}
const opts = (root: string, extra: VectornatorOptions = {}): VectornatorOptions => ({
  root,
  provider: 'openai',
  apiKey: 'test',
  baseURL: server.url,
  metadata: 'file',
  logger: silentLogger,
  ...rules,
  ...extra,
})

async function tags(storeId: string): Promise<Record<string, { version?: unknown; locale?: unknown }>> {
  const out: Record<string, { version?: unknown; locale?: unknown }> = {}
  for await (const f of client.vectorStores.files.list(storeId, { limit: 100 }))
    out[String(f.attributes?.path)] = { version: f.attributes?.version, locale: f.attributes?.locale }
  return out
}

describe('version and locale attributes', () => {
  it('tags each document from its path, its front matter, or the default', async () => {
    const root = site()
    const { storeId } = await sync(opts(root))
    expect(await tags(storeId)).toEqual({
      'docs/setup.md': { version: 'current', locale: 'en' },
      'docs/legacy.md': { version: '0.9', locale: 'en' },
      'versioned_docs/version-1.0/setup.md': { version: '1.0', locale: 'en' },
      'versioned_docs/version-2.0/setup.md': { version: '2.0', locale: 'en' },
      'i18n/fr/docs/setup.md': { version: 'current', locale: 'fr' },
    })
  })

  it('search defaults to the default version and locale; a request narrows or widens it', async () => {
    const root = site()
    await sync(opts(root))
    const vn = createVectornator(opts(root))
    const paths = async (request = {}) =>
      (await vn.search('kestrel daemon', { limit: 10, ...request })).map(h => h.path).sort()
    expect(await paths()).toEqual(['docs/setup.md'])
    expect(await paths({ version: '1.0' })).toEqual(['versioned_docs/version-1.0/setup.md'])
    expect(await paths({ locale: 'fr' })).toEqual(['i18n/fr/docs/setup.md'])
    expect(await paths({ version: '*' })).toEqual([
      'docs/legacy.md',
      'docs/setup.md',
      'versioned_docs/version-1.0/setup.md',
      'versioned_docs/version-2.0/setup.md',
    ])
    expect(await paths({ version: '*', locale: '*' })).toHaveLength(5)
    expect(await paths({ filter: { version: ['1.0', '2.0'] } })).toEqual([
      'versioned_docs/version-1.0/setup.md',
      'versioned_docs/version-2.0/setup.md',
    ])
    expect(await paths({ version: '3.0' })).toEqual([])
    // The library's one-call form reads the same options.
    expect((await search('kestrel daemon', { locale: 'fr' }, opts(root))).map(h => h.path)).toEqual([
      'i18n/fr/docs/setup.md',
    ])
  })

  it('a changed rule re-tags the affected documents without uploading anything', async () => {
    const root = site()
    const { storeId } = await sync(opts(root))
    const sent = countRequests(server)
    const result = await sync(
      opts(root, { version: { patterns: ['versioned_docs/version-{version}/**'], default: 'next' } }),
    )
    const requests = sent()
    // docs/setup.md and i18n/fr/docs/setup.md take the new default; the others keep their value.
    expect(result.retagged.sort()).toEqual(['docs/setup.md', 'i18n/fr/docs/setup.md'])
    expect(result.added.length + result.updated.length).toBe(0)
    expect(requests['POST /files'] ?? 0).toBe(0)
    expect(requests['POST /uploads'] ?? 0).toBe(0)
    expect(requests['POST /vector_stores/{vector_store_id}/files/{file_id}']).toBe(2)
    expect((await tags(storeId))['docs/setup.md']).toEqual({ version: 'next', locale: 'en' })
    // And the next sync has nothing to do.
    const again = countRequests(server)
    const second = await sync(
      opts(root, { version: { patterns: ['versioned_docs/version-{version}/**'], default: 'next' } }),
    )
    expect(second.retagged).toEqual([])
    expect(again()['POST /vector_stores/{vector_store_id}/files/{file_id}'] ?? 0).toBe(0)
  })

  it('one value for every document, and a {locale:fr} literal pattern', async () => {
    const root = makeTree({
      'guide.md': '# Guide\n\nA kestrel guide.\n',
      'fr/guide.md': '# Guide\n\nUn guide kestrel.\n',
      'frames/x.md': '# X\n\nKestrel frames.\n',
    })
    const { storeId } = await sync(
      opts(root, { version: '2.x', locale: { patterns: ['{locale:fr}/**'], default: 'en' } }),
    )
    expect(await tags(storeId)).toEqual({
      'guide.md': { version: '2.x', locale: 'en' },
      'fr/guide.md': { version: '2.x', locale: 'fr' },
      'frames/x.md': { version: '2.x', locale: 'en' },
    })
  })

  it('refuses a bad rule in one line naming the fix, before any request', () => {
    const sent = countRequests(server)
    const bad = () =>
      resolveOptions({
        ...opts(makeTree()),
        version: { patterns: ['versioned_docs/**'] },
        locale: { fromRef: true } as never,
      })
    expect(bad).toThrow(UsageError)
    expect(bad).toThrow(
      /^2 problems in the options: version\.patterns\[0\] "versioned_docs\/\*\*" must hold \{version\}.*; locale\.fromRef is not a rule setting/,
    )
    expect(() => resolveOptions({ ...opts(makeTree()), locale: 'x'.repeat(600) })).toThrow(
      /locale is longer than the store's 512-character attribute limit/,
    )
    expect(sent()).toEqual({})
  })
})

describe('searchFilter', () => {
  const options = resolveOptions({ root: makeTree(), provider: 'postgres', ...rules })
  it('applies the defaults only where the request names nothing', () => {
    expect(searchFilter(options, {})).toEqual({ version: 'current', locale: 'en' })
    expect(searchFilter(options, { version: '2.0', locale: '*' })).toEqual({ version: '2.0' })
    expect(searchFilter(options, { filter: { locale: ['en', 'fr'], tag: 'api' } })).toEqual({
      version: 'current',
      locale: ['en', 'fr'],
      tag: 'api',
    })
    expect(searchFilter(resolveOptions({ root: options.root, provider: 'postgres' }), {})).toBeUndefined()
    expect(() => searchFilter(options, { version: '' })).toThrow(/version must be a version name or "\*"/)
  })
})

describe('version from the git ref', () => {
  it('takes the tag at HEAD, else the branch; a new tag re-tags every document', async () => {
    const root = makeTree({ 'a.md': '# A\n\nKestrel notes.\n', 'b.md': '# B\n\nMore kestrel notes.\n' })
    const g = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: root, stdio: 'pipe' })
    g('init', '-q', '-b', 'main')
    g('add', '.')
    g('commit', '-qm', 'docs')
    const fromRef = { version: { fromRef: true, default: 'dev' } }
    const { storeId } = await sync(opts(root, fromRef))
    expect(Object.values(await tags(storeId)).map(t => t.version)).toEqual(['main', 'main'])
    g('tag', 'v3.1')
    const sent = countRequests(server)
    const retag = await sync(opts(root, fromRef))
    expect(retag.retagged.sort()).toEqual(['a.md', 'b.md'])
    expect(sent()['POST /files'] ?? 0).toBe(0)
    expect(Object.values(await tags(storeId)).map(t => t.version)).toEqual(['v3.1', 'v3.1'])
    // The ref option names the ref synced, as written or under refs/tags/.
    expect(createVectornator(opts(root, { ...fromRef, ref: 'refs/tags/v3.1' })).options.ref).toBe('refs/tags/v3.1')
  })
})

describe('the search and check commands', () => {
  it("filter by --version, --locale and --filter, with the rules' defaults otherwise", async () => {
    const root = site()
    writeFileSync(
      join(root, 'vectornator.config.json'),
      JSON.stringify({ provider: 'openai', baseURL: server.url, metadata: 'file', ...rules }),
    )
    const env = { OPENAI_API_KEY: 'test' }
    expect((await runCli(['sync', '--quiet'], { cwd: root, env })).code).toBe(0)
    const paths = async (...args: string[]) => {
      const run = await runCli(['search', 'kestrel daemon', '--json', '--limit', '10', ...args], { cwd: root, env })
      expect(run.code, run.stderr).toBe(0)
      return (JSON.parse(run.stdout) as { path: string; version: string }[]).map(h => `${h.path}@${h.version}`).sort()
    }
    expect(await paths()).toEqual(['docs/setup.md@current'])
    expect(await paths('--version', '1.0')).toEqual(['versioned_docs/version-1.0/setup.md@1.0'])
    expect(await paths('--version=*', '--filter', 'locale=fr', '--filter', 'locale=de')).toEqual([
      'i18n/fr/docs/setup.md@current',
    ])
    expect(await paths('--locale', 'de')).toEqual([])
    const bad = await runCli(['search', 'kestrel', '--filter', 'locale'], { cwd: root, env })
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim().split('\n')).toEqual([
      '[vectornator] --filter takes key=value, got "locale": e.g. --filter product=cli',
    ])

    writeFileSync(
      join(root, 'vectornator.checks.json'),
      JSON.stringify([
        { query: 'kestrel daemon old tarball', expect: 'versioned_docs/version-1.0/setup.md', version: '1.0', top: 1 },
        { query: 'kestrel daemon old tarball', expect: 'versioned_docs/version-1.0/setup.md', top: 3 },
      ]),
    )
    const check = await runCli(['check'], { cwd: root, env })
    expect(check.stdout).toContain(
      'pass  kestrel daemon old tarball  [version 1.0]  ->  versioned_docs/version-1.0/setup.md (rank 1, top 1)',
    )
    // Without a version the check searches the default version, where that page is not.
    expect(check.stdout).toContain(
      'FAIL  kestrel daemon old tarball  ->  versioned_docs/version-1.0/setup.md (not found, top 3)',
    )
    expect(check.code).toBe(1)
  }, 60_000)
})

describe('rule patterns', () => {
  const value = (name: 'version' | 'locale', patterns: string[], path: string, frontmatter = {}, source?: string) =>
    ruleValue(compileRule(name, { patterns, default: 'dflt' }, '.', undefined), path, frontmatter, source)
  it('capture part of a segment, honour globs, and fall back to the default', () => {
    expect(value('locale', ['pages/**/*.{locale}.{md,mdx}'], 'pages/guide/intro.fr.mdx')).toBe('fr')
    expect(value('locale', ['pages/**/*.{locale}.{md,mdx}'], 'pages/intro.de.md')).toBe('de')
    expect(value('locale', ['pages/**/*.{locale}.{md,mdx}'], 'pages/intro.de.txt')).toBe('dflt')
    expect(value('version', ['docs/v{version}/**'], 'docs/v2.1/a/b.md')).toBe('2.1')
    expect(value('version', ['{docs,guides}/{version:legacy}/**'], 'guides/legacy/x.md')).toBe('legacy')
    expect(value('version', ['{docs,guides}/{version:legacy}/**'], 'guides/legacy2/x.md')).toBe('dflt')
    // The first pattern that matches wins; a page's front matter wins over every pattern.
    expect(value('version', ['a/{version}/**', '{version}/**'], 'a/b/c.md')).toBe('b')
    expect(value('version', ['a/{version}/**'], 'a/b/c.md', { version: 7 })).toBe('7')
    // A rendered page no pattern matches takes its source's value.
    expect(value('version', ['versioned/{version}/**'], 'build/intro/index.html', {}, 'versioned/1.0/intro.md')).toBe(
      '1.0',
    )
  })
})

describe('the embedded postgres store', () => {
  it('filters a search the same way', async () => {
    const root = site()
    const options = {
      root,
      provider: 'postgres' as const,
      embed: false as const,
      metadata: 'file' as const,
      logger: silentLogger,
      ...rules,
    }
    await sync(options)
    const vn = createVectornator(options)
    expect((await vn.search('kestrel daemon', { limit: 10 })).map(h => h.path)).toEqual(['docs/setup.md'])
    expect((await vn.search('kestrel daemon', { limit: 10, version: '2.0' })).map(h => h.path)).toEqual([
      'versioned_docs/version-2.0/setup.md',
    ])
    expect((await vn.search('kestrel daemon', { limit: 10, version: '*', locale: 'fr' })).map(h => h.path)).toEqual([
      'i18n/fr/docs/setup.md',
    ])
    expect(await vn.search('kestrel daemon', { version: 'none' })).toEqual([])
  }, 60_000)
})
