import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  createOpenAIServer,
  createPineconeServer,
  createQdrantServer,
  type OpenAIServer,
  type PineconeServer,
  type QdrantServer,
} from '../src/testing'
import { createOpenAIEmbedder } from '../src/providers/embedders/openai'
import { cliPath, runCli, tsx } from './helpers/cli'
import { commit, git, isolateGitEnv } from './helpers/git'
import { makeTree } from './helpers/tree'

// `vectornator mcp` over the stores that keep the vectors this tool computes: a real Chroma server
// (test/setup/chroma.ts), an embedded LanceDB folder, and the offline Qdrant and Pinecone servers
// (no real Qdrant or Pinecone runs here), embeddings from the offline OpenAI server. The store is
// filled by a real sync; the SDK's own client speaks to the real command. LanceDB with no embedder
// (keywords only) is test/mcp.test.ts's.

const OPENAI_KEY = 'sk-mcp-vectors-0123456789abcdef'
const QDRANT_KEY = 'qd-mcp-key-not-printed'
const PINECONE_KEY = 'pc-mcp-key-not-printed'
const GUIDE =
  '---\ntitle: The Nimbus Guide\n---\n\n# Guide\n\nThe quokka lattice aligns the nimbus sprockets before launch.\n'
const OLD_GUIDE = '# Guide (1.0)\n\nThe quokka lattice of old aligned the nimbus sprockets by hand.\n'
const FR_GUIDE = '# Guide\n\nLe quokka lattice aligne les nimbus sprockets avant le lancement.\n'
const SERVER = '# Server\n\nThe daemon listens on port 4242 and writes its log to syslog.\n'

let openai: OpenAIServer
let qdrant: QdrantServer
let pinecone: PineconeServer
let undoGit: () => void
const DIMENSION = createOpenAIEmbedder({ apiKey: 'test' }).dimensions!
beforeAll(async () => {
  undoGit = isolateGitEnv()
  openai = await createOpenAIServer({ processingMs: 1 })
  qdrant = await createQdrantServer({ apiKey: QDRANT_KEY })
  pinecone = await createPineconeServer({ apiKey: PINECONE_KEY, indexes: [{ name: 'nimbus', dimension: DIMENSION }] })
})
afterAll(async () => {
  await openai?.close()
  await qdrant?.close()
  await pinecone?.close()
  undoGit?.()
})
const chromaUrl = inject('chromaUrl')

/** A repository of pages in two versions and two locales, committed. */
function repository(): string {
  const root = makeTree(
    {
      'vectornator.config.json': JSON.stringify({
        include: ['docs/**', 'versioned_docs/**', 'i18n/**'],
        baseUrl: 'https://nimbus.dev',
        version: { patterns: ['versioned_docs/version-{version}/**'], default: 'current' },
        locale: { patterns: ['i18n/{locale}/**'], default: 'en' },
      }),
      'docs/guide.md': GUIDE,
      'docs/server.md': SERVER,
      'versioned_docs/version-1.0/guide.md': OLD_GUIDE,
      'i18n/fr/docs/guide.md': FR_GUIDE,
      '.gitignore': '.vectornator/\n',
    },
    'vn-mcp-vectors-',
  )
  git(root, ['init', '-q', '-b', 'main'])
  git(root, ['add', '.'])
  commit(root, 'docs')
  return root
}

const providers = [
  {
    name: 'chroma',
    env: () => ({ CHROMA_URL: chromaUrl }),
    kind: /by meaning \(vectors in Chroma\)/,
  },
  {
    name: 'lancedb',
    env: () => ({}),
    kind: /by meaning and keywords/,
  },
  {
    name: 'qdrant',
    env: () => ({ QDRANT_URL: qdrant.url, QDRANT_API_KEY: QDRANT_KEY }),
    kind: /by meaning only \(cosine vectors in Qdrant, no keyword ranking\)/,
  },
  {
    name: 'pinecone',
    env: () => ({ PINECONE_API_KEY: PINECONE_KEY, PINECONE_INDEX: 'nimbus', PINECONE_CONTROLLER_HOST: pinecone.url }),
    kind: /by meaning \(vectors in Pinecone\)/,
  },
]

