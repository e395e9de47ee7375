import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { dirname, join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { mdxToText } from '../src/core/scan/mdx-text'
import { cliPath, runCli, tsx } from './helpers/cli'
import { commit, git, isolateGitEnv } from './helpers/git'
import { makeTree } from './helpers/tree'

// `vectornator mcp` as an assistant meets it: the real command in a child process, spoken to by
// the SDK's own client, over a store filled by a real sync of a small git repository.

const KEY = 'sk-test-secret-key-0123456789abcdef'
const GUIDE =
  '---\ntitle: The Nimbus Guide\nproduct: cli\n---\n\n# Guide\n\nThe quokka lattice aligns the nimbus sprockets before launch.\n'
const OLD_GUIDE = '# Guide (1.0)\n\nThe quokka lattice of old, before the sprockets.\n'
const API_MDX = "import Tabs from '@theme/Tabs'\n\n# API\n\n<Tabs>\n  Call the wombat endpoint with a token.\n</Tabs>\n"
const CHANGING = '# Changing\n\nThe heron paragraph, as committed.\n'
const DRAFT = '# Draft\n\nThe ibis paragraph, never committed.\n'
const SWAP = '# Swap\n\nThe pelican paragraph.\n'

let server: OpenAIServer
let undoGit: () => void
beforeAll(async () => {
  undoGit = isolateGitEnv()
  server = await createOpenAIServer({ processingMs: 1 })
})
afterAll(async () => {
  await server?.close()
  undoGit?.()
})

/** A repository with documents committed (and one not), a config, and files that must never be served. */
function repository(): string {
  const root = makeTree(
    {
      'vectornator.config.json': JSON.stringify({
        include: ['docs/**', 'versioned_docs/**'],
        baseUrl: 'https://nimbus.dev',
        attributes: ['product'],
        version: { patterns: ['versioned_docs/version-{version}/**'], default: 'current' },
      }),
      'docs/guide.md': GUIDE,
      'docs/server.md':
        '---\nproduct: server\n---\n\n# Server\n\nThe daemon listens on port 4242 and logs to syslog.\n',
      'docs/api.mdx': API_MDX,
      'docs/changing.md': CHANGING,
      'docs/swap.md': SWAP,
      'versioned_docs/version-1.0/guide.md': OLD_GUIDE,
      'README.md': '# Nimbus\n\nNot a synced document: outside the include globs.\n',
      '.env': `OPENAI_API_KEY=${KEY}\n`,
      '.gitignore': '.vectornator/\n.env\n',
    },
    'vn-mcp-',
  )
  git(root, ['init', '-q', '-b', 'main'])
  git(root, ['add', '.'])
  commit(root, 'docs')
  writeFileSync(join(root, 'docs/draft.md'), DRAFT)
  // Outside the root, next to it: reachable as ../outside.md, never to be served.
  writeFileSync(join(dirname(root), `${root.split('/').pop()}-outside.md`), SWAP)
  return root
}

function childEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: '1',
    CI: '1',
    VECTORNATOR_STORE_ID: undefined,
    ...extra,
  }
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined))
}

interface Session {
  client: Client
  stderr: () => string
}

async function open(root: string, env: Record<string, string>, args: string[]): Promise<Session> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', tsx, cliPath, 'mcp', ...args],
    cwd: root,
    env,
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', d => {
    stderr += d
  })
  const client = new Client({ name: 'vectornator-test', version: '1.0.0' })
  await client.connect(transport)
  return { client, stderr: () => stderr }
}

interface ToolAnswer {
  isError?: boolean
  content: { type: string; text?: string }[]
  structuredContent?: any
}
const call = async (s: Session, name: string, args: Record<string, unknown> = {}) =>
  (await s.client.callTool({ name, arguments: args })) as ToolAnswer
const textOf = (a: ToolAnswer) => a.content.map(c => c.text ?? '').join('\n')
const paths = (a: ToolAnswer) => (a.structuredContent?.results ?? []).map((r: { path: string }) => r.path)

const providers = [
  {
    name: 'openai (offline server)',
    args: ['--metadata', 'file', '--provider', 'openai'],
    env: () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url }),
  },
  {
    name: 'embedded PGlite',
    args: ['--provider', 'postgres'],
    env: () => ({ OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined }),
  },
  {
    name: 'the default embedded store (LanceDB, no key)',
    args: [],
    env: () => ({ OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined, DATABASE_URL: undefined }),
    lancedb: true,
  },
]

