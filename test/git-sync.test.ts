import { createHash } from 'node:crypto'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { sync } from '../src'
import { silentLogger } from '../src/lib/logger'
import type { VectornatorOptions } from '../src/types'
import { runCli } from './helpers/cli'
import { commit, createSandbox, git, isolateGitEnv, snapshot, write } from './helpers/git'

// Real repositories, a real bare remote, the real SDK against the offline server.
let server: OpenAIServer
let client: OpenAI
let restoreEnv: () => void
beforeAll(async () => {
  restoreEnv = isolateGitEnv()
  server = await createOpenAIServer({ processingMs: 2 })
  client = new OpenAI({ apiKey: 'test', baseURL: server.url })
})
afterAll(async () => {
  await server.close()
  restoreEnv()
})

const opts = (root: string, extra: VectornatorOptions = {}): VectornatorOptions => ({
  root,
  include: 'docs/**/*.md',
  provider: 'openai',
  apiKey: 'test',
  baseURL: server.url,
  logger: silentLogger,
  ...extra,
})

async function remoteDocs(storeId: string): Promise<Record<string, string>> {
  const docs: Record<string, string> = {}
  for await (const f of client.vectorStores.files.list(storeId, { limit: 100 })) {
    const path = String(f.attributes?.path)
    expect(docs[path], `${path} stored twice`).toBeUndefined()
    docs[path] = String(f.attributes?.sha256)
  }
  return docs
}

