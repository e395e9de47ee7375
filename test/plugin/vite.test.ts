import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build, createBuilder, createServer, type InlineConfig, type ViteBuilder } from 'vite'
import { describe, expect, it } from 'vitest'
import vectornator from '../../src/vite'
import type { VectornatorPluginOptions } from '../../src/plugin'
import { ALWAYS_FAILS, fixture, Lines, storeContents, storeOptions, until, useServer, viteLoggerInto } from './helpers'

const { server } = useServer()

/** The `site` fixture as Vite builds it: two HTML pages (`/` and `/guide/`) and a script. */
function config(
  root: string,
  lines: Lines,
  options: VectornatorPluginOptions = {},
  extra: InlineConfig = {},
): InlineConfig {
  return {
    root,
    configFile: false,
    logLevel: 'info',
    customLogger: viteLoggerInto(lines),
    ...extra,
    build: {
      rollupOptions: { input: { main: join(root, 'index.html'), guide: join(root, 'guide/index.html') } },
      ...extra.build,
    },
    plugins: [vectornator(storeOptions(server(), options))],
  }
}

const requests = () => server().stats.requests

/** The fixture with a not-found page, as static hosts serve for a missing path. */
function withNotFoundPage(root: string): string {
  writeFileSync(join(root, '404.html'), '<!doctype html><html><body><h1>Page not found</h1></body></html>\n')
  return root
}

/** Builds the not-found page beside the fixture's two pages. */
function withNotFoundInput(root: string): InlineConfig {
  return {
    build: {
      rollupOptions: {
        input: {
          main: join(root, 'index.html'),
          guide: join(root, 'guide/index.html'),
          notFound: join(root, '404.html'),
        },
      },
    },
  }
}