describe.each(providers)('vectornator mcp over $name', provider => {
  let root: string
  let s: Session
  beforeAll(async () => {
    root = repository()
    const synced = await runCli(['sync', '--json', ...provider.args], { cwd: root, env: provider.env() })
    expect(synced.code, synced.stderr).toBe(0)
    expect(JSON.parse(synced.stdout).added).toHaveLength(7)
    s = await open(root, childEnv(provider.env()), provider.args)
  }, 120_000)
  afterAll(async () => {
    await s?.client.close()
  })

  it('lists the versions the documents carry, and says what kind of search it runs', async () => {
    const scopes = await call(s, 'list_versions')
    expect(scopes.structuredContent).toMatchObject({
      defaults: { version: 'current' },
      versions: expect.arrayContaining([{ name: '1.0', documents: 1 }, expect.objectContaining({ name: 'current' })]),
    })
    const { tools } = await s.client.listTools()
    const search = tools.find(t => t.name === 'search_docs')!
    expect(search.description).toMatch(
      provider.name.startsWith('openai') ? /by meaning/ : /by keywords \(full-text: no embedder is configured\)/,
    )
  })

  it('lists its tools with input schemas an assistant can fill in', async () => {
    const { tools } = await s.client.listTools()
    expect(tools.map(t => t.name).sort()).toEqual([
      'get_document',
      'get_outline',
      'list_documents',
      'list_versions',
      'search_docs',
    ])
    const search = tools.find(t => t.name === 'search_docs')!
    expect(search.inputSchema.required).toEqual(['query'])
    expect(Object.keys(search.inputSchema.properties ?? {}).sort()).toEqual([
      'filter',
      'limit',
      'locale',
      'query',
      'version',
    ])
    expect(search.description).toMatch(/get_document/)
    expect(search.annotations?.readOnlyHint).toBe(true)
    const get = tools.find(t => t.name === 'get_document')!
    expect(Object.keys(get.inputSchema.properties ?? {}).sort()).toEqual(['offset', 'path', 'section', 'url'])
    expect(s.stderr()).toMatch(/mcp: serving 7 documents of store \S+ on stdio/)
  })

  it('finds a page by its own words, with title, url, score and the passage', async () => {
    const answer = await call(s, 'search_docs', { query: 'quokka lattice nimbus sprockets', limit: 3 })
    expect(answer.isError, textOf(answer)).toBeFalsy()
    expect(answer.structuredContent.results[0]).toMatchObject({
      path: 'docs/guide.md',
      title: 'The Nimbus Guide',
      url: 'https://nimbus.dev/docs/guide',
      version: 'current',
    })
    expect(answer.structuredContent.results[0].text).toContain('quokka lattice')
    expect(typeof answer.structuredContent.results[0].score).toBe('number')
    expect(textOf(answer)).toMatch(/^1\. docs\/guide\.md — The Nimbus Guide <https:\/\/nimbus\.dev\/docs\/guide>/)
  })

  it('narrows by version and by attribute, and a filter can leave the page out', async () => {
    const current = await call(s, 'search_docs', { query: 'quokka lattice' })
    expect(paths(current)).toContain('docs/guide.md')
    expect(paths(current)).not.toContain('versioned_docs/version-1.0/guide.md')
    const old = await call(s, 'search_docs', { query: 'quokka lattice', version: '1.0' })
    expect(paths(old)).toEqual(['versioned_docs/version-1.0/guide.md'])
    const every = await call(s, 'search_docs', { query: 'quokka lattice', version: '*' })
    expect(paths(every)).toEqual(expect.arrayContaining(['docs/guide.md', 'versioned_docs/version-1.0/guide.md']))
    expect(paths(await call(s, 'search_docs', { query: 'quokka lattice', filter: { product: 'cli' } }))).toEqual([
      'docs/guide.md',
    ])
    expect(
      paths(await call(s, 'search_docs', { query: 'quokka lattice', filter: { product: 'server' } })),
    ).not.toContain('docs/guide.md')
    const listed = await call(s, 'list_documents', { filter: { product: ['cli', 'server'] } })
    expect(listed.structuredContent.documents.map((d: { path: string }) => d.path)).toEqual([
      'docs/guide.md',
      'docs/server.md',
    ])
  })

  it('returns a whole document as synced, by path and by url (MDX as the text that was uploaded)', async () => {
    const byPath = await call(s, 'get_document', { path: 'docs/guide.md' })
    expect(byPath.isError, textOf(byPath)).toBeFalsy()
    expect(byPath.content).toEqual([{ type: 'text', text: GUIDE }])
    expect(byPath.structuredContent).toMatchObject({
      path: 'docs/guide.md',
      title: 'The Nimbus Guide',
      from: 'work-tree',
      converted: false,
    })
    const byUrl = await call(s, 'get_document', { url: 'https://nimbus.dev/docs/guide/' })
    expect(byUrl.content).toEqual([{ type: 'text', text: GUIDE }])
    expect((await call(s, 'get_document', { url: '/versioned_docs/version-1.0/guide' })).content[0]!.text).toBe(
      OLD_GUIDE,
    )
    const mdx = await call(s, 'get_document', { path: 'docs/api.mdx' })
    expect(mdx.content[0]!.text).toBe(mdxToText(API_MDX))
    expect(mdx.content[0]!.text).not.toContain('import Tabs')
    expect(mdx.structuredContent.converted).toBe(true)
    const resource = await s.client.readResource({ uri: 'vectornator://document/docs/guide.md' })
    expect(resource.contents[0]).toMatchObject({ text: GUIDE, mimeType: 'text/markdown' })
    const { resources } = await s.client.listResources()
    expect(resources.map(r => r.uri)).toContain('vectornator://document/versioned_docs/version-1.0/guide.md')
  })

  it('lists the documents a page at a time', async () => {
    const first = await call(s, 'list_documents', { limit: 2, version: '*' })
    expect(first.structuredContent).toMatchObject({ total: 7, offset: 0, nextOffset: 2 })
    const seen: string[] = []
    for (let offset: number | undefined = 0; offset !== undefined;) {
      const page: ToolAnswer = await call(s, 'list_documents', { limit: 3, offset, version: '*' })
      seen.push(...page.structuredContent.documents.map((d: { path: string }) => d.path))
      offset = page.structuredContent.nextOffset
    }
    expect(seen).toEqual([
      'docs/api.mdx',
      'docs/changing.md',
      'docs/draft.md',
      'docs/guide.md',
      'docs/server.md',
      'docs/swap.md',
      'versioned_docs/version-1.0/guide.md',
    ])
    // The default version only, as search does.
    expect((await call(s, 'list_documents')).structuredContent.total).toBe(6)
  })

  it('refuses what the sync state does not name, saying why', async () => {
    const outside = `../${root.split('/').pop()}-outside.md`
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ path: outside }, /leaves the root/],
      [{ path: '/etc/passwd' }, /absolute path/],
      [{ path: join(root, 'docs/guide.md') }, /absolute path/],
      [{ path: '.env' }, /environment file/],
      [{ path: 'README.md' }, /not a synced document/],
      [{ path: 'docs/../README.md' }, /leaves the root/],
      [{ url: 'https://elsewhere.example/x' }, /no synced document has the url/],
      [{}, /give either path or url/],
      [{ path: 'docs/guide.md', url: 'https://nimbus.dev/docs/guide' }, /give either path or url/],
    ]
    for (const [args, why] of cases) {
      const answer = await call(s, 'get_document', args)
      expect(answer.isError, JSON.stringify(args)).toBe(true)
      expect(textOf(answer)).toMatch(why)
      expect(textOf(answer)).not.toContain(KEY)
    }
    // A resource address names the same documents and is refused the same way.
    await expect(s.client.readResource({ uri: 'vectornator://document/..%2F.env' })).rejects.toThrow(/leaves the root/)
    await expect(s.client.readResource({ uri: 'vectornator://document/README.md' })).rejects.toThrow(
      /not a synced document/,
    )
  })

  it('serves the synced copy from git when the work tree changed, and refuses a document changed past that', async () => {
    writeFileSync(join(root, 'docs/changing.md'), '# Changing\n\nEdited after the sync.\n')
    const fromGit = await call(s, 'get_document', { path: 'docs/changing.md' })
    expect(fromGit.isError, textOf(fromGit)).toBeFalsy()
    expect(fromGit.content[0]!.text).toBe(CHANGING)
    expect(fromGit.structuredContent).toMatchObject({ from: 'git', commit: git(root, ['rev-parse', 'HEAD']).trim() })

    writeFileSync(join(root, 'docs/draft.md'), '# Draft\n\nEdited after the sync, never committed.\n')
    const stale = await call(s, 'get_document', { path: 'docs/draft.md' })
    expect(stale.isError).toBe(true)
    expect(textOf(stale)).toMatch(/docs\/draft\.md changed since the last sync .*run `vectornator sync`/)
    expect(textOf(stale)).not.toContain('Edited after')
  })

  it('refuses a document turned into a link out of the root, even one with the synced content', async () => {
    rmSync(join(root, 'docs/swap.md'))
    symlinkSync(join(dirname(root), `${root.split('/').pop()}-outside.md`), join(root, 'docs/swap.md'))
    const answer = await call(s, 'get_document', { path: 'docs/swap.md' })
    expect(answer.isError).toBe(true)
    expect(textOf(answer)).toMatch(/symbolic link .*leading out of the root/)
  })

  it('answers bad arguments with MCP errors and keeps serving', async () => {
    const bad: [string, Record<string, unknown>, RegExp][] = [
      ['search_docs', { query: 3 }, /query/],
      ['search_docs', {}, /query/],
      ['search_docs', { query: 'x', limit: 0 }, /limit/],
      ['search_docs', { query: 'x', limit: 'lots' }, /limit/],
      ['search_docs', { query: 'x', filter: { product: { nested: 1 } } }, /filter/],
      ['search_docs', { query: '   ' }, /query is empty/],
      ['list_documents', { offset: -1 }, /offset/],
      ['get_document', { path: 7 }, /path/],
    ]
    for (const [name, args, why] of bad) {
      const answer = await call(s, name, args)
      expect(answer.isError, `${name} ${JSON.stringify(args)}`).toBe(true)
      expect(textOf(answer)).toMatch(why)
    }
    await expect(s.client.callTool({ name: 'no_such_tool', arguments: {} })).resolves.toMatchObject({ isError: true })
    const after = await call(s, 'search_docs', { query: 'wombat endpoint' })
    expect(paths(after)[0]).toBe('docs/api.mdx')
  })

  it('answers 60 requests, 20 at a time, on one server', async () => {
    const asks = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0
        ? () => call(s, 'search_docs', { query: 'quokka lattice nimbus sprockets' }).then(a => paths(a)[0])
        : i % 3 === 1
          ? () => call(s, 'get_document', { path: 'docs/guide.md' }).then(a => a.content[0]!.text)
          : () => call(s, 'list_documents', { limit: 1 }).then(a => a.structuredContent.documents[0].path),
    )
    const answers: unknown[] = []
    for (let i = 0; i < asks.length; i += 20)
      answers.push(...(await Promise.all(asks.slice(i, i + 20).map(ask => ask()))))
    expect(answers.filter((_, i) => i % 3 === 0).every(a => a === 'docs/guide.md')).toBe(true)
    expect(answers.filter((_, i) => i % 3 === 1).every(a => a === GUIDE)).toBe(true)
    expect(answers.filter((_, i) => i % 3 === 2).every(a => a === 'docs/api.mdx')).toBe(true)
  }, 60_000)

  it('sees a sync made while it runs: the new text is served and found', async () => {
    const edited = '# Draft\n\nThe ibis paragraph, rewritten with a cormorant.\n'
    writeFileSync(join(root, 'docs/draft.md'), edited)
    const synced = await runCli(['sync', '--json', ...provider.args], { cwd: root, env: provider.env() })
    expect(synced.code, synced.stderr).toBe(0)
    expect(JSON.parse(synced.stdout).updated).toContain('docs/draft.md')
    const doc = await call(s, 'get_document', { path: 'docs/draft.md' })
    expect(doc.isError, textOf(doc)).toBeFalsy()
    expect(doc.content[0]!.text).toBe(edited)
    expect(paths(await call(s, 'search_docs', { query: 'ibis cormorant' }))[0]).toBe('docs/draft.md')
  }, 60_000)

  // LanceDB readers need no copy and no lock: every write is a new version, a reader sees the last one.
  it.runIf(provider.lancedb)(
    'searches while a sync writes the store it has open',
    async () => {
      writeFileSync(join(root, 'docs/heron.md'), '# Heron\n\nThe heron waits by the reeds of the estuary.\n')
      const syncing = runCli(['sync', '--json', ...provider.args], { cwd: root, env: provider.env() })
      let done = false
      void syncing.finally(() => (done = true))
      let searches = 0
      while (!done || searches === 0) {
        const answer = await call(s, 'search_docs', { query: 'ibis cormorant' })
        expect(answer.isError, textOf(answer)).toBeFalsy()
        expect(paths(answer)[0]).toBe('docs/draft.md')
        searches++
      }
      const synced = await syncing
      expect(synced.code, synced.stderr).toBe(0)
      expect(JSON.parse(synced.stdout).added).toEqual(['docs/heron.md'])
      expect(paths(await call(s, 'search_docs', { query: 'heron estuary reeds' }))[0]).toBe('docs/heron.md')
    },
    60_000,
  )

  it('leaves the store as the sync wrote it when it stops', async () => {
    await s.client.close()
    // An embedded database held open across a sync would write its older copy back on closing.
    const verify = await runCli(['verify', ...provider.args], { cwd: root, env: provider.env() })
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
    const found = await runCli(['search', 'ibis cormorant', '--json', ...provider.args], {
      cwd: root,
      env: provider.env(),
    })
    expect(JSON.parse(found.stdout)[0].path).toBe('docs/draft.md')
  }, 60_000)
})

