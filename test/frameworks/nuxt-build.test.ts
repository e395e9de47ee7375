import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { ALWAYS_FAILS } from '../plugin/helpers'
import { bin, documents, installed, run, site, storeConfig, syncLines } from './helpers'

const nuxt = bin('nuxt/bin/nuxt.mjs')
// Under vitest (TEST, VITEST set) Nuxt runs in test mode, silent.
const env = { NUXT_TELEMETRY_DISABLED: '1', TEST: '', VITEST: '' }
let server: OpenAIServer
let pkg: Awaited<ReturnType<typeof installed>>
let fixture: ReturnType<typeof site>

beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1 })
  pkg = await installed(['nuxt'])
  fixture = site('nuxt', pkg.dir)
  storeConfig(fixture.root, server)
})

afterAll(async () => {
  await server.close()
  pkg.remove()
})

describe('nuxt build', () => {
  it('syncs once, after the server is built, with the pages its route rules prerender', async () => {
    const built = await run(nuxt, ['build'], fixture.root, env)
    expect(built.code, built.output).toBe(0)
    expect(existsSync(join(fixture.root, '.output/server/index.mjs'))).toBe(true)
    expect(syncLines(built.output)).toHaveLength(1)
    const docs = documents(server, fixture.root)
    expect(Object.fromEntries(Object.entries(docs).map(([path, a]) => [path, a.url]))).toEqual({
      '.output/public/guide/intro/index.html': 'https://docs.example.com/widget/guide/intro',
    })
    expect(docs['.output/public/guide/intro/index.html'].title).toBe('Introduction')
  }, 120_000)

  it('fails the nuxt build when the store fails and failOnError is on, the store unchanged', async () => {
    const before = documents(server, fixture.root)
    server.setFaults(ALWAYS_FAILS)
    const failed = await run(nuxt, ['build'], fixture.root, env)
    server.setFaults({})
    expect(failed.code, failed.output).not.toBe(0)
    expect(failed.output).toMatch(/\[vectornator\] sync failed: 429/)
    expect(documents(server, fixture.root)).toEqual(before)
  }, 120_000)
})
