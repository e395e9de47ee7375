import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { linksOf, pageFor } from '../llms/helpers'
import { search } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import {
  bin,
  devServer,
  expectCliAgrees,
  freePort,
  documents,
  run,
  site,
  source,
  storeConfig,
  syncLines,
  text,
} from './helpers'

const docusaurus = bin('@docusaurus/core/bin/docusaurus.mjs')
const env = { VECTORNATOR_PLUGIN: source('docusaurus.ts') }
let server: OpenAIServer
let fixture: ReturnType<typeof site>
let first: Awaited<ReturnType<typeof run>>

beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1 })
  fixture = site('docusaurus')
  storeConfig(fixture.root, server, { assets: true, llmsTxt: true })
  first = await run(docusaurus, ['build'], fixture.root, env)
}, 120_000)

afterAll(async () => {
  await server.close()
  fixture.remove()
})

describe('docusaurus', () => {
  it('the CLI run right after the build plans nothing and changes nothing', async () => {
    expect(first.code, first.output).toBe(0)
    await expectCliAgrees(server, fixture.root)
  })

  it('syncs once per build, after every locale is rendered, with each page under its route', () => {
    expect(first.code, first.output).toBe(0)
    expect(existsSync(join(fixture.root, 'build/fr/docs/intro/index.html'))).toBe(true)
    expect(syncLines(first.output)).toHaveLength(1)
    const docs = documents(server, fixture.root)
    const urls = Object.fromEntries(Object.entries(docs).map(([path, a]) => [path, a.url]))
    expect(urls).toMatchObject({
      'docs/intro.md': 'https://docs.example.com/widget/docs/next/intro',
      'docs/install.mdx': 'https://docs.example.com/widget/docs/next/install',
      'versioned_docs/version-1.0/intro.md': 'https://docs.example.com/widget/docs/intro',
      'i18n/fr/docusaurus-plugin-content-docs/current/intro.md': 'https://docs.example.com/widget/fr/docs/next/intro',
      'src/pages/index.md': 'https://docs.example.com/widget/',
      'build/docs/next/intro/index.html': 'https://docs.example.com/widget/docs/next/intro',
      'build/fr/docs/next/intro/index.html': 'https://docs.example.com/widget/fr/docs/next/intro',
    })
    expect(Object.keys(docs).some(p => p.includes('_partial'))).toBe(false)
    expect(docs['docs/install.mdx'].title).toBe('Installing the widget')
    expect(docs['i18n/fr/docusaurus-plugin-content-docs/current/intro.md'].title).toBe('Introduction en français')
  })

  it('writes llms.txt into build/ under the site title, each link a rendered page', () => {
    const index = readFileSync(join(fixture.root, 'build/llms.txt'), 'utf8')
    expect(index.startsWith('# Widget docs\n')).toBe(true)
    const links = linksOf(index)
    expect(links.map(l => l.title)).toContain('Installing the widget')
    // The current version in the default locale only, as a search asks for by default.
    expect(links.filter(l => /\/fr\/|\/docs\/intro$/.test(l.url))).toEqual([])
    // Rendered pages' titles lose the `| Widget docs` the theme adds.
    expect(links.filter(l => l.title.endsWith('| Widget docs'))).toEqual([])
    // Links carry the site's origin and base path; the build folder holds what is under the base.
    for (const link of links)
      expect(
        pageFor(join(fixture.root, 'build'), new URL(link.url).pathname.replace(/^\/widget\//, '/')),
        link.url,
      ).toBeDefined()
  })

  it('uploads the MDX page as readable text', () => {
    const body = text(server, fixture.root, 'docs/install.mdx')!
    expect(body).toContain('Tip: Use the lockfile')
    expect(body).toContain('npm install widget')
    expect(body).not.toContain('import Tabs')
    expect(body).not.toContain('<TabItem')
  })

  it('tags versioned_docs/ and i18n/ pages, sources and rendered pages, with version and locale', async () => {
    const docs = documents(server, fixture.root)
    const tags = Object.fromEntries(Object.entries(docs).map(([path, a]) => [path, `${a.version}/${a.locale}`]))
    expect(tags).toMatchObject({
      'docs/intro.md': 'current/en',
      'docs/install.mdx': 'current/en',
      'versioned_docs/version-1.0/intro.md': '1.0/en',
      'i18n/fr/docusaurus-plugin-content-docs/current/intro.md': 'current/fr',
      'src/pages/index.md': 'current/en',
      // A rendered page: its locale from the folder it was rendered into, its version from its source.
      'build/docs/intro/index.html': '1.0/en',
      'build/docs/next/intro/index.html': 'current/en',
      'build/fr/docs/next/intro/index.html': 'current/fr',
    })
    expect(Object.values(docs).every(a => typeof a.version === 'string' && typeof a.locale === 'string')).toBe(true)
    // Search in the store keeps to the version asked for.
    const store = {
      root: fixture.root,
      provider: 'openai' as const,
      apiKey: 'test',
      baseURL: server.url,
      metadata: 'file' as const,
      logger: silentLogger,
    }
    const hits = await search('widget synced by hand', { version: '1.0', locale: 'en', limit: 10 }, store)
    expect(hits.length).toBeGreaterThan(0)
    expect(new Set(hits.map(h => h.attributes?.version))).toEqual(new Set(['1.0']))
    expect(await search('widget', { version: '9.9', locale: '*' }, store)).toEqual([])
  })

  it('uploads nothing on a second build of the same sources', async () => {
    server.stats.reset()
    const again = await run(docusaurus, ['build'], fixture.root, env)
    expect(again.code, again.output).toBe(0)
    expect(syncLines(again.output)).toEqual([expect.stringMatching(/sync: 0 added, 0 updated/)])
    expect(server.stats.byRoute['POST /files'] ?? 0).toBe(0)
  }, 120_000)

  it('never syncs from the dev server', async () => {
    server.stats.reset()
    writeFileSync(join(fixture.root, 'docs/new.md'), '# New\n\nA page only the dev server has seen.\n')
    const dev = await devServer(
      docusaurus,
      ['start', '--no-open', '--port', String(await freePort())],
      fixture.root,
      env,
    )
    expect(dev.status, dev.output).toBe(200)
    expect(syncLines(dev.output)).toEqual([])
    expect(server.stats.byRoute['POST /files'] ?? 0).toBe(0)
  }, 90_000)
})
