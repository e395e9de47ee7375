import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'vite'
import { describe, expect, it } from 'vitest'
import vectornator from '../../src/vite'
import type { VectornatorPluginOptions } from '../../src/plugin'
import { fixture, Lines, storeContents, storeOptions, useServer, viteLoggerInto } from './helpers'

const { server } = useServer()

/** Builds the `site` fixture with `vectornator.config.json` beside it. */
async function buildWith(config: object, options: VectornatorPluginOptions = {}) {
  const root = fixture('site')
  writeFileSync(join(root, 'vectornator.config.json'), JSON.stringify(config))
  const lines = new Lines()
  const run = build({
    root,
    configFile: false,
    logLevel: 'info',
    customLogger: viteLoggerInto(lines),
    plugins: [vectornator(storeOptions(server(), options))],
  })
  return { root, lines, run }
}

describe('vectornator.config.* under the plugin', () => {
  it("is read from the root, for the core options and the plugin's own", async () => {
    const { root, run } = await buildWith({ include: 'docs/intro.md', assets: true })
    await run
    expect(storeContents(server(), root)).toEqual({ 'dist/index.html': '/', 'docs/intro.md': '/docs/intro' })
  })

  it("loses to the plugin's options, as it does to the CLI's flags", async () => {
    const { root, run } = await buildWith({ include: 'docs/intro.md' }, { include: 'docs/sensors.md' })
    await run
    expect(storeContents(server(), root)).toEqual({ 'docs/sensors.md': '/docs/sensors' })
  })

  it('can switch the plugin off', async () => {
    const { lines, run } = await buildWith({ enabled: false })
    await run
    expect(server().stats.requests).toBe(0)
    expect(lines.has(/switched off by the config file/)).toBe(true)
  })

  it('fails the build before bundling when it is wrong, naming the fix', async () => {
    const { lines, run } = await buildWith({ assts: true })
    await expect(run).rejects.toThrow(/vectornator\.config\.json: unknown option "assts" \(did you mean "assets"\?\)/)
    expect(lines.has(/building client environment/)).toBe(false)
  })
})