describe('vite', () => {
  it('syncs the documents once after `vite build`, and a second build changes nothing', async () => {
    const root = fixture('site')
    const lines = new Lines()
    await build(config(root, lines))
    expect(storeContents(server(), root)).toEqual({
      'docs/intro.md': '/docs/intro',
      'docs/sensors.md': '/docs/sensors',
    })
    expect(lines.syncs).toEqual([
      expect.stringMatching(
        /\[vectornator\] sync: 2 added, 0 updated, 0 deleted, 0 unchanged, 0 failed \(store vs_\w+\) in \d+\.\ds$/,
      ),
    ])

    const again = new Lines()
    await build(config(root, again))
    expect(again.syncs).toEqual([expect.stringMatching(/sync: 0 added, 0 updated, 0 deleted, 2 unchanged, 0 failed/)])
    expect(server().stats.byRoute['POST /files']).toBe(2)
  })

  it('with `assets: true` uploads the emitted HTML under dist/, with page urls, but not the not-found page', async () => {
    const root = withNotFoundPage(fixture('site'))
    const lines = new Lines()
    await build(config(root, lines, { assets: true }, withNotFoundInput(root)))
    expect(existsSync(join(root, 'dist/404.html'))).toBe(true)
    expect(storeContents(server(), root)).toEqual({
      'dist/index.html': '/',
      'dist/guide/index.html': '/guide/',
      'docs/intro.md': '/docs/intro',
      'docs/sensors.md': '/docs/sensors',
    })
    expect(lines.syncs).toHaveLength(1)
  })

  it('with `assets` globs uploads only the emitted files they match, relative to the output folder', async () => {
    const root = withNotFoundPage(fixture('site'))
    const extra = withNotFoundInput(root)
    await build(
      config(
        root,
        new Lines(),
        { assets: ['guide/**/*.html', '404.html', '**/*.json'], include: 'nothing/*.md' },
        { build: { ...extra.build, manifest: true } },
      ),
    )
    // A glob naming the not-found page takes it; `**` does not reach into `.vite/` (dot is off).
    expect(existsSync(join(root, 'dist/.vite/manifest.json'))).toBe(true)
    expect(storeContents(server(), root)).toEqual({ 'dist/guide/index.html': '/guide/', 'dist/404.html': '/404' })
  })

  it.each([
    ['Vite builds every environment', {}],
    [
      "the config's buildApp builds them (SSR first)",
      {
        async buildApp(b: ViteBuilder) {
          await b.build(b.environments.ssr!)
          await b.build(b.environments.client!)
        },
      },
    ],
  ])(
    'syncs once for a whole Environment API build (client + SSR), after the last environment: %s',
    async (_, builderOptions) => {
      const root = fixture('site')
      const lines = new Lines()
      const builder = await createBuilder(
        config(
          root,
          lines,
          { assets: true },
          {
            builder: builderOptions,
            environments: {
              client: {},
              ssr: { build: { ssr: true, outDir: 'dist/server', rollupOptions: { input: join(root, 'server.js') } } },
            },
          },
        ),
      )
      await builder.buildApp()
      expect(lines.syncs).toHaveLength(1)
      const built = lines.lines.map((l, i) => (/building \w+ environment/.test(l) ? i : -1)).filter(i => i >= 0)
      expect(built).toHaveLength(2)
      expect(lines.lines.indexOf(lines.syncs[0])).toBeGreaterThan(built[1])
      expect(server().stats.byRoute['POST /vector_stores']).toBe(1)
      expect(Object.keys(storeContents(server(), root)).sort()).toEqual([
        'dist/guide/index.html',
        'dist/index.html',
        'docs/intro.md',
        'docs/sensors.md',
      ])
    },
  )

  it('does not sync from the dev server', async () => {
    const root = fixture('site')
    const lines = new Lines()
    const dev = await createServer(config(root, lines, {}, { server: { port: 0, host: '127.0.0.1' } }))
    await dev.listen()
    const page = await fetch(`http://127.0.0.1:${(dev.httpServer!.address() as { port: number }).port}/`)
    expect(page.ok).toBe(true)
    await dev.close()
    expect(requests()).toBe(0)
    expect(existsSync(join(root, '.vectornator'))).toBe(false)
    expect(lines.has(/\[vectornator\]/)).toBe(false)
  })

  it('does not sync in watch mode unless `watch` is on, then once the rebuild settles', async () => {
    for (const watch of [false, { debounceMs: 50 }]) {
      const root = fixture('site')
      const lines = new Lines()
      const watcher = (await build(config(root, lines, { watch }, { build: { watch: {} } }))) as unknown as {
        on: (e: string, f: (ev: { code: string; result?: { close(): Promise<void> } }) => void) => void
        close(): Promise<void>
      }
      await new Promise<void>(done =>
        watcher.on('event', ev => {
          if (ev.code === 'BUNDLE_END') void ev.result?.close()
          if (ev.code === 'END') done()
        }),
      )
      if (watch) await until(() => lines.syncs.length === 1)
      else await new Promise(r => setTimeout(r, 150))
      await watcher.close()
      if (watch) expect(Object.keys(storeContents(server(), root))).toEqual(['docs/intro.md', 'docs/sensors.md'])
      else {
        expect(lines.syncs).toEqual([])
        expect(lines.has(/watch mode: not syncing/)).toBe(true)
      }
    }
    expect(server().stats.byRoute['POST /vector_stores']).toBe(1)
  })

  it('does not sync a build that failed', async () => {
    const root = fixture('site')
    writeFileSync(join(root, 'main.js'), 'export const broken = (\n')
    const lines = new Lines()
    await expect(build(config(root, lines))).rejects.toThrow()
    expect(server().stats.requests).toBe(0)
    expect(lines.syncs).toEqual([])
  })

  it("fails the build when the store fails and `failOnError` is on, with the error in Vite's log", async () => {
    server().setFaults(ALWAYS_FAILS)
    const lines = new Lines()
    await expect(build(config(fixture('site'), lines, { failOnError: true }))).rejects.toThrow(
      /\[vectornator\] sync failed: 429/,
    )
    expect(lines.has(/\[vectornator\] sync failed: 429 Rate limit reached/)).toBe(true)
  })

  it('lets the build succeed with a logged error when `failOnError` is off', async () => {
    server().setFaults(ALWAYS_FAILS)
    const root = fixture('site')
    const lines = new Lines()
    await build(config(root, lines, { failOnError: false }))
    expect(existsSync(join(root, 'dist/index.html'))).toBe(true)
    expect(lines.has(/\[vectornator\] sync failed: 429/)).toBe(true)
    expect(lines.has(/the build goes on because failOnError is off/)).toBe(true)
  })

  it('by default fails the build in CI and only warns elsewhere', async () => {
    server().setFaults(ALWAYS_FAILS)
    const ci = process.env.CI
    try {
      const { failOnError: _, ...defaults } = storeOptions(server())
      process.env.CI = 'true'
      await expect(
        build({ ...config(fixture('site'), new Lines()), plugins: [vectornator(defaults)] }),
      ).rejects.toThrow(/sync failed/)
      delete process.env.CI
      const lines = new Lines()
      await build({ ...config(fixture('site'), lines), plugins: [vectornator(defaults)] })
      expect(lines.has(/the build goes on because failOnError is off/)).toBe(true)
    } finally {
      if (ci === undefined) delete process.env.CI
      else process.env.CI = ci
    }
  })

  it('`dryRun` prints the plan and sends nothing', async () => {
    const root = fixture('site')
    const lines = new Lines()
    await build(config(root, lines, { dryRun: true, assets: true }))
    expect(requests()).toBe(0)
    expect(lines.has(/\[vectornator\] dry run/)).toBe(true)
    expect(lines.has(/\+ dist\/guide\/index\.html/)).toBe(true)
    expect(lines.has(/\+ docs\/intro\.md/)).toBe(true)
    expect(lines.syncs).toEqual([expect.stringMatching(/plan: 4 added/)])
    expect(existsSync(join(root, '.vectornator/metadata.json'))).toBe(false)
  })

  it('does nothing with `enabled: false` or VECTORNATOR_DISABLE=1', async () => {
    const lines = new Lines()
    await build(config(fixture('site'), lines, { enabled: false }))
    process.env.VECTORNATOR_DISABLE = '1'
    await build(config(fixture('site'), lines))
    expect(requests()).toBe(0)
    expect(lines.has(/\[vectornator\]/)).toBe(false)
  })

  it('fails at once on a bad option, naming it', () => {
    expect(() => vectornator({ assets: 'x/../y', concurrency: 0 })).toThrow(
      /concurrency must be a whole number.*assets "x\/..\/y" points outside the output folder/,
    )
    expect(() => vectornator({ failOnError: 'yes' as unknown as boolean })).toThrow(/failOnError must be true or false/)
  })
})
