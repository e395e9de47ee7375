import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import webpack from 'webpack'
import { rspack } from '@rspack/core'
import { describe, expect, it } from 'vitest'
import webpackPlugin from '../../src/webpack'
import rspackPlugin from '../../src/rspack'
import type { VectornatorPluginOptions } from '../../src/plugin'
import { ALWAYS_FAILS, fixture, Lines, storeContents, storeOptions, useServer } from './helpers'

const { server } = useServer()

interface Runnable {
  run(callback: (error: Error | null, stats?: { hasErrors(): boolean }) => void): void
  watch(options: object, callback: (error: Error | null) => void): { close(callback: () => void): void }
  close(callback: (error?: Error | null) => void): void
}

const bundlers = {
  webpack: { create: (config: object) => webpack(config as never) as unknown as Runnable, plugin: webpackPlugin },
  rspack: { create: (config: object) => rspack(config as never) as unknown as Runnable, plugin: rspackPlugin },
} as const

/** Runs the compiler once, then closes it (as the CLIs do); rejects with the run's error. */
function run(compiler: Runnable): Promise<void> {
  return new Promise((resolve, reject) =>
    compiler.run((error, stats) => {
      compiler.close(() => {
        if (error) return reject(error)
        if (stats?.hasErrors()) return reject(new Error('compilation failed'))
        resolve()
      })
    }),
  )
}

describe.each(Object.keys(bundlers) as (keyof typeof bundlers)[])('%s', name => {
  const { create, plugin } = bundlers[name]

  /** A config for the `lib` fixture; the infrastructure log (where the plugin writes) goes to `lines`. */
  function config(
    root: string,
    lines: Lines,
    options: VectornatorPluginOptions = {},
    out = 'dist',
    instance?: unknown,
  ) {
    return {
      mode: 'production',
      context: root,
      entry: './src/index.js',
      output: { path: join(root, out), filename: 'main.js' },
      optimization: { minimize: false },
      plugins: [instance ?? plugin(storeOptions(server(), options))],
      infrastructureLogging: {
        level: 'info',
        colors: false,
        appendOnly: true,
        stream: new Writable({
          write(chunk, _encoding, done) {
            lines.push(chunk)
            done()
          },
        }),
      },
    }
  }

  it('syncs once after the output is emitted', async () => {
    const root = fixture('lib')
    const lines = new Lines()
    await run(create(config(root, lines, { assets: ['**/*.js'] })))
    expect(existsSync(join(root, 'dist/main.js'))).toBe(true)
    expect(lines.syncs).toEqual([expect.stringMatching(/\[vectornator\] sync: 3 added/)])
    expect(storeContents(server(), root)).toEqual({
      'dist/main.js': '/main.js',
      'docs/api.md': '/docs/api',
      'docs/usage.md': '/docs/usage',
    })
  })

  it('syncs once for a MultiCompiler, after the last compiler, with every output', async () => {
    for (const shared of [false, true]) {
      const root = fixture('lib')
      const lines = new Lines()
      const instance = shared ? plugin(storeOptions(server(), { assets: ['**/*.js'] })) : undefined
      await run(
        create([
          { ...config(root, lines, { assets: ['**/*.js'] }, 'dist/a', instance), name: 'a' },
          { ...config(root, lines, { assets: ['**/*.js'] }, 'dist/b', instance), name: 'b' },
        ]),
      )
      expect(lines.syncs).toHaveLength(1)
      expect(Object.keys(storeContents(server(), root)).sort()).toEqual([
        'dist/a/main.js',
        'dist/b/main.js',
        'docs/api.md',
        'docs/usage.md',
      ])
    }
    expect(server().stats.byRoute['POST /vector_stores']).toBe(2)
  })

  it('does not sync in watch mode without `watch: true`', async () => {
    const root = fixture('lib')
    const lines = new Lines()
    const compiler = create(config(root, lines))
    await new Promise<void>((resolve, reject) => {
      const watching = compiler.watch({}, error => {
        if (error) return reject(error)
        // Let the `done` hooks (the plugin's among them) finish before closing.
        setTimeout(() => watching.close(() => resolve()), 100)
      })
    })
    expect(existsSync(join(root, 'dist/main.js'))).toBe(true)
    expect(server().stats.requests).toBe(0)
    expect(lines.has(/watch mode: not syncing/)).toBe(true)
  })

  it('fails the run when the store fails and `failOnError` is on; warns when off', async () => {
    server().setFaults(ALWAYS_FAILS)
    const failing = new Lines()
    await expect(run(create(config(fixture('lib'), failing, { failOnError: true })))).rejects.toThrow(
      /\[vectornator\] sync failed: 429/,
    )
    expect(failing.has(/\[vectornator\] sync failed: 429/)).toBe(true)

    const warning = new Lines()
    const root = fixture('lib')
    await run(create(config(root, warning, { failOnError: false })))
    expect(existsSync(join(root, 'dist/main.js'))).toBe(true)
    expect(warning.has(/\[vectornator\] sync failed: 429/)).toBe(true)
    expect(warning.has(/the build goes on/)).toBe(true)
  })
})