describe('sync with the state on a git branch', () => {
  it('a fresh shallow clone with unchanged docs uploads nothing', async () => {
    const sandbox = createSandbox()
    const a = sandbox.clone('a')
    write(a, 'docs/intro.md', '# Intro\n\nhello')
    git(a, ['add', '.'])
    commit(a, 'docs')
    git(a, ['push', '-q', 'origin', 'HEAD:main'])
    const first = await sync(opts(a))
    expect(first.added.sort()).toEqual(['docs/guide.md', 'docs/intro.md'])
    expect(git(sandbox.remote, ['log', '--format=%s', 'vectornator-metadata'])).toMatch(/^sync: 2 added/)

    const b = sandbox.clone('b', { depth: 1 })
    const uploads = server.files().length
    const second = await sync(opts(b))
    expect(second).toMatchObject({ storeId: first.storeId, added: [], updated: [], unchanged: 2 })
    expect(server.files().length).toBe(uploads)
    sandbox.cleanup()
  })

  it("two clones racing with uncommitted changes: the store and the state are one clone's documents, never a mixture, and no File object is left over", async () => {
    const sandbox = createSandbox()
    const seed = sandbox.clone('seed')
    const { storeId } = await sync(opts(seed))
    const a = sandbox.clone('a')
    const b = sandbox.clone('b')
    write(a, 'docs/from-a.md', '# A\n\nwritten in clone a')
    write(b, 'docs/from-b.md', '# B\n\nwritten in clone b')
    write(a, 'docs/guide.md', 'guide, edited in a\n')
    write(b, 'docs/guide.md', 'guide, edited in b\n')
    const [ra, rb] = await Promise.all([
      sync(opts(a, { vectorStoreId: storeId })),
      sync(opts(b, { vectorStoreId: storeId })),
    ])
    expect(ra.failed).toEqual([])
    expect(rb.failed).toEqual([])

    const docs = await remoteDocs(storeId)
    const winner = Object.keys(docs).includes('docs/from-a.md') ? 'a' : 'b'
    expect(Object.keys(docs).sort()).toEqual([`docs/from-${winner}.md`, 'docs/guide.md'])
    expect(docs['docs/guide.md']).toBe(createHash('sha256').update(`guide, edited in ${winner}\n`).digest('hex'))
    const state = JSON.parse(
      git(sandbox.remote, [
        'show',
        `vectornator-metadata:${git(sandbox.remote, ['ls-tree', '--name-only', 'vectornator-metadata']).trim()}/metadata.json`,
      ]),
    )
    // The state names exactly the documents in the store, and no File object is left over.
    expect(Object.keys(state.files).sort()).toEqual(Object.keys(docs).sort())
    for (const [path, entry] of Object.entries<{ hash: string }>(state.files))
      expect(`sha256:${docs[path]}`).toBe(entry.hash)
    const attached = new Set(server.vectorStoreFiles(storeId).map(f => f.id))
    expect(
      server
        .files()
        .filter(f => f.filename.startsWith('docs__') && !attached.has(f.id) && f.filename.includes('from-')),
    ).toEqual([])
    sandbox.cleanup()
  })

  it('leaves a dirty work tree, the index, HEAD and the stash exactly as they were', async () => {
    const sandbox = createSandbox()
    const a = sandbox.clone('a')
    write(a, 'docs/staged.md', '# Staged\n\nstaged page')
    git(a, ['add', 'docs/staged.md'])
    write(a, 'docs/guide.md', 'unstaged edit\n')
    write(a, 'docs/untracked.md', '# Untracked\n\nnew page')
    // The clone is a copy: git's first look refreshes its index; settle that before comparing.
    snapshot(a)
    const before = snapshot(a)
    const result = await sync(opts(a))
    expect(result.added.sort()).toEqual(['docs/guide.md', 'docs/staged.md', 'docs/untracked.md'])
    expect(snapshot(a)).toEqual(before)
    sandbox.cleanup()
  })

  it("history lists the syncs; rollback restores an older sync's documents from git objects; sync --ref publishes a tag", async () => {
    const sandbox = createSandbox()
    const repo = sandbox.clone('repo')
    const env = {
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: server.url,
      HOME: process.env.HOME,
      GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL,
      GIT_CONFIG_NOSYSTEM: '1',
    }
    const cli = (...args: string[]) => runCli([...args, '--include', 'docs/**/*.md'], { cwd: repo, env })

    write(repo, 'docs/a.md', '# A\n\nversion one of a')
    write(repo, 'docs/b.md', '# B\n\nonly in version one')
    git(repo, ['add', '.'])
    commit(repo, 'v1')
    git(repo, ['tag', 'v1'])
    const s1 = await cli('sync', '--json')
    expect(s1.code, s1.stderr).toBe(0)
    const storeId = JSON.parse(s1.stdout).storeId

    write(repo, 'docs/a.md', '# A\n\nversion two of a')
    git(repo, ['rm', '-q', 'docs/b.md'])
    write(repo, 'docs/c.md', '# C\n\nnew in version two')
    git(repo, ['add', '.'])
    commit(repo, 'v2')
    expect((await cli('sync')).code).toBe(0)

    const history = await cli('history', '--json')
    const syncs = JSON.parse(history.stdout) as { commit: string; message: string }[]
    expect(syncs.map(s => s.message.slice(0, 40))).toEqual([
      expect.stringMatching(/^sync: 1 added, 1 updated, 1 deleted/),
      expect.stringMatching(/^sync: 3 added/),
    ])

    // A dirty work tree, left as it is by the rollback.
    write(repo, 'docs/a.md', '# A\n\nwork in progress')
    snapshot(repo)
    const before = snapshot(repo)
    const dry = await cli('rollback', syncs[1].commit, '--dry-run')
    expect(dry.stdout).toMatch(/\| Add \| 1 \|/)
    expect(dry.stdout).toMatch(/\| Delete \| 1 \|/)
    const rollback = await cli('rollback', syncs[1].commit, '--json')
    expect(rollback.code, rollback.stderr).toBe(0)
    expect(snapshot(repo)).toEqual(before)
    const restored = await remoteDocs(storeId)
    expect(Object.keys(restored).sort()).toEqual(['docs/a.md', 'docs/b.md', 'docs/guide.md'])
    const v1a = git(repo, ['show', 'v1:docs/a.md'])
    expect(server.files().find(f => f.content.toString() === v1a)).toBeDefined()
    expect(JSON.parse((await cli('history', '--json')).stdout)).toHaveLength(3)

    // The tag again, by name, without checking it out: nothing to do.
    const tag = await cli('sync', '--ref', 'v1', '--json')
    expect(JSON.parse(tag.stdout)).toMatchObject({ added: [], updated: [], deleted: [], unchanged: 3 })
    const head = await cli('sync', '--ref', 'HEAD', '--json')
    expect(JSON.parse(head.stdout)).toMatchObject({
      added: ['docs/c.md'],
      deleted: ['docs/b.md'],
      updated: ['docs/a.md'],
    })
    expect(snapshot(repo)).toEqual(before)
    sandbox.cleanup()
  })

  it('refuses to write a branch checked out in a worktree, before any remote change', async () => {
    const sandbox = createSandbox()
    const repo = sandbox.clone('a')
    const first = await sync(opts(repo))
    expect(first.added).toEqual(['docs/guide.md'])
    git(repo, ['worktree', 'add', '-q', join(sandbox.dir, 'metadata-tree'), 'vectornator-metadata'])
    const branchBefore = git(repo, ['rev-parse', 'vectornator-metadata'])

    write(repo, 'docs/guide.md', 'guide, edited\n')
    const uploads = server.files().length
    await expect(sync(opts(repo))).rejects.toThrow(
      /branch vectornator-metadata is checked out in a worktree; switch that worktree to another branch/,
    )
    expect(server.files().length).toBe(uploads)
    expect(git(repo, ['rev-parse', 'vectornator-metadata'])).toBe(branchBefore)
    sandbox.cleanup()
  })
})
