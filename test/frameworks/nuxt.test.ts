import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { countRequests } from '../helpers/requests'
import { bin, devServer, documents, freePort, installed, run, site, storeConfig, syncLines } from './helpers'

const nuxt = bin('nuxt/bin/nuxt.mjs')
// Under vitest (TEST, VITEST set) Nuxt runs in test mode: silent, and its dev server prints no address.
const env = { NUXT_TELEMETRY_DISABLED: '1', TEST: '', VITEST: '' }
let server: OpenAIServer
let pkg: Awaited<ReturnType<typeof installed>>
let fixture: ReturnType<typeof site>
let first: Awaited<ReturnType<typeof run>>

beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1 })
  pkg = await installed(['nuxt'])
  fixture = site('nuxt', pkg.dir)
  storeConfig(fixture.root, server)
  first = await run(nuxt, ['generate'], fixture.root, env)
}, 180_000)

afterAll(async () => {
  await server.close()
  pkg.remove()
})

const urls = (docs: Record<string, Record<string, unknown>>) => Object.fromEntries(Object.entries(docs).map(([path, a]) => [path, a.url]))

describe('nuxt', () => {
  it('syncs once per nuxt generate, after the pages are prerendered, each under its route', () => {
    expect(first.code, first.output).toBe(0)
    expect(syncLines(first.output)).toHaveLength(1)
    // After the prerender: the summary comes after Nitro wrote the pages.
    expect(first.output.indexOf('sync: 3 added')).toBeGreaterThan(first.output.indexOf('Prerendered'))
    const docs = documents(server, fixture.root)
    expect(urls(docs)).toEqual({
      '.output/public/index.html': 'https://docs.example.com/widget/',
      '.output/public/guide/intro/index.html': 'https://docs.example.com/widget/guide/intro',
      '.output/public/guide/install/index.html': 'https://docs.example.com/widget/guide/install',
    })
    expect(docs['.output/public/guide/install/index.html'].title).toBe('Installing the widget')
  })

  it('uploads nothing on a second nuxt generate of the same sources', async () => {
    const sent = countRequests(server)
    const again = await run(nuxt, ['generate'], fixture.root, env)
    expect(again.code, again.output).toBe(0)
    expect(syncLines(again.output)).toEqual([expect.stringMatching(/sync: 0 added, 0 updated/)])
    expect(sent()['POST /files'] ?? 0).toBe(0)
  }, 120_000)

  it('never syncs from the dev server', async () => {
    const sent = countRequests(server)
    const before = documents(server, fixture.root)
    writeFileSync(join(fixture.root, 'app/pages/new.vue'), '<template><p>A page only the dev server has seen.</p></template>\n')
    const dev = await devServer(nuxt, ['dev', '--port', String(await freePort())], fixture.root, env)
    expect(dev.status, dev.output).toBe(200)
    expect(syncLines(dev.output)).toEqual([])
    expect(sent()).toEqual({})
    expect(documents(server, fixture.root)).toEqual(before)
  }, 90_000)
})
