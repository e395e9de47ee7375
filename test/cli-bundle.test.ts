import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { build } from 'tsup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import config from '../tsup.config'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { runCli } from './helpers/cli'
import { countRequests, STORE_CHECK } from './helpers/requests'
import { makeTree, pages } from './helpers/tree'

// The command as it is shipped: `dist/cli.cjs`, one CommonJS bundle whose other commands,
// providers and packages load only when used. Built here with the project's own tsup settings
// (the rest of the suite runs the source through tsx), under node_modules/ so its external
// packages resolve as they do from dist/.
const outDir = resolve(import.meta.dirname, '..', 'node_modules', '.cache', `vectornator-cli-test-${process.pid}`)
const entry = join(outDir, 'cli.cjs')
let server: OpenAIServer

beforeAll(async () => {
  const cli = (Array.isArray(config) ? config : [config]).find(
    c => typeof c === 'object' && c.entry && 'cli' in (c.entry as object),
  )
  if (!cli || typeof cli !== 'object') throw new Error('tsup.config.ts has no cli entry')
  mkdirSync(outDir, { recursive: true })
  await build({ ...cli, outDir, silent: true, config: false })
  server = await createOpenAIServer({ processingMs: 2 })
}, 60_000)
afterAll(async () => {
  await server?.close()
  rmSync(outDir, { recursive: true, force: true })
})

describe('the built command', () => {
  it('syncs, then does nothing in a run that sends no request, lists every command, and searches', async () => {
    const root = makeTree({
      ...pages(20),
      'docs/guide.md': '---\ntitle: The Guide\n---\n# Ignored heading\n\nThe flux capacitor.\n',
    })
    const env = { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url }
    const run = (...args: string[]) => runCli(args, { cwd: root, env, entry })

    const first = await run('sync', '--json', '--metadata', 'file', '--provider', 'openai')
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout).added).toHaveLength(21)

    const sent = countRequests(server)
    const second = await run('sync', '--json', '--metadata', 'file', '--provider', 'openai')
    expect(second.code, second.stderr).toBe(0)
    expect(JSON.parse(second.stdout)).toMatchObject({ added: [], updated: [], deleted: [], unchanged: 21 })
    expect(sent()).toEqual({ [STORE_CHECK]: 1 })

    const help = await run('--help')
    for (const command of [
      'sync',
      'status',
      'search',
      'check',
      'init',
      'history',
      'rollback',
      'verify',
      'prune',
      'mcp',
      'llms-txt',
    ])
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'))

    // llms.txt from the state the sync wrote, with the page's front matter title.
    const llms = await run('llms-txt', '--metadata', 'file', '--json', '--out', root)
    expect(llms.code, llms.stderr).toBe(0)
    expect(JSON.parse(llms.stdout)).toMatchObject({ pages: 21, stale: [] })
    expect(readFileSync(join(root, 'llms.txt'), 'utf8')).toContain('- [The Guide](/docs/guide)')

    const search = await run('search', 'flux capacitor', '--json', '--metadata', 'file', '--provider', 'openai')
    expect(search.code, search.stderr).toBe(0)
    // The title comes from the front matter: the YAML parser, loaded on demand, works from the bundle.
    expect(JSON.parse(search.stdout)[0]).toMatchObject({ path: 'docs/guide.md', title: 'The Guide' })

    // The MCP server, whose SDK the bundle loads only for this command.
    const client = new Client({ name: 'bundle-test', version: '1.0.0' })
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [entry, 'mcp', '--metadata', 'file', '--provider', 'openai'],
        cwd: root,
        env: { ...process.env, ...env } as Record<string, string>,
        stderr: 'ignore',
      }),
    )
    try {
      const found = (await client.callTool({ name: 'search_docs', arguments: { query: 'flux capacitor' } })) as {
        structuredContent?: { results: { path: string }[] }
      }
      expect(found.structuredContent?.results[0]?.path).toBe('docs/guide.md')
    } finally {
      await client.close()
    }
  })
})
