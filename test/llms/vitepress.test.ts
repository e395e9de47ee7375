import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build, type SiteConfig } from 'vitepress'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import vectornator from '../../src/vite'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { Lines } from '../plugin/helpers'
import { fullEntries, htmlTitle, linksOf, pageFor, sectionsOf, tempCopy } from './helpers'

let server: OpenAIServer
let root: string
const lines = new Lines()
const dist = () => join(root, '.vitepress/dist')
const read = (name: string) => readFileSync(join(dist(), name), 'utf8')

// One build for the file: the VitePress fixture, its emitted pages synced too (assets), llmsTxt on.
beforeAll(async () => {
  const nodeEnv = process.env.NODE_ENV
  server = await createOpenAIServer({ processingMs: 1 })
  root = tempCopy('vitepress', { modules: true })
  writeFileSync(
    join(root, 'guide/passes.md'),
    `---\ndescription: When a satellite is above the horizon\n---\n\n${readFileSync(join(root, 'guide/passes.md'), 'utf8')}`,
  )
  await build(root, {
    onAfterConfigResolve(site: SiteConfig) {
      site.vite ??= {}
      ;(site.vite.plugins ??= []).push(
        vectornator({
          provider: 'openai',
          apiKey: 'test',
          baseURL: server.url,
          metadata: 'file',
          failOnError: true,
          assets: true,
          llmsTxt: true,
        }) as never,
      )
      const logger = site.logger
      site.logger = {
        ...logger,
        info: (m, o) => {
          lines.push(m)
          logger.info(m, o)
        },
        warn: (m, o) => {
          lines.push(m)
          logger.warn(m, o)
        },
        error: (m, o) => {
          lines.push(m)
          logger.error(m, o)
        },
      }
    },
  } as never)
  process.env.NODE_ENV = nodeEnv
}, 60_000)
afterAll(() => server?.close())

describe('llms.txt from a VitePress build', () => {
  it('is written into .vitepress/dist after the pages, under the site title and description of the VitePress config', () => {
    const index = read('llms.txt')
    expect(index.startsWith('# Orbit\n\n> Satellite pass scheduling for small ground stations\n')).toBe(true)
    expect(
      lines.has(
        /\[vectornator\] llms\.txt: 3 pages in 2 sections, written to \.vitepress\/dist\/llms\.txt and \.vitepress\/dist\/llms-full\.txt/,
      ),
    ).toBe(true)
    // After the sync's summary: written from the state the sync just left.
    expect(lines.lines.findIndex(l => /llms\.txt: 3 pages/.test(l))).toBeGreaterThan(
      lines.lines.indexOf(lines.syncs[0]),
    )
  })

  it("links every synced page once, to a page the build rendered, under that page's title", () => {
    const links = linksOf(read('llms.txt'))
    // Each page is in the store twice (its Markdown and its rendered HTML): listed once, from the Markdown.
    // The urls VitePress links its pages by (`.html`: this site has no cleanUrls).
    expect(links.map(l => l.url)).toEqual(['/', '/guide/getting-started.html', '/guide/passes.html'])
    for (const link of links) {
      const page = pageFor(dist(), link.url)
      expect(page, link.url).toBeDefined()
      // VitePress renders `<title>Passes | Orbit</title>`; the home page's title is the site's.
      expect(htmlTitle(page!).split(' | ')[0]).toBe(link.title)
    }
    expect(links.find(l => l.url === '/guide/passes.html')?.note).toBe('When a satellite is above the horizon')
    expect(sectionsOf(read('llms.txt'))).toEqual(['Pages', 'Guide'])
  })

  it("llms-full.txt holds every page's text in the same order, as Markdown, without front matter", () => {
    const full = read('llms-full.txt')
    expect(fullEntries(full)).toEqual(linksOf(read('llms.txt')).map(l => ({ title: l.title, url: l.url })))
    expect(full).toContain('A pass is a window in which a satellite is above the horizon.')
    expect(full).toContain('Install the Orbit agent on the ground station')
    expect(full).not.toContain('description: When')
    expect(full).not.toMatch(/<\/?[a-z]+[\s>]/)
  })
})