describe('vectornator mcp --http', () => {
  let child: ChildProcess | undefined
  afterAll(() => {
    child?.kill()
  })

  it('serves the Streamable HTTP transport on 127.0.0.1 and refuses a foreign Host', async () => {
    const root = repository()
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url }
    expect((await runCli(['sync', '--metadata', 'file', '--provider', 'openai'], { cwd: root, env })).code).toBe(0)
    child = spawn(
      process.execPath,
      ['--import', tsx, cliPath, 'mcp', '--http', '--port', '0', '--metadata', 'file', '--provider', 'openai'],
      { cwd: root, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', d => {
      stdout += d
    })
    const url = await new Promise<string>((resolve, reject) => {
      child!.stderr!.on('data', d => {
        stderr += d
        const found = /on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr)
        if (found) resolve(found[1]!)
      })
      child!.on('exit', code => reject(new Error(`exited ${code}: ${stderr}`)))
    })
    const client = new Client({ name: 'vectornator-test', version: '1.0.0' })
    await client.connect(new StreamableHTTPClientTransport(new URL(url)))
    expect((await client.listTools()).tools).toHaveLength(5)
    const found = (await client.callTool({
      name: 'search_docs',
      arguments: { query: 'daemon port 4242 syslog' },
    })) as ToolAnswer
    expect(found.structuredContent.results[0].path).toBe('docs/server.md')
    const doc = (await client.callTool({ name: 'get_document', arguments: { path: 'docs/guide.md' } })) as ToolAnswer
    expect(doc.content[0]!.text).toBe(readFileSync(join(root, 'docs/guide.md'), 'utf8'))
    await client.close()

    // A page of another site whose name resolves to 127.0.0.1 sends its own name as the Host.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' } },
        res => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.end('{}')
    })
    expect(status).toBe(403)
    const taken = await runCli(
      ['mcp', '--http', '--port', new URL(url).port, '--metadata', 'file', '--provider', 'openai'],
      { cwd: root, env },
    )
    expect(taken.code).toBe(2)
    expect(taken.stderr).toMatch(/port \d+ on 127\.0\.0\.1 is in use: pass another --port/)

    // Logs on stderr, never on stdout; the key in neither.
    expect(stdout).toBe('')
    expect(stderr).not.toContain(KEY)
  }, 60_000)
})

describe('vectornator mcp: bad usage', () => {
  it('exits 2 with one line naming the fix', async () => {
    const root = makeTree({ 'docs/a.md': '# A\n\ntext\n' })
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url }
    for (const [args, why] of [
      [['mcp', '--port', '9000'], /are for --http: add --http/],
      [['mcp', '--http', '--port', 'lots'], /--port must be a whole number/],
    ] as const) {
      const run = await runCli([...args], { cwd: root, env })
      expect(run.code, run.stderr).toBe(2)
      expect(run.stderr.trim().split('\n')).toHaveLength(1)
      expect(run.stderr).toMatch(why)
      expect(run.stdout).toBe('')
    }
  }, 60_000)
})
