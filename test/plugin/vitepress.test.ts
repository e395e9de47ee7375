import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { build, type SiteConfig } from 'vitepress'
import { afterEach, describe, expect, it } from 'vitest'
import vectornator from '../../src/vite'
import type { VectornatorPluginOptions } from '../../src/plugin'
import { fixture, Lines, storeContents, storeIdOf, storeOptions, useServer } from './helpers'
import { expectCliAgrees } from '../frameworks/helpers'
import { runCli } from '../helpers/cli'

const { server } = useServer()

// VitePress sets NODE_ENV=production for the whole process; put it back for the other tests.
const nodeEnv = process.env.NODE_ENV
afterEach(() => {
  process.env.NODE_ENV = nodeEnv
})

/** Builds the VitePress fixture with the plugin, as `vite: { plugins: [vectornator()] }` in .vitepress/config does. */
async function buildSite(options: VectornatorPluginOptions): Promise<{ root: string; lines: Lines }> {
  const root = fixture('vitepress', { modules: true })
  return { root, lines: await buildWithPlugin(root, storeOptions(server(), options)) }
}

/** `vitepress build` of the site in `root`, with the plugin given these options; resolves to what it printed. */
async function buildWithPlugin(root: string, options: VectornatorPluginOptions): Promise<Lines> {
  const lines = new Lines()
  await build(root, {
    onAfterConfigResolve(site: SiteConfig) {
      site.vite ??= {}
      ;(site.vite.plugins ??= []).push(vectornator(options) as never)
      const logger = site.logger
      site.logger = {
        ...logger,
        info: (m, o) => {
          lines.push(m)
          logger.info(m, o)
        },
        error: (m, o) => {
          lines.push(m)
          logger.error(m, o)
        },
      }
    },
  } as never)
  return lines
}

describe('vitepress', () => {
  it('syncs once, after the HTML pages are rendered, never from the client or SSR bundle', async () => {
    const { root, lines } = await buildSite({ assets: true })
    expect(existsSync(join(root, '.vitepress/dist/guide/passes.html'))).toBe(true)
    expect(existsSync(join(root, '.vitepress/dist/404.html'))).toBe(true)
    expect(lines.syncs).toEqual([expect.stringMatching(/\[vectornator\] sync: 6 added/)])
    expect(server().stats.byRoute['POST /vector_stores']).toBe(1)
    // The rendered pages (not the SSR build's files, nor the not-found page), under the routes the
    // site links them by (`.html`, as VitePress links pages without cleanUrls).
    expect(storeContents(server(), root)).toEqual({
      'index.md': '/',
      'guide/getting-started.md': '/guide/getting-started.html',
      'guide/passes.md': '/guide/passes.html',
      '.vitepress/dist/index.html': '/',
      '.vitepress/dist/guide/getting-started.html': '/guide/getting-started.html',
      '.vitepress/dist/guide/passes.html': '/guide/passes.html',
    })
  })

  it('with a glob for the emitted files, syncs what it matches, the not-found page included', async () => {
    const { root, lines } = await buildSite({ assets: ['**/*.html'], include: 'nothing/*.md' })
    expect(lines.syncs).toEqual([expect.stringMatching(/\[vectornator\] sync: 4 added/)])
    expect(storeContents(server(), root)).toEqual({
      '.vitepress/dist/404.html': '/404',
      '.vitepress/dist/index.html': '/',
      '.vitepress/dist/guide/getting-started.html': '/guide/getting-started.html',
      '.vitepress/dist/guide/passes.html': '/guide/passes.html',
    })
  })
})

