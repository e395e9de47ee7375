import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  createOpenAIServer,
  createPineconeServer,
  createQdrantServer,
  type OpenAIServer,
  type PineconeServer,
  type QdrantServer,
} from '../src/testing'
import type { VectorStoreProvider } from '../src/providers/types'
import { createChromaProvider } from '../src/providers/chroma'
import { createPineconeProvider } from '../src/providers/pinecone'
import { createQdrantProvider } from '../src/providers/qdrant'
import { createOpenAIEmbedder } from '../src/providers/embedders/openai'
import { runCli, type CliRun } from './helpers/cli'
import { commit, createSandbox, git, isolateGitEnv, write, type Sandbox } from './helpers/git'
import { cloneOf, holdFirstPush, publishedState, stateDocs, syncKilledWhenHeld, treeOf, until } from './helpers/race'

// Racing syncs on the stores two clones share: a real Chroma server (test/setup/chroma.ts), and the
// offline Qdrant and Pinecone servers (no real Qdrant or Pinecone runs here), embeddings from the
// offline OpenAI server. The order checked is the one where a lost push could leave a document
// stored twice: A's sync is killed with its push held at the remote, B publishes first, then A's
// push is released and refused. LanceDB is not raced: its store is a folder on one machine, so no
// second clone can reach it (its state is kept beside it, not on the remote).
let openai: OpenAIServer
let qdrant: QdrantServer
let pinecone: PineconeServer
let restoreEnv: () => void
const QDRANT_KEY = 'qd-race-key-not-printed'
const DIMENSION = createOpenAIEmbedder({ apiKey: 'test' }).dimensions!
beforeAll(async () => {
  restoreEnv = isolateGitEnv()
  openai = await createOpenAIServer()
  qdrant = await createQdrantServer({ apiKey: QDRANT_KEY })
  pinecone = await createPineconeServer({ indexes: [{ name: 'race', dimension: DIMENSION }] })
})
afterAll(async () => {
  await openai.close()
  await qdrant.close()
  await pinecone.close()
  restoreEnv()
})
const chromaUrl = inject('chromaUrl')

const embed = () => createOpenAIEmbedder({ apiKey: 'test', baseURL: openai.url })

interface Face {
  name: 'chroma' | 'qdrant' | 'pinecone'
  env: () => Record<string, string>
  /** The store, opened as a user would to look at it. */
  open: () => VectorStoreProvider
}

const FACES: Face[] = [
  {
    name: 'chroma',
    env: () => ({ CHROMA_URL: chromaUrl }),
    open: () => createChromaProvider({ chromaUrl, embed: embed() }),
  },
  {
    name: 'qdrant',
    env: () => ({ QDRANT_URL: qdrant.url, QDRANT_API_KEY: QDRANT_KEY }),
    open: () => createQdrantProvider({ qdrantUrl: qdrant.url, qdrantApiKey: QDRANT_KEY, embed: embed() }),
  },
  {
    name: 'pinecone',
    env: () => ({
      PINECONE_API_KEY: pinecone.apiKey,
      PINECONE_INDEX: 'race',
      PINECONE_CONTROLLER_HOST: pinecone.url,
    }),
    open: () =>
      createPineconeProvider({
        pineconeApiKey: pinecone.apiKey,
        pineconeIndex: 'race',
        pineconeControllerHost: pinecone.url,
        embed: embed(),
      }),
  },
]

const ok = (run: CliRun) => expect(run.code, run.stderr).toBe(0)

