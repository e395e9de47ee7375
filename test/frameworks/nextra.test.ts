import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  attribute,
  bin,
  devServer,
  expectCliAgrees,
  expectNoSync,
  expectNothingUploaded,
  freePort,
  run,
  siteUnderTest,
  syncLines,
  text,
  workspaceRoot,
} from './helpers'

const next = bin('next/dist/bin/next')
// Turbopack reads nothing outside its root: the site's node_modules are the repository's, linked.
const env = { NEXT_TELEMETRY_DISABLED: '1', WORKSPACE_ROOT: workspaceRoot() }
const s = siteUnderTest('nextra', {
  entries: ['next', 'next-adapter'],
  store: { assets: true },
  build: [next, ['build'], env],
})

const urls = (docs: Record<string, Record<string, unknown>>) =>
  Object.entries(docs).map(([path, a]) => [path.startsWith('.next/') ? `html ${a.title}` : path, a.url])

describe('next + nextra', () => {
  it('the CLI run right after the build plans nothing and changes nothing', async () => {
    expect(s.first.code, s.first.output).toBe(0)
    await expectCliAgrees(s.server, s.root)
  })

  it('syncs once per next build (Turbopack), after the pages are prerendered, each under its route', () => {
    expect(s.first.code, s.first.output).toBe(0)
    expect(s.first.output).toContain('(Turbopack)')
    expect(syncLines(s.first.output)).toHaveLength(1)
    expect(s.first.output.indexOf('sync: 8 added')).toBeGreaterThan(s.first.output.indexOf('Generating static pages'))
    expect(Object.fromEntries(urls(s.docs()))).toEqual({
      'content/index.mdx': 'https://docs.example.com/widget/',
      'content/guide/intro.md': 'https://docs.example.com/widget/guide/intro/',
      'content/guide/install.mdx': 'https://docs.example.com/widget/guide/install/',
      'content/fr/index.mdx': 'https://docs.example.com/widget/fr/',
      'html Widget - Widget docs': 'https://docs.example.com/widget/',
      'html Widget en français - Widget docs': 'https://docs.example.com/widget/fr/',
      'html Introduction - Widget docs': 'https://docs.example.com/widget/guide/intro/',
      'html Installing the widget - Widget docs': 'https://docs.example.com/widget/guide/install/',
    })
    expect(s.docs()['content/guide/install.mdx'].title).toBe('Installing the widget')
    expect(s.docs()['content/fr/index.mdx'].title).toBe('Widget en français')
  })

  it('takes no folder for a locale when the site declares no i18n locales: content/fr/ is a section, as content/guide/ is', () => {
    const locales = attribute(s.docs(), 'locale')
    expect(Object.keys(locales)).toHaveLength(8)
    expect(Object.entries(locales).filter(([, locale]) => locale !== undefined)).toEqual([])
  })

  it('uploads the MDX page as readable text', () => {
    const body = text(s.server, s.root, 'content/guide/install.mdx')!
    expect(body).toContain('npm install widget')
    expect(body).toContain('Internet Explorer is not supported.')
    expect(body).not.toMatch(/import \{|<Callout/)
  })

  it('uploads nothing on a second build of the same sources', async () => {
    await expectNothingUploaded(s, () => run(next, ['build'], s.root, env))
  }, 120_000)

  it('never syncs from the dev server', async () => {
    writeFileSync(join(s.root, 'content/guide/new.md'), '# New\n\nA page only the dev server has seen.\n')
    const dev = await expectNoSync(s, async () =>
      devServer(next, ['dev', '--port', String(await freePort())], s.root, env, '/widget/guide/intro/', 120_000),
    )
    expect(dev.status, dev.output).toBe(200)
    // Its first compile of an MDX page takes long on a busy machine.
  }, 150_000)
})
