import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { search } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import {
  bin,
  devServer,
  expectCliAgrees,
  documents,
  freePort,
  installed,
  run,
  site,
  storeConfig,
  syncLines,
  text,
} from './helpers'

const astro = bin('astro/astro.js')
const env = { ASTRO_TELEMETRY_DISABLED: '1' }
let server: OpenAIServer
let pkg: Awaited<ReturnType<typeof installed>>
let fixture: ReturnType<typeof site>
let first: Awaited<ReturnType<typeof run>>

beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1 })
  pkg = await installed(['astro'])
  fixture = site('starlight', pkg.dir)
  storeConfig(fixture.root, server, { assets: true })
  first = await run(astro, ['build'], fixture.root, env)
}, 120_000)

afterAll(async () => {
  await server.close()
  pkg.remove()
})

describe('astro + starlight', () => {
  it('the CLI run right after the build plans nothing and changes nothing', async () => {
    expect(first.code, first.output).toBe(0)
    await expectCliAgrees(server, fixture.root)
  })

  it('syncs once, after the pages are prerendered, each under the route the site links it by', () => {
    expect(first.code, first.output).toBe(0)
    expect(existsSync(join(fixture.root, 'dist/guide/install/index.html'))).toBe(true)
    expect(syncLines(first.output)).toHaveLength(1)
    const docs = documents(server, fixture.root)
    expect(Object.fromEntries(Object.entries(docs).map(([path, a]) => [path, a.url]))).toEqual({
      'src/content/docs/index.md': 'https://docs.example.com/widget/',
      'src/content/docs/guide/intro.md': 'https://docs.example.com/widget/guide/intro/',
      'src/content/docs/guide/install.mdx': 'https://docs.example.com/widget/guide/install/',
      'src/content/docs/fr/index.md': 'https://docs.example.com/widget/fr/',
      'dist/index.html': 'https://docs.example.com/widget/',
      'dist/guide/intro/index.html': 'https://docs.example.com/widget/guide/intro/',
      'dist/guide/install/index.html': 'https://docs.example.com/widget/guide/install/',
      'dist/fr/index.html': 'https://docs.example.com/widget/fr/',
      // Starlight renders the pages a locale does not translate too, in the default language.
      'dist/fr/guide/intro/index.html': 'https://docs.example.com/widget/fr/guide/intro/',
      'dist/fr/guide/install/index.html': 'https://docs.example.com/widget/fr/guide/install/',
    })
    expect(docs['src/content/docs/guide/install.mdx'].title).toBe('Installing the widget')
  })

  it('uploads the MDX page as readable text', () => {
    const body = text(server, fixture.root, 'src/content/docs/guide/install.mdx')!
    expect(body).toContain('Tip: Use the lockfile')
    expect(body).toContain('Old browsers\nInternet Explorer is not supported.')
    expect(body).toContain('npm install widget')
    expect(body).not.toMatch(/import \{|<TabItem|<Aside/)
  })

  it('tags src/content/docs/fr/ and the pages rendered under dist/fr/ with locale fr, the rest en', async () => {
    const docs = documents(server, fixture.root)
    expect(Object.fromEntries(Object.entries(docs).map(([path, a]) => [path, a.locale]))).toEqual({
      'src/content/docs/index.md': 'en',
      'src/content/docs/guide/intro.md': 'en',
      'src/content/docs/guide/install.mdx': 'en',
      'src/content/docs/fr/index.md': 'fr',
      'dist/index.html': 'en',
      'dist/guide/intro/index.html': 'en',
      'dist/guide/install/index.html': 'en',
      'dist/fr/index.html': 'fr',
      'dist/fr/guide/intro/index.html': 'fr',
      'dist/fr/guide/install/index.html': 'fr',
    })
    const store = {
      root: fixture.root,
      provider: 'openai' as const,
      apiKey: 'test',
      baseURL: server.url,
      metadata: 'file' as const,
      logger: silentLogger,
    }
    const french = await search('widget documents', { locale: 'fr', limit: 10 }, store)
    expect(french.length).toBeGreaterThan(0)
    expect(new Set(french.map(h => h.attributes?.locale))).toEqual(new Set(['fr']))
  })

  it('uploads nothing on a second build of the same sources', async () => {
    server.stats.reset()
    const again = await run(astro, ['build'], fixture.root, env)
    expect(again.code, again.output).toBe(0)
    expect(syncLines(again.output)).toEqual([expect.stringMatching(/sync: 0 added, 0 updated/)])
    expect(server.stats.byRoute['POST /files'] ?? 0).toBe(0)
  }, 120_000)

  it('never syncs from the dev server', async () => {
    server.stats.reset()
    writeFileSync(
      join(fixture.root, 'src/content/docs/guide/new.md'),
      '---\ntitle: New\n---\n\nA page only the dev server has seen.\n',
    )
    const dev = await devServer(astro, ['dev', '--port', String(await freePort())], fixture.root, env)
    expect(dev.status, dev.output).toBe(200)
    expect(syncLines(dev.output)).toEqual([])
    expect(server.stats.byRoute['POST /files'] ?? 0).toBe(0)
  }, 90_000)
})
