import { writeFileSync } from 'node:fs'
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
} from './helpers'

const nuxt = bin('nuxt/bin/nuxt.mjs')
// Under vitest (TEST, VITEST set) Nuxt runs in test mode: silent, and its dev server prints no address.
const env = { NUXT_TELEMETRY_DISABLED: '1', TEST: '', VITEST: '' }
const s = siteUnderTest('nuxt', { entries: ['nuxt'], build: [nuxt, ['generate'], env] })

describe('nuxt', () => {
  it('the CLI run right after the build plans nothing and changes nothing', async () => {
    expect(s.first.code, s.first.output).toBe(0)
    await expectCliAgrees(s.server, s.root)
  })

  it('syncs once per nuxt generate, after the pages are prerendered, each under its route', () => {
    expect(s.first.code, s.first.output).toBe(0)
    expect(syncLines(s.first.output)).toHaveLength(1)
    // After the prerender: the summary comes after Nitro wrote the pages.
    expect(s.first.output.indexOf('sync: 4 added')).toBeGreaterThan(s.first.output.indexOf('Prerendered'))
    const docs = s.docs()
    expect(attribute(docs, 'url')).toEqual({
      '.output/public/index.html': 'https://docs.example.com/widget/',
      '.output/public/guide/intro/index.html': 'https://docs.example.com/widget/guide/intro',
      '.output/public/guide/install/index.html': 'https://docs.example.com/widget/guide/install',
      '.output/public/fr/index.html': 'https://docs.example.com/widget/fr',
    })
    expect(docs['.output/public/guide/install/index.html'].title).toBe('Installing the widget')
  })

  it('tags the pages prerendered under /fr/ with locale fr, an i18n locale, the rest with its defaultLocale', () => {
    expect(attribute(s.docs(), 'locale')).toEqual({
      '.output/public/index.html': 'en',
      '.output/public/guide/intro/index.html': 'en',
      '.output/public/guide/install/index.html': 'en',
      '.output/public/fr/index.html': 'fr',
    })
  })

  it('uploads nothing on a second nuxt generate of the same sources', async () => {
    await expectNothingUploaded(s, () => run(nuxt, ['generate'], s.root, env))
  }, 120_000)

  it('never syncs from the dev server', async () => {
    writeFileSync(
      join(s.root, 'app/pages/new.vue'),
      '<template><p>A page only the dev server has seen.</p></template>\n',
    )
    const dev = await expectNoSync(s, async () =>
      devServer(nuxt, ['dev', '--port', String(await freePort())], s.root, env),
    )
    expect(dev.status, dev.output).toBe(200)
  }, 90_000)
})
