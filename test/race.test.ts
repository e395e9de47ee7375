import { existsSync } from 'node:fs'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { runCli, type CliRun } from './helpers/cli'
import { commit, createSandbox, git, isolateGitEnv, write, type Sandbox } from './helpers/git'
import {
  cloneOf,
  holdFirstPush,
  publishedState,
  slowPushes,
  stateDocs,
  syncKilledWhenHeld,
  treeOf,
  until,
} from './helpers/race'

// Racing syncs as CI runs them: real clones of a real bare remote, real concurrent processes of
// the command, the real SDK against the offline server. The guarantee checked is the outcome a
// user sees: the store holds exactly one commit's tree, and the published state names it.
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

const env = () => ({
  OPENAI_API_KEY: 'test',
  OPENAI_BASE_URL: server.url,
  HOME: process.env.HOME,
  GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL,
  GIT_CONFIG_NOSYSTEM: '1',
})
const cli = (cwd: string, ...args: string[]) => runCli([...args, '--include', 'docs/**/*.md'], { cwd, env: env() })

/** path → sha256 of what the store holds; a path stored twice fails the test. */
async function storeDocs(storeId: string): Promise<Record<string, string>> {
  const docs: Record<string, string> = {}
  for await (const f of client.vectorStores.files.list(storeId, { limit: 100 })) {
    const path = String(f.attributes?.path)
    expect(docs[path], `${path} stored twice`).toBeUndefined()
    expect(f.status).toBe('completed')
    docs[path] = String(f.attributes?.sha256)
  }
  return docs
}

/** The store equals the commit's tree, the published state names that commit and describes the store exactly. */
async function expectStoreIs(sandbox: Sandbox, storeId: string, repo: string, commitish: string): Promise<void> {
  const want = treeOf(repo, commitish)
  expect(await storeDocs(storeId)).toEqual(want)
  const state = publishedState(sandbox)
  expect(state.sourceCommit).toBe(git(repo, ['rev-parse', commitish]).trim())
  expect(stateDocs(state)).toEqual(want)
  expect(state.journal ?? []).toEqual([])
  // Nothing billed that nothing uses: every File object (this test's server holds one store) is attached.
  const attached = new Set(server.vectorStoreFiles(storeId).map(f => f.id))
  expect(
    server
      .files()
      .filter(f => !attached.has(f.id))
      .map(f => f.filename),
  ).toEqual([])
}

/** A repository with 12 pages on main, synced once (state branch pushed); resolves to its store. */
async function seeded(): Promise<{ sandbox: Sandbox; storeId: string }> {
  await server.close()
  server = await createOpenAIServer({ processingMs: 2 })
  client = new OpenAI({ apiKey: 'test', baseURL: server.url })
  const sandbox = createSandbox()
  const seed = sandbox.clone('seed')
  for (let i = 1; i <= 12; i++)
    write(seed, `docs/page-${String(i).padStart(2, '0')}.md`, `# Page ${i}\n\nThe first text of page ${i}.\n`)
  git(seed, ['add', '.'])
  commit(seed, 'twelve pages')
  git(seed, ['push', '-q', 'origin', 'HEAD:main'])
  const first = await cli(seed, 'sync', '--json')
  expect(first.code, first.stderr).toBe(0)
  return { sandbox, storeId: JSON.parse(first.stdout).storeId }
}

const ok = (run: CliRun) => expect(run.code, run.stderr).toBe(0)

/** Each clone in turn syncs, and the store is then exactly its tree: later syncs converge, whoever ran before. */
async function convergesIn(sandbox: Sandbox, storeId: string, repos: string[]): Promise<void> {
  for (const repo of repos) {
    ok(await cli(repo, 'sync'))
    await expectStoreIs(sandbox, storeId, repo, 'HEAD')
  }
}

