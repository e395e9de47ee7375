import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { build, type SiteConfig } from 'vitepress'
import { afterEach, describe, expect, it } from 'vitest'
import vectornator from '../../src/vite'
import type { VectornatorPluginOptions } from '../../src/plugin'
import { fixture, Lines, storeContents, storeOptions, useServer } from './helpers'

const { server } = useServer()

// VitePress sets NODE_ENV=production for the whole process; put it back for the other tests.
const nodeEnv = process.env.NODE_ENV
afterEach(() => { process.env.NODE_ENV = nodeEnv })

/** Builds the VitePress fixture with the plugin, as `vite: { plugins: [vectornator()] }` in .vitepress/config does. */
async function buildSite(options: VectornatorPluginOptions): Promise<{ root: string, lines: Lines }> {
  const root = fixture('vitepress', { modules: true })
  const lines = new Lines()
  await build(root, {
    onAfterConfigResolve(site: SiteConfig) {
      site.vite ??= {}
      ;(site.vite.plugins ??= []).push(vectornator(storeOptions(server(), options)) as never)
      const logger = site.logger
      site.logger = { ...logger, info: (m, o) => { lines.push(m); logger.info(m, o) }, error: (m, o) => { lines.push(m); logger.error(m, o) } }
    },
  } as never)
  return { root, lines }
}

describe('vitepress', () => {
  it('syncs once, after the HTML pages are rendered, never from the client or SSR bundle', async () => {
    const { root, lines } = await buildSite({ assets: true })
    expect(existsSync(join(root, '.vitepress/dist/guide/passes.html'))).toBe(true)
    expect(existsSync(join(root, '.vitepress/dist/404.html'))).toBe(true)
    expect(lines.syncs).toEqual([expect.stringMatching(/\[vectornator\] sync: 6 added/)])
    expect(server().stats.byRoute['POST /vector_stores']).toBe(1)
    // The rendered pages (not the SSR build's files, nor the not-found page), with the site's routes.
    expect(storeContents(server(), root)).toEqual({
      'index.md': '/',
      'guide/getting-started.md': '/guide/getting-started',
      'guide/passes.md': '/guide/passes',
      '.vitepress/dist/index.html': '/',
      '.vitepress/dist/guide/getting-started.html': '/guide/getting-started',
      '.vitepress/dist/guide/passes.html': '/guide/passes',
    })
  })

  it('with a glob for the emitted files, syncs what it matches, the not-found page included', async () => {
    const { root, lines } = await buildSite({ assets: ['**/*.html'], include: 'nothing/*.md' })
    expect(lines.syncs).toEqual([expect.stringMatching(/\[vectornator\] sync: 4 added/)])
    expect(storeContents(server(), root)).toEqual({
      '.vitepress/dist/404.html': '/404',
      '.vitepress/dist/index.html': '/',
      '.vitepress/dist/guide/getting-started.html': '/guide/getting-started',
      '.vitepress/dist/guide/passes.html': '/guide/passes',
    })
  })
})