describe.each(FACES)('racing syncs on one state branch, the store in $name', { timeout: 120_000 }, face => {
  const env = () => ({
    OPENAI_API_KEY: 'test',
    OPENAI_BASE_URL: openai.url,
    HOME: process.env.HOME,
    GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL,
    GIT_CONFIG_NOSYSTEM: '1',
    ...face.env(),
  })
  const args = ['--provider', face.name, '--include', 'docs/**/*.md']
  const cli = (cwd: string, ...rest: string[]) => runCli([...rest, ...args], { cwd, env: env() })

  /** path → sha256 of what the store lists; a path stored twice, or not ready, fails the test. */
  async function storeDocs(storeId: string): Promise<{ docs: Record<string, string>; ids: string[] }> {
    const store = face.open()
    try {
      await store.initialize({ storeId })
      const docs: Record<string, string> = {}
      const ids: string[] = []
      for (const f of await store.listFiles()) {
        const path = String(f.path)
        expect(docs[path], `${path} stored twice`).toBeUndefined()
        expect(f.status).toBe('completed')
        docs[path] = String(f.sha256)
        ids.push(f.fileId)
      }
      return { docs, ids: ids.sort() }
    } finally {
      await store.cleanup()
    }
  }

  /** The store lists exactly the commit's tree; the published state names that commit and those documents. */
  async function expectStoreIs(sandbox: Sandbox, storeId: string, repo: string): Promise<void> {
    const want = treeOf(repo, 'HEAD')
    const listed = await storeDocs(storeId)
    expect(listed.docs).toEqual(want)
    const state = publishedState(sandbox)
    expect(state.sourceCommit).toBe(git(repo, ['rev-parse', 'HEAD']).trim())
    expect(stateDocs(state)).toEqual(want)
    expect(
      Object.values(state.files)
        .map(f => f.fileId)
        .sort(),
    ).toEqual(listed.ids)
    expect(state.journal ?? []).toEqual([])
  }

  it('a racer killed while it pushes, its push refused after the other published: each document stored exactly once, and each clone converges', async () => {
    const sandbox = createSandbox()
    const seed = sandbox.clone('seed')
    for (let i = 1; i <= 12; i++)
      write(seed, `docs/page-${String(i).padStart(2, '0')}.md`, `# Page ${i}\n\nThe first text of page ${i}.\n`)
    git(seed, ['add', '.'])
    commit(seed, 'twelve pages')
    git(seed, ['push', '-q', 'origin', 'HEAD:main'])
    const first = await cli(seed, 'sync', '--json')
    ok(first)
    const storeId: string = JSON.parse(first.stdout).storeId
    await expectStoreIs(sandbox, storeId, seed)

    const push = holdFirstPush(sandbox, 'never')
    const a = cloneOf(sandbox, 'a')
    const b = cloneOf(sandbox, 'b')
    for (const i of [1, 2, 3]) write(a, `docs/page-0${i}.md`, `# Page ${i}\n\nEdited in a.\n`)
    git(a, ['rm', '-q', 'docs/page-12.md'])
    write(a, 'docs/new-a.md', '# A\n\nnew in a\n')
    git(a, ['add', '.'])
    commit(a, 'a')
    for (const i of [4, 5]) write(b, `docs/page-0${i}.md`, `# Page ${i}\n\nEdited in b.\n`)
    write(b, 'docs/new-b.md', '# B\n\nnew in b\n')
    git(b, ['add', '.'])
    commit(b, 'b')

    // A uploads its changes to the shared store, then is killed while the remote holds its push.
    expect(await syncKilledWhenHeld(a, push, env(), args)).not.toBe(0)
    // What makes the race telling: A's new copies of pages 1-3 sit beside the copies the state names.
    const raw = face.open()
    await raw.initialize({ storeId })
    const afterKill = (await raw.listFiles()).map(f => f.path)
    await raw.cleanup()
    expect(afterKill.filter(p => p === 'docs/page-01.md')).toHaveLength(2)
    expect(afterKill).toContain('docs/new-a.md')
    // B meets A's uploads, which no state names, and publishes exactly its own tree.
    const rb = await cli(b, 'sync', '--json')
    ok(rb)
    expect(rb.stderr).toMatch(/3 documents that the sync state does not name .*removed once this sync publishes/)
    await expectStoreIs(sandbox, storeId, b)
    const published = git(sandbox.remote, ['rev-parse', 'vectornator-metadata']).trim()

    // A's push is released and refused: the branch B published stays, and so does the store.
    push.release()
    await until(() => existsSync(push.left))
    await new Promise(r => setTimeout(r, 500))
    expect(git(sandbox.remote, ['rev-parse', 'vectornator-metadata']).trim()).toBe(published)
    await expectStoreIs(sandbox, storeId, b)

    // Each clone's next sync converges to its own tree, in the same store.
    for (const repo of [a, b]) {
      const run = await cli(repo, 'sync', '--json')
      ok(run)
      expect(JSON.parse(run.stdout).storeId).toBe(storeId)
      await expectStoreIs(sandbox, storeId, repo)
    }
    sandbox.cleanup()
  })
})