// Each test runs a dozen real processes one after another: allowed the time a loaded CI machine needs.
describe('racing syncs on one state branch', { timeout: 240_000 }, () => {
  it('two clones of one commit, each with its own commit, sync at once: the store is one of the two trees, and each later sync converges exactly', async () => {
    const { sandbox, storeId } = await seeded()
    const a = cloneOf(sandbox, 'a')
    const b = cloneOf(sandbox, 'b')
    for (const i of [1, 2, 3, 4, 5]) write(a, `docs/page-0${i}.md`, `# Page ${i}\n\nEdited in clone a.\n`)
    write(a, 'docs/new-a1.md', '# A1\n\nnew in a\n')
    write(a, 'docs/new-a2.md', '# A2\n\nnew in a\n')
    git(a, ['add', '.'])
    commit(a, 'a: five edits, two pages')
    for (const i of [6, 7, 8, 9]) write(b, `docs/page-0${i}.md`, `# Page ${i}\n\nEdited in clone b.\n`)
    git(b, ['rm', '-q', 'docs/page-10.md'])
    write(b, 'docs/new-b.md', '# B\n\nnew in b\n')
    git(b, ['add', '.'])
    commit(b, 'b: four edits, one deletion, one page')

    // The remote takes a second to accept each push, so both syncs start from the same state.
    slowPushes(sandbox)
    const [ra, rb] = await Promise.all([cli(a, 'sync', '--json'), cli(b, 'sync', '--json')])
    ok(ra)
    ok(rb)
    const winner = publishedState(sandbox).sourceCommit
    const winnerRepo = winner === git(a, ['rev-parse', 'HEAD']).trim() ? a : b
    expect([git(a, ['rev-parse', 'HEAD']).trim(), git(b, ['rev-parse', 'HEAD']).trim()]).toContain(winner)
    await expectStoreIs(sandbox, storeId, winnerRepo, 'HEAD')
    // Which happened is said: one of them met the other and planned again (unrelated commits).
    const races = [JSON.parse(ra.stdout).race, JSON.parse(rb.stdout).race].filter(Boolean)
    expect(races).toEqual([
      expect.objectContaining({
        outcome: 'replanned',
        reason: expect.stringMatching(/unrelated commits: the last to publish wins/),
      }),
    ])

    // The winner has nothing pending; a later sync from each clone converges to its own tree.
    expect((await cli(winnerRepo, 'status', '--json')).stdout).toMatch(/"added":\[\],"updated":\[\],"deleted":\[\]/)
    await convergesIn(sandbox, storeId, [a, b, a])
    sandbox.cleanup()
  })

  it("three racers on one line of history: the descendant's tree wins whichever finishes last, and the store never moves back", async () => {
    const { sandbox, storeId } = await seeded()
    const a = cloneOf(sandbox, 'a')
    write(a, 'docs/page-01.md', '# Page 1\n\nsecond version\n')
    write(a, 'docs/from-a.md', '# From A\n\nadded by the first push\n')
    git(a, ['add', '.'])
    commit(a, 'first push')
    git(a, ['push', '-q', 'origin', 'HEAD:main'])
    const b = cloneOf(sandbox, 'b')
    write(b, 'docs/page-01.md', '# Page 1\n\nthird version\n')
    git(b, ['rm', '-q', 'docs/page-02.md'])
    git(b, ['add', '.'])
    commit(b, 'second push')
    git(b, ['push', '-q', 'origin', 'HEAD:main'])
    const c = cloneOf(sandbox, 'c')
    git(c, ['rm', '-q', 'docs/from-a.md'])
    write(c, 'docs/from-c.md', '# From C\n\nadded by the third push\n')
    git(c, ['add', '.'])
    commit(c, 'third push')
    git(c, ['push', '-q', 'origin', 'HEAD:main'])

    const runs = await Promise.all([cli(c, 'sync', '--json'), cli(a, 'sync', '--json'), cli(b, 'sync', '--json')])
    for (const run of runs) ok(run)
    await expectStoreIs(sandbox, storeId, c, 'HEAD')

    // A later sync of an older commit leaves the newer tree in place, and says so.
    const later = await cli(a, 'sync', '--json')
    ok(later)
    expect(JSON.parse(later.stdout).race).toMatchObject({ outcome: 'kept-newer' })
    expect(later.stderr).toMatch(
      /a newer commit than this checkout's: nothing synced \(pull first, or pass --allow-older/,
    )
    await expectStoreIs(sandbox, storeId, c, 'HEAD')
    // Asked for, it publishes its own tree exactly; the descendant's next sync takes the store back.
    ok(await cli(a, 'sync', '--allow-older'))
    await expectStoreIs(sandbox, storeId, a, 'HEAD')
    ok(await cli(c, 'sync'))
    await expectStoreIs(sandbox, storeId, c, 'HEAD')
    ok(await cli(b, 'sync'))
    await expectStoreIs(sandbox, storeId, c, 'HEAD')
    sandbox.cleanup()
  })

  for (const order of ['before', 'during', 'never'] as const) {
    const when = {
      before: 'before the other fetches',
      during: 'after the other fetched, before it pushes',
      never: 'never (the other publishes first)',
    }[order]
    it(`a racer killed while it pushes, its push landing ${when}: the other publishes exactly its tree, and each clone's next sync converges`, async () => {
      const { sandbox, storeId } = await seeded()
      const push = holdFirstPush(sandbox, order)
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

      // A syncs; once its push is held at the remote, A is killed (its git push lives on).
      const killed = syncKilledWhenHeld(a, push, env(), ['--include', 'docs/**/*.md'])
      expect(await killed).not.toBe(0)
      if (order === 'before') {
        push.release()
        await until(push.landed)
      }
      const rb = await cli(b, 'sync', '--json')
      ok(rb)
      if (order === 'during') expect(JSON.parse(rb.stdout).race).toMatchObject({ outcome: 'replanned' })
      await expectStoreIs(sandbox, storeId, b, 'HEAD')
      if (order === 'never') {
        // The held push is refused: the branch B published stays, and so does the store.
        push.release()
        await until(() => existsSync(push.left))
        await new Promise(r => setTimeout(r, 500))
        expect(git(sandbox.remote, ['log', '-1', '--format=%s', 'vectornator-metadata'])).toMatch(
          /^vectornator: removed /,
        )
        await expectStoreIs(sandbox, storeId, b, 'HEAD')
      }
      await convergesIn(sandbox, storeId, [a, b])
      sandbox.cleanup()
    })
  }
  it('a racer held at its push while the other publishes and removes its uploads: it plans again, stores them anew, and publishes exactly its tree', async () => {
    const { sandbox, storeId } = await seeded()
    const push = holdFirstPush(sandbox, 'never')
    const a = cloneOf(sandbox, 'a')
    const b = cloneOf(sandbox, 'b')
    for (const i of [1, 2]) write(a, `docs/page-0${i}.md`, `# Page ${i}\n\nEdited in a.\n`)
    write(a, 'docs/new-a.md', '# A\n\nnew in a\n')
    git(a, ['add', '.'])
    commit(a, 'a')
    write(b, 'docs/page-04.md', '# Page 4\n\nEdited in b.\n')
    git(b, ['add', '.'])
    commit(b, 'b')
    // A uploads, then waits at the remote; B finds A's uploads unnamed and removes them as it publishes.
    const ra = cli(a, 'sync', '--json')
    await until(() => existsSync(push.held))
    const rb = await cli(b, 'sync')
    ok(rb)
    expect(rb.stderr).toMatch(/2 documents that the sync state does not name/)
    await expectStoreIs(sandbox, storeId, b, 'HEAD')
    // A's push is refused; A plans against B's state, finds its uploads gone, and stores them again.
    push.release()
    const done = await ra
    ok(done)
    expect(JSON.parse(done.stdout).race).toMatchObject({ outcome: 'replanned' })
    await expectStoreIs(sandbox, storeId, a, 'HEAD')
    ok(await cli(b, 'sync'))
    await expectStoreIs(sandbox, storeId, b, 'HEAD')
    sandbox.cleanup()
  })
})
