import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { countRequests } from '../helpers/requests'
import { bin, devServer, documents, freePort, installed, run, site, storeConfig, syncLines, text, workspaceRoot } from './helpers'

const next = bin('next/dist/bin/next')
// Turbopack reads nothing outside its root: the site's node_modules are the repository's, linked.
const env = { NEXT_TELEMETRY_DISABLED: '1', WORKSPACE_ROOT: workspaceRoot() }
let server: OpenAIServer
let pkg: Awaited<ReturnType<typeof installed>>
let fixture: ReturnType<typeof site>
let first: Awaited<ReturnType<typeof run>>

beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1 })
  pkg = await installed(['next', 'next-adapter'])
  fixture = site('nextra', pkg.dir)
  storeConfig(fixture.root, server, { assets: true })
  first = await run(next, ['build'], fixture.root, env)
}, 180_000)

afterAll(async () => {
  await server.close()
  pkg.remove()
})

const urls = (docs: Record<string, Record<string, unknown>>) => Object.entries(docs).map(([path, a]) => [path.startsWith('.next/') ? `html ${a.title}` : path, a.url])

describe('next + nextra', () => {
  it('syncs once per next build (Turbopack), after the pages are prerendered, each under its route', () => {
    expect(first.code, first.output).toBe(0)
    expect(first.output).toContain('(Turbopack)')
    expect(syncLines(first.output)).toHaveLength(1)
    expect(first.output.indexOf('sync: 8 added')).toBeGreaterThan(first.output.indexOf('Generating static pages'))
    expect(Object.fromEntries(urls(documents(server, fixture.root)))).toEqual({
      'content/index.mdx': 'https://docs.example.com/widget/',
      'content/guide/intro.md': 'https://docs.example.com/widget/guide/intro/',
      'content/guide/install.mdx': 'https://docs.example.com/widget/guide/install/',
      'content/fr/index.mdx': 'https://docs.example.com/widget/fr/',
      'html Widget - Widget docs': 'https://docs.example.com/widget/',
      'html Widget en français - Widget docs': 'https://docs.example.com/widget/fr/',
      'html Introduction - Widget docs': 'https://docs.example.com/widget/guide/intro/',
      'html Installing the widget - Widget docs': 'https://docs.example.com/widget/guide/install/',
    })
    expect(documents(server, fixture.root)['content/guide/install.mdx'].title).toBe('Installing the widget')
    expect(documents(server, fixture.root)['content/fr/index.mdx'].title).toBe('Widget en français')
  })

  it('uploads the MDX page as readable text', () => {
    const body = text(server, fixture.root, 'content/guide/install.mdx')!
    expect(body).toContain('npm install widget')
    expect(body).toContain('Internet Explorer is not supported.')
    expect(body).not.toMatch(/import \{|<Callout/)
  })

  it('uploads nothing on a second build of the same sources', async () => {
    const sent = countRequests(server)
    const again = await run(next, ['build'], fixture.root, env)
    expect(again.code, again.output).toBe(0)
    expect(syncLines(again.output)).toEqual([expect.stringMatching(/sync: 0 added, 0 updated/)])
    expect(sent()['POST /files'] ?? 0).toBe(0)
  }, 120_000)

  it('never syncs from the dev server', async () => {
    const sent = countRequests(server)
    const before = documents(server, fixture.root)
    writeFileSync(join(fixture.root, 'content/guide/new.md'), '# New\n\nA page only the dev server has seen.\n')
    const dev = await devServer(next, ['dev', '--port', String(await freePort())], fixture.root, env, '/widget/guide/intro/', 120_000)
    expect(dev.status, dev.output).toBe(200)
    expect(syncLines(dev.output)).toEqual([])
    expect(sent()).toEqual({})
    expect(documents(server, fixture.root)).toEqual(before)
    // Its first compile of an MDX page takes long on a busy machine.
  }, 150_000)
})
