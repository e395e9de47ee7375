import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
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
} from './helpers'

const rspress = bin('@rspress/core/bin/rspress.js')
const s = siteUnderTest(
  'rspress',
  { entries: ['rspress'], store: { assets: true }, build: [rspress, ['build']] },
  120_000,
)

describe('rspress', () => {
  it('the CLI run right after the build plans nothing and changes nothing', async () => {
    expect(s.first.code, s.first.output).toBe(0)
    await expectCliAgrees(s.server, s.root)
  })

  it('syncs once, after the pages are rendered, each under the route the site links it by', () => {
    expect(s.first.code, s.first.output).toBe(0)
    expect(existsSync(join(s.root, 'doc_build/fr/guide/intro.html'))).toBe(true)
    expect(syncLines(s.first.output)).toHaveLength(1)
    const docs = s.docs()
    expect(attribute(docs, 'url')).toEqual({
      'docs/en/index.md': 'https://docs.example.com/widget/',
      'docs/en/guide/intro.md': 'https://docs.example.com/widget/guide/intro.html',
      'docs/en/guide/install.mdx': 'https://docs.example.com/widget/guide/install.html',
      'docs/fr/index.md': 'https://docs.example.com/widget/fr/',
      'docs/fr/guide/intro.md': 'https://docs.example.com/widget/fr/guide/intro.html',
      'doc_build/index.html': 'https://docs.example.com/widget/',
      'doc_build/guide/intro.html': 'https://docs.example.com/widget/guide/intro.html',
      'doc_build/guide/install.html': 'https://docs.example.com/widget/guide/install.html',
      'doc_build/fr/index.html': 'https://docs.example.com/widget/fr/',
      'doc_build/fr/guide/intro.html': 'https://docs.example.com/widget/fr/guide/intro.html',
    })
    expect(docs['docs/en/guide/install.mdx'].title).toBe('Installing the widget')
    expect(docs['docs/fr/guide/intro.md'].title).toBe('Introduction en français')
  })

  it('tags the pages of docs/fr/ and those rendered under doc_build/fr/ with locale fr, the rest with the default lang', () => {
    expect(attribute(s.docs(), 'locale')).toEqual({
      'docs/en/index.md': 'en',
      'docs/en/guide/intro.md': 'en',
      'docs/en/guide/install.mdx': 'en',
      'docs/fr/index.md': 'fr',
      'docs/fr/guide/intro.md': 'fr',
      'doc_build/index.html': 'en',
      'doc_build/guide/intro.html': 'en',
      'doc_build/guide/install.html': 'en',
      'doc_build/fr/index.html': 'fr',
      'doc_build/fr/guide/intro.html': 'fr',
    })
    // The site has no multiVersion: no document gets a version.
    expect(Object.values(attribute(s.docs(), 'version')).filter(v => v !== undefined)).toEqual([])
  })

  it('uploads the MDX page as readable text', () => {
    const body = text(s.server, s.root, 'docs/en/guide/install.mdx')!
    expect(body).toContain('Tip: Use the lockfile')
    expect(body).toContain('npm install widget')
    expect(body).not.toMatch(/import \{|<Tab/)
  })

  it('uploads nothing on a second build of the same sources', async () => {
    await expectNothingUploaded(s, () => run(rspress, ['build'], s.root))
  }, 120_000)

  it('never syncs from the dev server', async () => {
    writeFileSync(join(s.root, 'docs/en/guide/new.md'), '# New\n\nA page only the dev server has seen.\n')
    const dev = await expectNoSync(s, async () =>
      devServer(rspress, ['dev', '--port', String(await freePort())], s.root),
    )
    expect(dev.status, dev.output).toBe(200)
  }, 90_000)

  it('never syncs after a failed build', async () => {
    writeFileSync(join(s.root, 'docs/en/guide/broken.mdx'), '# Broken\n\n<Tabs>\n  never closed\n')
    const failed = await expectNoSync(s, () => run(rspress, ['build'], s.root))
    expect(failed.code, failed.output).not.toBe(0)
  }, 120_000)
})