interface ToolAnswer {
  isError?: boolean
  content: { type: string; text?: string }[]
  structuredContent?: any
}
const textOf = (a: ToolAnswer) => a.content.map(c => c.text ?? '').join('\n')
const paths = (a: ToolAnswer) => (a.structuredContent?.results ?? []).map((r: { path: string }) => r.path)

describe.each(providers)('vectornator mcp over $name', provider => {
  let root: string
  let client: Client
  let stderr = ''
  const env = () => ({
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: openai.url,
    VECTORNATOR_STORE_ID: undefined,
    ...provider.env(),
  })
  const args = ['--provider', provider.name, '--metadata', 'file']
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as ToolAnswer

  beforeAll(async () => {
    root = repository()
    const synced = await runCli(['sync', '--json', ...args], { cwd: root, env: env() })
    expect(synced.code, synced.stderr).toBe(0)
    expect(JSON.parse(synced.stdout).added).toHaveLength(4)
    const childEnv = Object.fromEntries(
      Object.entries({ ...process.env, NO_COLOR: '1', CI: '1', ...env() }).filter(
        (e): e is [string, string] => e[1] !== undefined,
      ),
    )
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', tsx, cliPath, 'mcp', ...args],
      cwd: root,
      env: childEnv,
      stderr: 'pipe',
    })
    transport.stderr?.on('data', d => {
      stderr += d
    })
    client = new Client({ name: 'vectornator-test', version: '1.0.0' })
    await client.connect(transport)
  }, 60_000)
  afterAll(async () => {
    await client?.close()
  })

  it('lists its tools, and the search tool says how this store searches', async () => {
    const { tools } = await client.listTools()
    expect(tools.map(t => t.name).sort()).toEqual([
      'get_document',
      'get_outline',
      'list_documents',
      'list_versions',
      'search_docs',
    ])
    expect(tools.find(t => t.name === 'search_docs')!.description).toMatch(provider.kind)
    expect(stderr).toMatch(/mcp: serving 4 documents of store \S+ on stdio/)
  })

  it('finds the page a question is about, in the default version and locale unless asked', async () => {
    const answer = await call('search_docs', { query: 'How does the quokka lattice align the nimbus sprockets?' })
    expect(answer.isError, textOf(answer)).toBeFalsy()
    expect(answer.structuredContent.results[0]).toMatchObject({
      path: 'docs/guide.md',
      title: 'The Nimbus Guide',
      url: 'https://nimbus.dev/docs/guide',
      version: 'current',
    })
    expect(answer.structuredContent.results[0].text).toContain('quokka lattice')
    expect(paths(answer)).not.toContain('versioned_docs/version-1.0/guide.md')
    expect(paths(answer)).not.toContain('i18n/fr/docs/guide.md')
    const daemon = await call('search_docs', { query: 'which port does the daemon listen on?' })
    expect(paths(daemon)[0]).toBe('docs/server.md')
  })

  it('honours a version and a locale', async () => {
    const query = 'quokka lattice nimbus sprockets'
    expect(paths(await call('search_docs', { query, version: '1.0' }))).toEqual(['versioned_docs/version-1.0/guide.md'])
    expect(paths(await call('search_docs', { query, locale: 'fr' }))).toEqual(['i18n/fr/docs/guide.md'])
    expect(paths(await call('search_docs', { query, version: '*', locale: '*' }))).toEqual(
      expect.arrayContaining(['docs/guide.md', 'versioned_docs/version-1.0/guide.md', 'i18n/fr/docs/guide.md']),
    )
  })

  it('reads the page found, as synced, by path and by url', async () => {
    const byPath = await call('get_document', { path: 'docs/guide.md' })
    expect(byPath.isError, textOf(byPath)).toBeFalsy()
    expect(byPath.content).toEqual([{ type: 'text', text: GUIDE }])
    expect(byPath.structuredContent).toMatchObject({ path: 'docs/guide.md', title: 'The Nimbus Guide' })
    const byUrl = await call('get_document', { url: 'https://nimbus.dev/versioned_docs/version-1.0/guide' })
    expect(byUrl.content[0]!.text).toBe(OLD_GUIDE)
    // Keys go to the store and the embedder, never into what the assistant or the log sees.
    for (const key of [OPENAI_KEY, QDRANT_KEY, PINECONE_KEY]) {
      expect(textOf(byPath) + textOf(byUrl) + stderr).not.toContain(key)
    }
  })
})
