import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ALWAYS_FAILS } from '../plugin/helpers'
import { attribute, bin, run, siteUnderTest, syncLines } from './helpers'

const nuxt = bin('nuxt/bin/nuxt.mjs')
// Under vitest (TEST, VITEST set) Nuxt runs in test mode, silent.
const env = { NUXT_TELEMETRY_DISABLED: '1', TEST: '', VITEST: '' }
const s = siteUnderTest('nuxt', { entries: ['nuxt'] })

describe('nuxt build', () => {
  it('syncs once, after the server is built, with the pages its route rules prerender', async () => {
    const built = await run(nuxt, ['build'], s.root, env)
    expect(built.code, built.output).toBe(0)
    expect(existsSync(join(s.root, '.output/server/index.mjs'))).toBe(true)
    expect(syncLines(built.output)).toHaveLength(1)
    const docs = s.docs()
    expect(attribute(docs, 'url')).toEqual({
      '.output/public/guide/intro/index.html': 'https://docs.example.com/widget/guide/intro',
    })
    expect(docs['.output/public/guide/intro/index.html'].title).toBe('Introduction')
  }, 120_000)

  it('fails the nuxt build when the store fails and failOnError is on, the store unchanged', async () => {
    const before = s.docs()
    s.server.setFaults(ALWAYS_FAILS)
    const failed = await run(nuxt, ['build'], s.root, env)
    s.server.setFaults({})
    expect(failed.code, failed.output).not.toBe(0)
    expect(failed.output).toMatch(/\[vectornator\] sync failed: 429/)
    expect(s.docs()).toEqual(before)
  }, 120_000)
})
