import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { rollup, watch as rollupWatch, type RollupLog } from 'rollup'
import { rolldown, watch as rolldownWatch } from 'rolldown'
import { describe, expect, it } from 'vitest'
import rollupPlugin from '../../src/rollup'
import rolldownPlugin from '../../src/rolldown'
import type { VectornatorPluginOptions } from '../../src/plugin'
import { ALWAYS_FAILS, fixture, Lines, storeContents, storeOptions, until, useServer } from './helpers'

const { server } = useServer()

const bundlers = {
  rollup: { bundle: rollup, watch: rollupWatch, plugin: rollupPlugin },
  rolldown: { bundle: rolldown, watch: rolldownWatch, plugin: rolldownPlugin },
} as const

describe.each(Object.keys(bundlers) as (keyof typeof bundlers)[])('%s', name => {
  const { bundle, watch, plugin } = bundlers[name]

  /** The `lib` fixture's input options; the plugin's logs are caught through `onLog`. */
  function input(root: string, lines: Lines, options: VectornatorPluginOptions = {}) {
    return {
      input: join(root, 'src/index.js'),
      plugins: [plugin(storeOptions(server(), { root, ...options }))],
      onLog: (_level: string, log: RollupLog) => lines.push(log.message),
    }
  }

  it('syncs once after writing two outputs, when the bundle is closed', async () => {
    const root = fixture('lib')
    const lines = new Lines()
    const build = await bundle(input(root, lines) as never)
    await build.write({ dir: join(root, 'dist/esm'), format: 'es' })
    await build.write({ dir: join(root, 'dist/cjs'), format: 'cjs' })
    expect(lines.syncs).toEqual([])
    await build.close()
    expect(existsSync(join(root, 'dist/cjs/index.js'))).toBe(true)
    expect(lines.syncs).toEqual([expect.stringMatching(/sync: 2 added/)])
    expect(storeContents(server(), root)).toEqual({ 'docs/api.md': '/docs/api', 'docs/usage.md': '/docs/usage' })
  })

  it('does not sync a bundle that was only generated, never written', async () => {
    const lines = new Lines()
    const build = await bundle(input(fixture('lib'), lines) as never)
    await build.generate({ format: 'es' })
    await build.close()
    expect(server().stats.requests).toBe(0)
  })

  it('does not sync in watch mode without `watch: true`', async () => {
    const root = fixture('lib')
    const lines = new Lines()
    const watcher = watch({
      ...input(root, lines),
      output: { dir: join(root, 'dist'), format: 'es' },
    } as never) as unknown as {
      on: (e: 'event', f: (ev: { code: string; result?: { close(): Promise<void> }; error?: Error }) => void) => void
      close(): Promise<void>
    }
    await new Promise<void>((done, fail) =>
      watcher.on('event', ev => {
        if (ev.code === 'BUNDLE_END') void ev.result?.close()
        if (ev.code === 'ERROR') fail(ev.error)
        if (ev.code === 'END') done()
      }),
    )
    await new Promise(r => setTimeout(r, 100))
    await watcher.close()
    expect(existsSync(join(root, 'dist/index.js'))).toBe(true)
    expect(server().stats.requests).toBe(0)
    expect(lines.has(/watch mode: not syncing/)).toBe(true)
  })

  it('fails `bundle.close()` when the store fails and `failOnError` is on', async () => {
    server().setFaults(ALWAYS_FAILS)
    const root = fixture('lib')
    const lines = new Lines()
    const build = await bundle(input(root, lines, { failOnError: true }) as never)
    await build.write({ dir: join(root, 'dist'), format: 'es' })
    await expect(build.close()).rejects.toThrow(/\[vectornator\] sync failed: 429/)
    await until(() => lines.has(/sync failed: 429/))
  })
})
