import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { DOCUMENT_BUDGET, SEARCH_BUDGET } from '../src/mcp/budget'
import { cliPath, runCli, tsx } from './helpers/cli'
import { makeTree } from './helpers/tree'

// Replies sized for a model's context window, through the official MCP SDK client over stdio
// against the real command; the store is the offline OpenAI-compatible server.
const KEY = 'sk-test-mcp-replies'
let server: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1, apiKey: KEY })
})
afterAll(() => server.close())

interface ToolAnswer {
  isError?: boolean
  content: { type: string; text?: string }[]
  structuredContent?: any
}
const env = () =>
  Object.fromEntries(
    Object.entries({ ...process.env, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url, NO_COLOR: '1' }).filter(
      (e): e is [string, string] => e[1] !== undefined,
    ),
  )

async function connect(root: string): Promise<Client> {
  const client = new Client({ name: 'replies-test', version: '1.0.0' })
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [
        '--import',
        tsx,
        cliPath,
        'mcp',
        '--metadata',
        'file',
        '--provider',
        'openai',
        '--include',
        'docs/**/*.md',
      ],
      cwd: root,
      env: env(),
      stderr: 'pipe',
    }),
  )
  return client
}
const call = async (client: Client, name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as ToolAnswer
const sync = (root: string) =>
  runCli(['sync', '--metadata', 'file', '--provider', 'openai', '--include', 'docs/**/*.md'], {
    cwd: root,
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url },
  })

/** A ~400 KB reference page: 200 sections of ~2 KB, the last line unique. */
function bigPage(): string {
  const sections = Array.from(
    { length: 200 },
    (_, i) => `## Option ${i}\n\n${`Option ${i} sets the harbour's tide table number ${i}. `.repeat(36)}\n`,
  )
  return `# Reference\n\nEvery option of the harbour.\n\n${sections.join('\n')}\nThe last line of the reference.\n`
}

describe('MCP replies sized for a context window', () => {
  let root: string
  let client: Client
  beforeAll(async () => {
    root = makeTree({
      'docs/reference.md': bigPage(),
      'docs/guide.md': '# Guide\n\n## Install\n\nRun the installer.\n\n## Configure\n\nEdit the tide table.\n',
    })
    expect((await sync(root)).code).toBe(0)
    client = await connect(root)
  }, 60_000)
  afterAll(async () => {
    await client?.close()
  })

  it('reads a 400 KB page to its last line by following nextOffset, each reply within the budget', async () => {
    let offset: number | undefined = 0
    let text = ''
    let replies = 0
    while (offset !== undefined) {
      const answer = await call(client, 'get_document', { path: 'docs/reference.md', offset })
      expect(answer.isError).toBeFalsy()
      expect(answer.content[0]!.text!.length).toBeLessThanOrEqual(DOCUMENT_BUDGET + 200)
      const { nextOffset, length } = answer.structuredContent
      expect(length).toBeGreaterThan(370_000)
      text +=
        nextOffset === undefined
          ? answer.content[0]!.text
          : answer.content[0]!.text!.replace(
              /\n\n\[[\d,]+ more characters: call get_document again with offset \d+\]$/,
              '',
            )
      offset = nextOffset
      replies++
    }
    expect(replies).toBeGreaterThanOrEqual(10)
    expect(text).toBe(bigPage())
    expect(text.trimEnd().endsWith('The last line of the reference.')).toBe(true)
  })

  it('gives the outline with section sizes, and one section by its heading', async () => {
    const outline = await call(client, 'get_outline', { path: 'docs/guide.md' })
    expect(outline.structuredContent.headings).toEqual([
      { level: 1, text: 'Guide', chars: expect.any(Number) },
      { level: 2, text: 'Install', chars: expect.any(Number) },
      { level: 2, text: 'Configure', chars: expect.any(Number) },
    ])
    const section = await call(client, 'get_document', { path: 'docs/guide.md', section: 'Configure' })
    expect(section.content[0]!.text).toBe('## Configure\n\nEdit the tide table.\n')
    const missing = await call(client, 'get_document', { path: 'docs/guide.md', section: 'Uninstall' })
    expect(missing.isError).toBe(true)
    expect(missing.content[0]!.text).toMatch(/has no heading "Uninstall": get_outline lists its headings/)
  })

  it('bounds a search reply, trimming each passage around what matched, and honours limit', async () => {
    const answer = await call(client, 'search_docs', { query: 'tide table number 150', limit: 50 })
    expect(answer.isError).toBeFalsy()
    const total = answer.structuredContent.results.reduce((n: number, r: { text: string }) => n + r.text.length, 0)
    expect(total).toBeLessThanOrEqual(SEARCH_BUDGET)
    for (const r of answer.structuredContent.results) expect(r.text.length).toBeLessThanOrEqual(1_502)
    const two = await call(client, 'search_docs', { query: 'tide table', limit: 2 })
    expect(two.structuredContent.results.length).toBeLessThanOrEqual(2)
  })
})

describe('an MCP server started before anything was synced', () => {
  it('starts, lists its tools, says to run a sync, and serves once one has run', async () => {
    const root = makeTree({ 'docs/guide.md': '# Guide\n\nThe lighthouse keeper logs every ship.\n' })
    const client = await connect(root)
    try {
      const { tools } = await client.listTools()
      expect(tools.map(t => t.name).sort()).toEqual([
        'get_document',
        'get_outline',
        'list_documents',
        'list_versions',
        'search_docs',
      ])
      const early = await call(client, 'search_docs', { query: 'lighthouse' })
      expect(early.isError).toBe(true)
      expect(early.content[0]!.text).toMatch(/nothing synced yet from .*: run `vectornator sync`/)
      expect((await sync(root)).code).toBe(0)
      let found: ToolAnswer | undefined
      for (let i = 0; i < 60 && !found?.structuredContent?.results?.length; i++) {
        await new Promise(r => setTimeout(r, 250))
        found = await call(client, 'search_docs', { query: 'lighthouse keeper' })
      }
      expect(found!.structuredContent.results[0].path).toBe('docs/guide.md')
    } finally {
      await client.close()
    }
  }, 60_000)
})
