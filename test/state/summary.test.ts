import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { sync } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import { createFileStore } from '../../src/core/state/file'
import { createGitBranchStore } from '../../src/core/state/git-branch'
import type { StateStore } from '../../src/core/state'
import type { VectornatorOptions } from '../../src/types'
import { makeTree, pages, writeTree } from '../helpers/tree'
import { countRequests, STORE_CHECK } from '../helpers/requests'
import { commit, createSandbox, git, isolateGitEnv, write } from '../helpers/git'

// A sync that would change nothing decides so from the state's summary in the local cache and
// never reads the state. These tests count the reads, and check that whatever the summary
// described changing (the state, the documents, the settings) brings the full sync back.
let server: OpenAIServer
let restoreEnv: () => void
beforeAll(async () => {
  restoreEnv = isolateGitEnv()
  server = await createOpenAIServer({ processingMs: 2 })
})
afterAll(async () => {
  await server.close()
  restoreEnv()
})

/** The store, its load() counting the reads of the state. */
function counting(store: StateStore, loads: { count: number }): StateStore {
  const load = store.load.bind(store)
  store.load = () => {
    loads.count++
    return load()
  }
  return store
}

const opts = (root: string, metadata: StateStore, extra: VectornatorOptions = {}): VectornatorOptions => ({
  root,
  provider: 'openai',
  apiKey: 'test',
  baseURL: server.url,
  metadata,
  logger: silentLogger,
  ...extra,
})

describe('the no-op quick check', () => {
  it('skips reading the file state only while the state, the documents and the settings are those it summarised', async () => {
    const root = makeTree(pages(12))
    const statePath = join(root, '.vectornator', 'metadata.json')
    const loads = { count: 0 }
    const run = (extra: VectornatorOptions = {}) =>
      sync(opts(root, counting(createFileStore({ path: statePath, root }), loads), extra))

    const first = await run()
    expect(first.added).toHaveLength(12)
    expect(loads.count).toBe(1)

    // Nothing changed: the state is not read, and one request asks the store for its counts.
    const sent = countRequests(server)
    const second = await run()
    expect(second).toMatchObject({ unchanged: 12, added: [], updated: [], deleted: [], storeId: first.storeId })
    expect(loads.count).toBe(1)
    expect(sent()).toEqual({ [STORE_CHECK]: 1 })

    // A document changed: the full sync runs and updates it; the next no-op is quick again.
    writeTree(root, { 'docs/page-003.md': '# Page 003\n\nRewritten.\n' })
    expect((await run()).updated).toEqual(['docs/page-003.md'])
    expect(loads.count).toBe(2)
    expect((await run()).unchanged).toBe(12)
    expect(loads.count).toBe(2)

    // The state changed behind the cache's back (restored from a backup without one entry): it
    // is read, the store's counts disagree with it, and the document the store still holds is
    // taken back into the state rather than stored twice.
    const state = JSON.parse(readFileSync(statePath, 'utf8'))
    delete state.files['docs/page-007.md']
    writeFileSync(statePath, JSON.stringify(state, null, 2))
    const uploads = server.files().length
    const restored = await run()
    expect(loads.count).toBe(3)
    expect(restored).toMatchObject({ added: [], repaired: ['docs/page-007.md'] })
    expect(server.files().length).toBe(uploads)
    expect(JSON.parse(readFileSync(statePath, 'utf8')).files['docs/page-007.md']).toBeDefined()

    // A setting that shapes the attributes changed: the state is read and every document re-tagged.
    const retagged = await run({ baseUrl: 'https://docs.example.com' })
    expect(loads.count).toBe(4)
    expect(retagged.retagged).toHaveLength(12)
    expect((await run({ baseUrl: 'https://docs.example.com' })).unchanged).toBe(12)
    expect(loads.count).toBe(4)

    // Another store asked for: the state is read, and refused for the mismatch as before.
    await expect(run({ vectorStoreId: 'vs_other' })).rejects.toThrow(/is for store/)
    expect(loads.count).toBe(5)
  })

  it('on a git branch: a no-op reads no state, and a branch with commits to push still pushes them', async () => {
    const sandbox = createSandbox()
    try {
      const repo = sandbox.clone('a')
      for (const [path, content] of Object.entries(pages(5))) write(repo, path, content)
      git(repo, ['add', '.'])
      commit(repo, 'docs')
      const loads = { count: 0 }
      const run = (push: boolean) =>
        sync(
          opts(repo, counting(createGitBranchStore({ cwd: repo, key: 'docs', push }), loads), {
            include: 'docs/**/*.md',
          }),
        )

      // Synced with pushing off (docs/guide.md came with the clone): the state is committed on the local branch only.
      expect((await run(false)).added).toHaveLength(6)
      expect(git(sandbox.remote, ['branch', '--list', 'vectornator-metadata']).trim()).toBe('')
      expect((await run(false)).unchanged).toBe(6)
      const loadsBefore = loads.count

      // Pushing on: nothing changed, but the unpushed commit must reach the remote.
      expect((await run(true)).unchanged).toBe(6)
      expect(loads.count).toBe(loadsBefore + 1)
      const local = git(repo, ['rev-parse', 'refs/heads/vectornator-metadata']).trim()
      expect(git(sandbox.remote, ['rev-parse', 'vectornator-metadata']).trim()).toBe(local)

      // Pushed and unchanged: the quick check answers, without reading the state.
      expect((await run(true)).unchanged).toBe(6)
      expect(loads.count).toBe(loadsBefore + 1)
    } finally {
      sandbox.cleanup()
    }
  })
})