/** A repository holding a VitePress site in docs/ (base /myproj/, cleanUrls), built with the plugin. */
async function repoWithSite(
  config: Record<string, unknown> | undefined,
  plugin: VectornatorPluginOptions,
): Promise<{ repo: string; lines: Lines }> {
  const repo = mkdtempSync(join(tmpdir(), 'vn-vitepress-repo-'))
  mkdirSync(join(repo, 'docs'))
  cpSync(fileURLToPath(new URL('../fixtures/vitepress', import.meta.url)), join(repo, 'docs'), { recursive: true })
  symlinkSync(fileURLToPath(new URL('../../node_modules', import.meta.url)), join(repo, 'node_modules'), 'dir')
  writeFileSync(
    join(repo, 'docs/index.md'),
    '---\nlayout: home\nhero:\n  name: Orbit\n  text: Satellite passes for small ground stations\n---\n\n## Features\n\nOrbit schedules passes.\n',
  )
  writeFileSync(
    join(repo, 'docs/.vitepress/config.mts'),
    `export default { base: '/myproj/', cleanUrls: true, title: 'Orbit docs', description: 'How Orbit schedules passes' }\n`,
  )
  if (config) writeFileSync(join(repo, 'vectornator.config.json'), JSON.stringify(config))
  writeFileSync(join(repo, '.gitignore'), 'node_modules\n')
  execFileSync('git', ['init', '-q'], { cwd: repo })
  return { repo, lines: await buildWithPlugin(join(repo, 'docs'), plugin) }
}

describe('vitepress in a repository, beside the CLI', () => {
  it('with base and cleanUrls, a config at the repository root: the plugin in docs/ and the CLI at the root see one project, the same urls and titles, and write the same llms.txt', async () => {
    // A repository as `vectornator init` leaves it: the config at the top names docs/ as the root.
    const { repo, lines } = await repoWithSite(
      {
        root: 'docs',
        include: ['**/*.md'],
        provider: 'openai',
        baseURL: server().url,
        metadata: 'file',
        llmsTxt: true,
      },
      { apiKey: 'test', failOnError: true },
    )
    expect(lines.syncs).toEqual([expect.stringMatching(/sync: 3 added/)])
    const docs = Object.fromEntries(
      server()
        .vectorStoreFiles(storeIdOf(join(repo, 'docs'))!)
        .map(f => [String(f.attributes?.path), f.attributes]),
    )
    expect(Object.fromEntries(Object.entries(docs).map(([p, a]) => [p, [a?.url, a?.title]]))).toEqual({
      'index.md': ['/myproj/', 'Orbit'],
      'guide/getting-started.md': ['/myproj/guide/getting-started', 'Getting started'],
      'guide/passes.md': ['/myproj/guide/passes', expect.any(String)],
    })

    // The CLI at the repository root: the same project, nothing to do, and the same answers.
    await expectCliAgrees(server(), repo)
    const cli = (...args: string[]) =>
      runCli(args, { cwd: repo, env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server().url } })
    const found = await cli('search', 'satellite passes', '--json')
    expect(found.code, found.stderr).toBe(0)
    expect(JSON.parse(found.stdout).map((h: { url: string }) => h.url)).toContain('/myproj/guide/passes')
    const out = join(repo, 'llms-cli')
    const llms = await cli('llms-txt', '--out', out)
    expect(llms.code, llms.stderr).toBe(0)
    for (const name of ['llms.txt', 'llms-full.txt'])
      expect(readFileSync(join(out, name), 'utf8')).toBe(readFileSync(join(repo, 'docs/.vitepress/dist', name), 'utf8'))
    expect(readFileSync(join(out, 'llms.txt'), 'utf8')).toMatch(/^# Orbit docs\n\n> How Orbit schedules passes\n/)
    rmSync(repo, { recursive: true, force: true })
  })

  it('with no config file: the CLI at the repository root finds the site in docs/ and the state the build left, and has nothing to do', async () => {
    const { repo, lines } = await repoWithSite(undefined, {
      provider: 'openai',
      apiKey: 'test',
      baseURL: server().url,
      failOnError: true,
    })
    expect(lines.syncs).toEqual([expect.stringMatching(/sync: 3 added/)])
    await expectCliAgrees(server(), repo)
    const found = await runCli(['search', 'satellite passes', '--json'], {
      cwd: repo,
      env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server().url },
    })
    expect(found.code, found.stderr).toBe(0)
    expect(JSON.parse(found.stdout).map((h: { url: string }) => h.url)).toContain('/myproj/guide/passes')
    rmSync(repo, { recursive: true, force: true })
  })
})
