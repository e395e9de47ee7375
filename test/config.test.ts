import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { defineConfig, loadConfig, mergeConfig } from '../src/core/options/config'
import { UsageError } from '../src/lib/errors'
import { resolveOptions } from '../src/core/options/options'

const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

/** A fresh project folder holding the given files. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vn-config-'))
  made.push(dir)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

describe('loadConfig', () => {
  it('loads a .ts config, typed with defineConfig, without vectornator installed in the project', async () => {
    const dir = project({
      'vectornator.config.ts': [
        `import { defineConfig } from 'vectornator'`,
        `const docs: string[] = ['guide/**/*.md', 'api/**/*.md']`,
        `export default defineConfig({ root: 'site', include: docs, baseUrl: 'https://docs.example.com/', metadata: { type: 'file' } })`,
      ].join('\n'),
      'site/guide/a.md': '# A',
    })
    const loaded = await loadConfig({ root: dir })
    expect(loaded.configFile).toBe(join(dir, 'vectornator.config.ts'))
    // The file's own root is relative to the file's folder.
    expect(loaded.options).toEqual({
      root: join(dir, 'site'),
      include: ['guide/**/*.md', 'api/**/*.md'],
      baseUrl: 'https://docs.example.com/',
      metadata: { type: 'file' },
    })
    expect(resolveOptions(loaded.options, {}).root).toBe(join(dir, 'site'))
  })

  it('loads a .mjs config', async () => {
    const dir = project({
      'vectornator.config.mjs': `import { defineConfig } from 'vectornator'\nexport default defineConfig({ include: 'docs/**/*.md', concurrency: 4 })\n`,
    })
    const { options, configFile } = await loadConfig({ root: dir })
    expect(configFile).toBe(join(dir, 'vectornator.config.mjs'))
    // Without a root of its own, the root is the config's folder.
    expect(options).toEqual({ root: dir, include: 'docs/**/*.md', concurrency: 4 })
  })

  it('loads a .json config, and fresh after the file changes', async () => {
    const dir = project({
      'vectornator.config.json': JSON.stringify({ include: ['notes/**/*.txt'], gitignore: false }),
    })
    expect((await loadConfig({ root: dir })).options).toEqual({
      root: dir,
      include: ['notes/**/*.txt'],
      gitignore: false,
    })
    writeFileSync(join(dir, 'vectornator.config.json'), JSON.stringify({ include: ['other/**/*.md'] }))
    expect((await loadConfig({ root: dir })).options.include).toEqual(['other/**/*.md'])
  })

  it('searches the current folder by default and takes a config file named outright', async () => {
    const dir = project({ 'conf/vn.config.mjs': `export default { include: ['x/**/*.md'] }\n` })
    const named = await loadConfig({ configFile: join(dir, 'conf/vn.config.mjs') })
    expect(named.options).toEqual({ root: join(dir, 'conf'), include: ['x/**/*.md'] })
    await expect(loadConfig({ configFile: join(dir, 'missing.config.ts') })).rejects.toThrow(
      /missing\.config\.ts does not exist/,
    )
    const none = await loadConfig({ root: dir, configFile: false, overrides: { include: ['y'] } })
    expect(none).toEqual({ options: { root: dir, include: ['y'] }, configFile: undefined })
  })

  it('lets overrides (flags, plugin options) win, replacing arrays and merging metadata key by key', async () => {
    const dir = project({
      'vectornator.config.ts': `export default { include: ['a/**/*.md', 'b/**/*.md'], exclude: ['a/drafts/**'], concurrency: 4, metadata: { type: 'file', branch: 'state' }, failOnError: true }\n`,
    })
    const { options } = await loadConfig({
      root: dir,
      overrides: {
        include: ['c/**/*.md'],
        concurrency: undefined,
        metadata: { branch: 'flags' },
        vectorStoreId: 'vs_flag',
      },
    })
    expect(options).toEqual({
      root: dir,
      include: ['c/**/*.md'], // replaced, not concatenated
      exclude: ['a/drafts/**'], // kept: not overridden
      concurrency: 4, // an undefined override does not erase the file's value
      metadata: { type: 'file', branch: 'flags' },
      failOnError: true,
      vectorStoreId: 'vs_flag',
    })
  })

  it("searches the overrides' root for the config, and a root given as an override wins over the file's", async () => {
    const dir = project({
      'vectornator.config.json': JSON.stringify({ root: 'docs', include: ['**/*.md'] }),
      'docs/a.md': '# a',
      'other/b.md': '# b',
    })
    const found = await loadConfig({ root: dir })
    expect(found.options.root).toBe(join(dir, 'docs'))
    const flagged = await loadConfig({ overrides: { root: join(dir, 'other') }, root: dir })
    expect(flagged.configFile).toBe(join(dir, 'vectornator.config.json'))
    expect(flagged.options).toEqual({ root: join(dir, 'other'), include: ['**/*.md'] })
    const searched = await loadConfig({ overrides: { root: dir, include: ['*.md'] } })
    expect(searched.configFile).toBe(join(dir, 'vectornator.config.json'))
    expect(searched.options).toEqual({ root: dir, include: ['*.md'] })
  })

  it('returns the overrides alone when there is no config file', async () => {
    const dir = project({})
    expect(await loadConfig({ root: dir, overrides: { include: ['x'] } })).toEqual({
      options: { root: dir, include: ['x'] },
      configFile: undefined,
    })
  })

  it('turns a config that fails to load into a UsageError naming the file', async () => {
    const syntax = project({ 'vectornator.config.ts': 'export default { include: [\n' })
    const error = await loadConfig({ root: syntax }).catch(e => e)
    expect(error).toBeInstanceOf(UsageError)
    expect(error.message).toContain(join(syntax, 'vectornator.config.ts'))
    expect(error.message).toMatch(/could not be loaded .*: fix the file/)
    expect(error.message).not.toContain('\n')

    const throwing = project({ 'vectornator.config.mjs': `throw new Error('no docs today')\n` })
    await expect(loadConfig({ root: throwing })).rejects.toThrow(
      /vectornator\.config\.mjs could not be loaded \(no docs today\)/,
    )

    const missingImport = project({
      'vectornator.config.ts': `import { pages } from 'not-installed-pkg'\nexport default { include: pages }\n`,
    })
    await expect(loadConfig({ root: missingImport })).rejects.toThrow(
      /imports "not-installed-pkg", which is not installed here/,
    )

    const json = project({ 'vectornator.config.json': '{ "include": ' })
    await expect(loadConfig({ root: json })).rejects.toThrow(UsageError)
  })

  it('rejects a config that is not an object', async () => {
    const list = project({ 'vectornator.config.json': '["docs/**/*.md"]' })
    await expect(loadConfig({ root: list })).rejects.toThrow(
      /vectornator\.config\.json must export an object of options .*got a list/,
    )
    const text = project({ 'vectornator.config.mjs': `export default 'docs'\n` })
    await expect(loadConfig({ root: text })).rejects.toThrow(/must export an object of options .*got string/)
  })

  it('rejects an unknown key, naming it and the likely intended one', async () => {
    const dir = project({
      'vectornator.config.json': JSON.stringify({
        incldue: ['docs/**'],
        metadata: { brnch: 'x' },
        $schema: './schema.json',
      }),
    })
    const error = await loadConfig({ root: dir }).catch(e => e)
    expect(error).toBeInstanceOf(UsageError)
    expect(error.message).toContain('vectornator.config.json')
    expect(error.message).toContain('unknown option "incldue" (did you mean "include"?)')
    expect(error.message).toContain('unknown option "metadata.brnch" (did you mean "metadata.branch"?)')
    // The providers' settings are known keys too, flat or grouped; a typo of one is named.
    const provider = project({
      'vectornator.config.json': JSON.stringify({ chunkSize: 800, openai: { chunkingStrategy: {} }, chunkOverlpa: 10 }),
    })
    await expect(loadConfig({ root: provider })).rejects.toThrow(
      /vectornator\.config\.json: unknown option "chunkOverlpa" \(did you mean "chunkOverlap"\?\): remove it or fix its name$/,
    )
    const plain = project({ 'vectornator.config.mjs': `export default { wibble: 1 }\n` })
    await expect(loadConfig({ root: plain })).rejects.toThrow(/unknown option "wibble": remove it/)
  })

  it('refuses two config files in one folder', async () => {
    const dir = project({ 'vectornator.config.ts': 'export default {}\n', 'vectornator.config.json': '{}' })
    await expect(loadConfig({ root: dir })).rejects.toThrow(
      /vectornator\.config\.ts and vectornator\.config\.json are both in .*: keep one config file/,
    )
  })
})

describe('defineConfig and mergeConfig', () => {
  it('defineConfig returns its argument', () => {
    const config = { include: ['docs/**/*.md'], assets: true }
    expect(defineConfig(config)).toBe(config)
  })

  it('a metadata string and a state store object are replaced, plain objects merged', () => {
    expect(mergeConfig({ metadata: 'file' }, { metadata: { branch: 'b' } }).metadata).toEqual({
      type: 'file',
      branch: 'b',
    })
    const store = { kind: 'custom', location: 'x', load: async () => undefined } as never
    expect(mergeConfig({ metadata: { type: 'file' } }, { metadata: store }).metadata).toBe(store)
    expect(mergeConfig({ metadata: store }, { metadata: 'git-branch' }).metadata).toBe('git-branch')
  })
})
