import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { countRequests } from '../helpers/requests'
import { bin, devServer, documents, freePort, installed, run, site, storeConfig, syncLines, text } from './helpers'

const rspress = bin('@rspress/core/bin/rspress.js')
let server: OpenAIServer
let pkg: Awaited<ReturnType<typeof installed>>
let fixture: ReturnType<typeof site>
let first: Awaited<ReturnType<typeof run>>

beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1 })
  pkg = await installed(['rspress'])
  fixture = site('rspress', pkg.dir)
  storeConfig(fixture.root, server, { assets: true })
  first = await run(rspress, ['build'], fixture.root)
}, 120_000)

afterAll(async () => {
  await server.close()
  pkg.remove()
})

describe('rspress', () => {
  it('syncs once, after the pages are rendered, each under the route the site links it by', () => {
    expect(first.code, first.output).toBe(0)
    expect(existsSync(join(fixture.root, 'doc_build/fr/guide/intro.html'))).toBe(true)
    expect(syncLines(first.output)).toHaveLength(1)
    const docs = documents(server, fixture.root)
    expect(Object.fromEntries(Object.entries(docs).map(([path, a]) => [path, a.url]))).toEqual({
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

  it('uploads the MDX page as readable text', () => {
    const body = text(server, fixture.root, 'docs/en/guide/install.mdx')!
    expect(body).toContain('Tip: Use the lockfile')
    expect(body).toContain('npm install widget')
    expect(body).not.toMatch(/import \{|<Tab/)
  })

  it('uploads nothing on a second build of the same sources', async () => {
    const sent = countRequests(server)
    const again = await run(rspress, ['build'], fixture.root)
    expect(again.code, again.output).toBe(0)
    expect(syncLines(again.output)).toEqual([expect.stringMatching(/sync: 0 added, 0 updated/)])
    expect(sent()['POST /files'] ?? 0).toBe(0)
  }, 120_000)

  it('never syncs from the dev server', async () => {
    const sent = countRequests(server)
    const before = documents(server, fixture.root)
    writeFileSync(join(fixture.root, 'docs/en/guide/new.md'), '# New\n\nA page only the dev server has seen.\n')
    const dev = await devServer(rspress, ['dev', '--port', String(await freePort())], fixture.root)
    expect(dev.status, dev.output).toBe(200)
    expect(syncLines(dev.output)).toEqual([])
    expect(sent()).toEqual({})
    expect(documents(server, fixture.root)).toEqual(before)
  }, 90_000)

  it('never syncs after a failed build', async () => {
    const sent = countRequests(server)
    const before = documents(server, fixture.root)
    writeFileSync(join(fixture.root, 'docs/en/guide/broken.mdx'), '# Broken\n\n<Tabs>\n  never closed\n')
    const failed = await run(rspress, ['build'], fixture.root)
    expect(failed.code, failed.output).not.toBe(0)
    expect(syncLines(failed.output)).toEqual([])
    expect(sent()).toEqual({})
    expect(documents(server, fixture.root)).toEqual(before)
  }, 120_000)
})
