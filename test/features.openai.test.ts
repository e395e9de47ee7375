import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { status, sync } from '../src'
import { planMarkdown } from '../src/core/plan/report'
import { silentLogger } from '../src/lib/logger'
import type { VectornatorOptions } from '../src/types'
import { runCli } from './helpers/cli'
import { makeTree, pages, writeTree } from './helpers/tree'

let server: OpenAIServer
let client: OpenAI
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 2 })
  client = new OpenAI({ apiKey: 'test', baseURL: server.url })
})
afterAll(() => server.close())

const opts = (root: string, extra: VectornatorOptions = {}): VectornatorOptions => ({
  root,
  provider: 'openai',
  apiKey: 'test',
  baseURL: server.url,
  metadata: 'file',
  logger: silentLogger,
  ...extra,
})
const env = () => ({ OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url })
const site = () =>
  makeTree({
    'guide/install.md': '---\ntitle: Installing Zephyr\n---\n\nRun the zephyr installer with the turbo flag.\n',
    'guide/config.md': '# Configuring Zephyr\n\nThe zephyr.toml file sets the warp factor.\n',
    'index.md': '# Zephyr\n\nZephyr is a made-up build tool.\n',
  })

async function remote(storeId: string) {
  const files = []
  for await (const f of client.vectorStores.files.list(storeId, { limit: 100 })) files.push(f)
  return files
}

describe('page-aware attributes and free renames', () => {
  it('a rename uploads nothing and search finds the page under its new path and url', async () => {
    const root = site()
    const { storeId } = await sync(opts(root, { baseUrl: 'https://zephyr.dev/' }))
    const uploadsBefore = server.files().length
    renameSync(join(root, 'guide/install.md'), join(root, 'guide/setup.md'))
    const result = await sync(opts(root, { baseUrl: 'https://zephyr.dev/' }))
    expect(result.renamed).toEqual([{ from: 'guide/install.md', to: 'guide/setup.md' }])
    expect(result.added).toEqual([])
    expect(result.deleted).toEqual([])
    expect(server.files().length).toBe(uploadsBefore)
    const hits = await client.vectorStores.search(storeId, { query: 'zephyr installer turbo flag' })
    expect(hits.data[0].attributes).toMatchObject({
      path: 'guide/setup.md',
      url: 'https://zephyr.dev/guide/setup',
      title: 'Installing Zephyr',
    })
  })

  it('a new baseUrl re-tags every page without uploading; a front matter title edit is a content change', async () => {
    const root = site()
    const { storeId } = await sync(opts(root, { baseUrl: 'https://old.dev' }))
    const uploads = server.files().length
    const retag = await sync(opts(root, { baseUrl: 'https://new.dev' }))
    expect(retag.retagged.sort()).toEqual(['guide/config.md', 'guide/install.md', 'index.md'])
    expect(retag.updated).toEqual([])
    expect(server.files().length).toBe(uploads)
    expect((await remote(storeId)).map(f => f.attributes?.url).sort()).toEqual([
      'https://new.dev/',
      'https://new.dev/guide/config',
      'https://new.dev/guide/install',
    ])
    writeTree(root, {
      'guide/install.md': '---\ntitle: Installing Zephyr 2\n---\n\nRun the zephyr installer with the turbo flag.\n',
    })
    const edit = await sync(opts(root, { baseUrl: 'https://new.dev' }))
    expect(edit.updated).toEqual(['guide/install.md'])
  })

  it('a chunking change re-indexes exactly the affected documents and the plan says why', async () => {
    const root = makeTree(pages(12))
    await sync(opts(root))
    const changed = {
      chunkingStrategy: { type: 'static', static: { max_chunk_size_tokens: 400, chunk_overlap_tokens: 100 } },
    }
    const report = await status(opts(root, changed))
    expect(report.plan.update).toHaveLength(12)
    expect(report.plan.reasons).toEqual(['chunkingStrategy changed: 12 documents to re-index'])
    const result = await sync(opts(root, changed))
    expect(result.updated).toHaveLength(12)
    expect((await sync(opts(root, changed))).unchanged).toBe(12)
  })
})

