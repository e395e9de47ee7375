import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { build, context } from 'esbuild'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import vectornator from '../../src/esbuild'
import type { VectornatorPluginOptions } from '../../src/plugin'
import { ALWAYS_FAILS, fixture, Lines, storeContents, storeOptions, until, useServer } from './helpers'

const { server } = useServer()

// esbuild has no logger for plugins: the plugin writes to stderr, caught here.
let lines: Lines
beforeEach(() => {
  lines = new Lines()
  const write = process.stderr.write.bind(process.stderr)
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(chunk)
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest)
  })
})
afterEach(() => {
  vi.restoreAllMocks()
})

function options(root: string, plugin: VectornatorPluginOptions = {}) {
  return {
    absWorkingDir: root,
    entryPoints: ['src/index.js'],
    bundle: true,
    outdir: 'dist',
    logLevel: 'silent' as const,
    plugins: [vectornator(storeOptions(server(), plugin))],
  }
}

describe('esbuild', () => {
  it('syncs once after the build writes its output, with the emitted files from the metafile', async () => {
    const root = fixture('lib')
    await build(options(root, { assets: '*.js' }))
    expect(existsSync(join(root, 'dist/index.js'))).toBe(true)
    expect(lines.syncs).toEqual([expect.stringMatching(/\[vectornator\] sync: 3 added/)])
    expect(storeContents(server(), root)).toEqual({
      'dist/index.js': '/index.js',
      'docs/api.md': '/docs/api',
      'docs/usage.md': '/docs/usage',
    })
  })

  it('does not sync with `write: false` (nothing on disk)', async () => {
    await build({ ...options(fixture('lib')), write: false })
    expect(server().stats.requests).toBe(0)
  })

  it('syncs the first build of a context, and its rebuilds only with `watch: true`', async () => {
    for (const watch of [false, { debounceMs: 200 }]) {
      const before = lines.syncs.length
      const ctx = await context(options(fixture('lib'), { watch }))
      await ctx.rebuild()
      await ctx.rebuild()
      await ctx.rebuild()
      // The first build syncs; with `watch`, the two rebuilds settle into one more sync.
      if (watch) await until(() => lines.syncs.length === before + 2)
      else await new Promise(r => setTimeout(r, 60))
      await ctx.dispose()
      expect(lines.syncs.length - before).toBe(watch ? 2 : 1)
    }
    expect(lines.has(/watch mode: not syncing/)).toBe(true)
  })

  it('fails the build when the store fails and `failOnError` is on', async () => {
    server().setFaults(ALWAYS_FAILS)
    await expect(build(options(fixture('lib'), { failOnError: true }))).rejects.toThrow(
      /\[vectornator\] sync failed: 429/,
    )
    expect(lines.has(/\[vectornator\] sync failed: 429/)).toBe(true)
  })
})
