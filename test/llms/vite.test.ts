import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build, type InlineConfig } from 'vite'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import vectornator from '../../src/vite'
import type { VectornatorPluginOptions } from '../../src/plugin'
import { runCli } from '../helpers/cli'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { ALWAYS_FAILS, Lines, viteLoggerInto } from '../plugin/helpers'
import { fullEntries, htmlTitle, linksOf, pageFor, sectionsOf, tempCopy } from './helpers'

let store: OpenAIServer
const server = () => store
afterEach(() => store.setFaults(undefined))
afterAll(() => store.close())

/**
 * The `site` fixture as a plain Vite site whose documents are its HTML pages, with a package.json
 * naming it and the llms.txt settings in vectornator.config.json, which the plugin and the CLI both read.
 */
function site(): string {
  const root = tempCopy('site')
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name: 'lumen', description: 'Dashboards for sensor readings' }),
  )
  writeFileSync(
    join(root, 'vectornator.config.json'),
    JSON.stringify({ include: ['**/*.html'], metadata: 'file', llmsTxt: true }),
  )
  return root
}

async function viteBuild(
  root: string,
  options: VectornatorPluginOptions = {},
  outDir = 'dist',
  emptyOutDir = true,
): Promise<Lines> {
  const lines = new Lines()
  const config: InlineConfig = {
    root,
    configFile: false,
    logLevel: 'info',
    customLogger: viteLoggerInto(lines),
    build: {
      outDir,
      emptyOutDir,
      rollupOptions: { input: { main: join(root, 'index.html'), guide: join(root, 'guide/index.html') } },
    },
    plugins: [
      vectornator({
        provider: 'openai',
        apiKey: 'test',
        baseURL: server().url,
        failOnError: true,
        llmsTxt: true,
        ...options,
      }),
    ],
  }
  await build(config)
  return lines
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8')

// The first build syncs the two pages and writes llms.txt; the tests below read it.
let root: string
let built: Lines
beforeAll(async () => {
  store = await createOpenAIServer({ processingMs: 1 })
  root = site()
  built = await viteBuild(root)
})

describe('llms.txt from a Vite build', () => {
  it("is written into dist/ with package.json's name and description, linking the built pages under their titles", () => {
    const dist = join(root, 'dist')
    const index = read(dist, 'llms.txt')
    expect(index.startsWith('# lumen\n\n> Dashboards for sensor readings\n')).toBe(true)
    expect(sectionsOf(index)).toEqual(['Pages', 'Guide'])
    const links = linksOf(index)
    expect(links.map(l => l.url)).toEqual(['/', '/guide/'])
    for (const link of links) {
      const page = pageFor(dist, link.url)
      expect(page, link.url).toBeDefined()
      expect(htmlTitle(page!)).toBe(link.title)
    }
    expect(
      built.has(
        /\[vectornator\] llms\.txt: 2 pages in 2 sections, written to dist\/llms\.txt and dist\/llms-full\.txt/,
      ),
    ).toBe(true)
  })

  it("llms-full.txt holds the pages' text, not their markup, in the order of llms.txt", () => {
    const full = read(join(root, 'dist'), 'llms-full.txt')
    expect(fullEntries(full)).toEqual(
      linksOf(read(join(root, 'dist'), 'llms.txt')).map(l => ({ title: l.title, url: l.url })),
    )
    expect(full).toContain('# Lumen\n\nLumen turns sensor readings into dashboards in minutes.')
    expect(full).toContain('Connect a sensor, pick a chart, share the dashboard.')
    expect(full).not.toMatch(/<\/?[a-z]+[\s>]|main\.js/)
  })

  it('`vectornator llms-txt` writes the same files from the same state and config', async () => {
    const out = tempCopy(undefined)
    const run = await runCli(['llms-txt', '--out', out], { cwd: root })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/llms\.txt: 2 pages in 2 sections, written to .*llms\.txt and .*llms-full\.txt/)
    for (const name of ['llms.txt', 'llms-full.txt']) expect(read(out, name)).toBe(read(join(root, 'dist'), name))
  })

  it('leaves a page changed since the sync out of llms-full.txt, and says so (CLI, then a dry-run build)', async () => {
    const edited = site()
    await viteBuild(edited)
    writeFileSync(
      join(edited, 'guide/index.html'),
      read(edited, 'guide/index.html').replace('Connect a sensor', 'Plug in a sensor'),
    )

    // No --out: the build output found in the root (dist/ here).
    const run = await runCli(['llms-txt'], { cwd: edited })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain(
      'llms-full.txt leaves out guide/index.html: changed since the last sync (the store holds an older version); sync to include it',
    )
    // The link stays (the store still holds the page under that title and url); its text goes.
    expect(linksOf(read(join(edited, 'dist'), 'llms.txt')).map(l => l.url)).toEqual(['/', '/guide/'])
    const full = read(join(edited, 'dist'), 'llms-full.txt')
    expect(full).toContain('Lumen turns sensor readings')
    expect(full).not.toMatch(/Connect a sensor|Plug in a sensor/)

    // A dry run changes no state: llms.txt is written from the state as the last sync left it.
    rmSync(join(edited, 'dist'), { recursive: true })
    const lines = await viteBuild(edited, { dryRun: true })
    expect(lines.has(/plan: 0 added, 1 updated/)).toBe(true)
    expect(lines.has(/llms\.txt: dry run: written from the state of the last sync/)).toBe(true)
    expect(lines.has(/llms-full\.txt leaves out guide\/index\.html/)).toBe(true)
    expect(read(join(edited, 'dist'), 'llms-full.txt')).toBe(full)
  })

  it('writes nothing on a dry run before any sync, saying why', async () => {
    const fresh = site()
    const lines = await viteBuild(fresh, { dryRun: true })
    expect(existsSync(join(fresh, 'dist/index.html'))).toBe(true)
    expect(existsSync(join(fresh, 'dist/llms.txt'))).toBe(false)
    expect(lines.has(/llms\.txt: nothing has been synced yet \(this sync: dry run\): not written/)).toBe(true)
  })

  it('after a failed sync writes from the last good state when the build goes on, and nothing when it fails', async () => {
    const failing = site()
    await viteBuild(failing)
    writeFileSync(join(failing, 'index.html'), read(failing, 'index.html').replace('in minutes', 'in seconds'))
    server().setFaults(ALWAYS_FAILS)

    const lines = await viteBuild(failing, { failOnError: false })
    expect(lines.has(/sync failed: 429/)).toBe(true)
    expect(lines.has(/llms\.txt: the sync failed: written from the state of the last sync/)).toBe(true)
    expect(linksOf(read(join(failing, 'dist'), 'llms.txt')).map(l => l.url)).toEqual(['/', '/guide/'])
    expect(read(join(failing, 'dist'), 'llms-full.txt')).not.toContain('in seconds')

    await expect(viteBuild(failing, { failOnError: true })).rejects.toThrow(/sync failed/)
    expect(existsSync(join(failing, 'dist/llms.txt'))).toBe(false)
  })

  it('into an output folder the globs reach, the files written are never synced back as documents', async () => {
    const root = site()
    const options = { include: ['**/*.html', '**/*.txt'] }
    await viteBuild(root, options, 'public_html')
    expect(existsSync(join(root, 'public_html/llms-full.txt'))).toBe(true)
    // Kept from the last build (as a framework that does not empty its output leaves them).
    const again = await viteBuild(root, options, 'public_html', false)
    // The built HTML pages are documents too (the include takes them); llms.txt and llms-full.txt are not.
    expect(again.syncs).toEqual([expect.stringMatching(/sync: 0 added, 0 updated, 0 deleted, 4 unchanged/)])
    expect(again.has(/\+ public_html\/llms/)).toBe(false)
    expect(linksOf(read(join(root, 'public_html'), 'llms.txt')).map(l => l.url)).toEqual(['/', '/guide/'])
  })

  it('fails at once on bad llmsTxt options, every problem named with the others', () => {
    expect(() =>
      vectornator({
        concurrency: 0,
        llmsTxt: { sections: [{ title: '', include: '../docs/**' }], full: 'yes' as never, colour: 1 } as never,
      }),
    ).toThrow(
      /concurrency must be .*; llmsTxt\.colour is not an option: use one of title, .*; llmsTxt\.full must be true or false, got "yes"; llmsTxt\.sections\[0\]\.title must be a non-empty string .*; llmsTxt\.sections\[0\]\.include "\.\.\/docs\/\*\*" points outside the root/,
    )
    expect(() => vectornator({ llmsTxt: 'yes' as never })).toThrow(
      /llmsTxt must be true, false or \{ title, description, sections/,
    )
  })
})