describe('a plan that can be reviewed', () => {
  it('the Markdown plan matches the sync that follows', async () => {
    const root = site()
    await sync(opts(root))
    writeTree(root, {
      'guide/new.md': '# New\n\nfresh page',
      'index.md': '# Zephyr\n\nchanged',
      'guide/config.md': null,
    })
    const md = await runCli(['status', '--format', 'markdown', '--metadata', 'file'], { cwd: root, env: env() })
    expect(md.code).toBe(0)
    expect(md.stdout).toContain('<!-- vectornator-plan -->')
    expect(md.stdout).toMatch(/\| Add \| 1 \|/)
    expect(md.stdout).toMatch(/\| Update \| 1 \|/)
    expect(md.stdout).toMatch(/\| Delete \| 1 \|/)
    expect(md.stdout).toContain('3 documents after the sync')
    expect(md.stdout).toContain('`guide/new.md`')
    const result = await sync(opts(root))
    expect(result.added).toEqual(['guide/new.md'])
    expect(result.updated).toEqual(['index.md'])
    expect(result.deleted).toEqual(['guide/config.md'])
    expect(planMarkdown(await status(opts(root)))).toMatch(/\| Unchanged \| 3 \|/)
  })

  it('the mass-deletion guard stops a glob that matches nothing, and the flag lets it through', async () => {
    const root = site()
    const { storeId } = await sync(opts(root))
    const run = await runCli(['sync', '--include', 'nothing/**/*.md', '--metadata', 'file'], { cwd: root, env: env() })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/would delete 3 of the store's 3 documents .* --allow-mass-delete/)
    expect(await remote(storeId)).toHaveLength(3)
    const forced = await runCli(['sync', '--include', 'nothing/**/*.md', '--allow-mass-delete', '--metadata', 'file'], {
      cwd: root,
      env: env(),
    })
    expect(forced.code).toBe(0)
    expect(await remote(storeId)).toHaveLength(0)
  })
})

describe('search and retrieval checks', () => {
  it('search --json prints path, score and text, best first', async () => {
    const root = site()
    await sync(opts(root))
    const run = await runCli(['search', 'warp factor toml', '--json', '--metadata', 'file'], { cwd: root, env: env() })
    expect(run.code, run.stderr).toBe(0)
    const hits = JSON.parse(run.stdout)
    expect(hits[0]).toMatchObject({
      path: 'guide/config.md',
      text: expect.stringContaining('warp factor'),
      title: 'Configuring Zephyr',
    })
    expect(typeof hits[0].score).toBe('number')
  })

  it('check passes, fails with exit 1 and ranks, and runs after a sync with --checks', async () => {
    const root = site()
    await sync(opts(root))
    writeFileSync(
      join(root, 'vectornator.checks.json'),
      JSON.stringify([
        { query: 'warp factor toml', expect: 'guide/config.md', top: 1 },
        { query: 'installer turbo flag', expect: '/guide/install', top: 3 },
      ]),
    )
    const pass = await runCli(['check', '--metadata', 'file'], { cwd: root, env: env() })
    expect(pass.code, pass.stdout + pass.stderr).toBe(0)
    expect(pass.stdout).toContain('checks: 2 passed, 0 failed')

    writeFileSync(
      join(root, 'vectornator.checks.json'),
      JSON.stringify([{ query: 'warp factor toml', expect: 'index.md', top: 1 }]),
    )
    const fail = await runCli(['check', '--json', '--metadata', 'file'], { cwd: root, env: env() })
    expect(fail.code).toBe(1)
    expect(JSON.parse(fail.stdout).outcomes[0]).toMatchObject({ passed: false, expect: 'index.md' })

    const after = await runCli(['sync', '--checks', '--json', '--metadata', 'file'], { cwd: root, env: env() })
    expect(after.code).toBe(1)
    expect(JSON.parse(after.stdout).unchanged).toBe(3)
    expect(after.stderr).toContain('checks: 0 passed, 1 failed')
  })
})
