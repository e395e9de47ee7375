import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { UsageError } from '../../src/lib/errors'
import {
  createGitBranchStore,
  DEFAULT_AUTHOR,
  defaultStateKey,
  encodeKey,
  gitTopLevel,
  isGitRepo,
  type GitBranchStore,
  type GitBranchStoreOptions,
} from '../../src/core/state/git-branch'
import { isValidRefName } from '../../src/core/state/git/repo'
import { lockState } from '../../src/core/state/lock'
import { StateError, type FileState, type SyncState } from '../../src/core/state/types'
import { commit, createSandbox, git, gitStatus, isolateGitEnv, snapshot, write, type Sandbox } from '../helpers/git'

afterAll(isolateGitEnv())

const BRANCH = 'vectornator-metadata'
const REF = `refs/heads/${BRANCH}`

function entry(path: string, fileId: string, uploadedAt = '2024-01-01T00:00:00.000Z'): FileState {
  return {
    fileId,
    hash: `sha256:${fileId}`,
    uploadedAt,
    version: 1,
    metadata: { path, size: 1, lastModified: uploadedAt },
  }
}

function stateOf(files: Record<string, string>, lastSync = '2024-01-01T00:00:00.000Z'): SyncState {
  return {
    version: '1.0.0',
    lastSync,
    storeId: 'vs_test',
    files: Object.fromEntries(Object.entries(files).map(([path, id]) => [path, entry(path, id)])),
  }
}

function tip(repo: string, ref = REF): string {
  try {
    return git(repo, ['rev-parse', '--verify', '--quiet', ref]).trim()
  } catch {
    return ''
  }
}
const count = (repo: string, ref = REF) => Number(git(repo, ['rev-list', '--count', ref]).trim())
const stored = (repo: string, key: string, ref = REF) =>
  JSON.parse(git(repo, ['show', `${ref}:${encodeKey(key)}/metadata.json`])) as SyncState
const ids = (state: SyncState | undefined) =>
  Object.fromEntries(Object.entries(state?.files ?? {}).map(([p, f]) => [p, f.fileId]))

type Open = (cwd: string, options?: Partial<GitBranchStoreOptions>) => GitBranchStore

/** A test with its own sandbox (bare remote, clones) whose stores are closed after it; they run concurrently. */
function gitTest(name: string, fn: (t: { sandbox: Sandbox; open: Open }) => Promise<void>): void {
  it.concurrent(name, async ({ onTestFinished }) => {
    const sandbox = createSandbox()
    const stores: GitBranchStore[] = []
    onTestFinished(async () => {
      for (const store of stores) await store.close()
      sandbox.cleanup()
    })
    const open: Open = (cwd, options = {}) => {
      const store = createGitBranchStore({ cwd, key: 'docs-openai', ...options })
      stores.push(store)
      return store
    }
    await fn({ sandbox, open })
  })
}

/** One whole sync: load, a checkpoint per state, finish with the last, close. */
async function sync(store: GitBranchStore, ...states: SyncState[]): Promise<SyncState | undefined> {
  const loaded = await store.load()
  for (const s of states) await store.save(s)
  await store.finish(states.at(-1)!, { message: `sync ${states.length}`, changed: true })
  await store.close()
  return loaded
}

describe('git-branch state store', () => {
  gitTest(
    'creates the branch with one commit, and a sync with checkpoints adds one commit',
    async ({ sandbox, open }) => {
      const repo = sandbox.clone('a')
      const store = open(repo)
      expect(await store.load()).toBeUndefined()
      await store.save(stateOf({ 'a.md': 'f1' }))
      await store.save(stateOf({ 'a.md': 'f1', 'b.md': 'f2' }))
      await store.finish(stateOf({ 'a.md': 'f1', 'b.md': 'f2' }), { message: 'sync: 2 added', changed: true })
      expect(count(repo)).toBe(1)
      expect(git(repo, ['log', '-1', '--format=%s', REF]).trim()).toBe('sync: 2 added')
      const first = tip(repo)

      await store.load()
      for (let i = 0; i < 5; i++) await store.save(stateOf({ 'a.md': 'f1', 'b.md': 'f2', [`c${i}.md`]: `g${i}` }))
      await store.finish(stateOf({ 'a.md': 'f9' }), { message: 'sync: 1 updated', changed: true })
      expect(count(repo)).toBe(2)
      expect(git(repo, ['rev-parse', `${REF}^`]).trim()).toBe(first)
      expect(ids(stored(repo, 'docs-openai'))).toEqual({ 'a.md': 'f9' })
      // Pushed: the remote has the same commit.
      expect(tip(sandbox.remote)).toBe(tip(repo))
    },
  )

  gitTest('writes readable JSON with files sorted by path', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    await sync(open(repo), stateOf({ 'z.md': 'f1', 'a.md': 'f2', 'm/b.md': 'f3' }))
    const text = git(repo, ['show', `${REF}:docs-openai/metadata.json`])
    expect(text.endsWith('}\n')).toBe(true)
    expect(text).toContain('\n  "files": {\n    "a.md": {')
    expect(Object.keys(JSON.parse(text).files)).toEqual(['a.md', 'm/b.md', 'z.md'])
  })

  gitTest(
    'stores the state byte for byte in a repository whose attributes filter every file',
    async ({ sandbox, open }) => {
      const repo = sandbox.clone('a')
      // A clean filter on every path and CRLF conversion: what git would apply to a file it hashes.
      const attributes = join(repo, '..', 'attributes')
      write(join(repo, '..'), 'attributes', '* filter=upper text eol=crlf\n')
      git(repo, ['config', 'core.attributesFile', attributes])
      git(repo, ['config', 'filter.upper.clean', 'tr a-z A-Z'])
      git(repo, ['config', 'core.autocrlf', 'true'])
      const state = stateOf({ 'a.md': 'f1', 'b/c.md': 'f2' })
      await sync(open(repo), state)
      const text = git(repo, ['cat-file', 'blob', `${REF}:docs-openai/metadata.json`])
      expect(text).toBe(`${JSON.stringify(state, null, 2)}\n`)
      // Read back as it was written, and a sync that changes nothing makes no commit.
      const store = open(repo)
      const before = tip(repo)
      expect(await store.load()).toEqual(state)
      await store.finish(state, { message: 'nothing', changed: false })
      expect(tip(repo)).toBe(before)
    },
  )

  gitTest('makes no commit when nothing changed, even after checkpoints', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    const store = open(repo)
    await sync(store, stateOf({ 'a.md': 'f1' }))
    const before = tip(repo)

    const loaded = (await store.load())!
    await store.finish(loaded, { message: 'nothing', changed: false })
    expect(tip(repo)).toBe(before)

    // A checkpoint whose change the sync undid: the branch never moved, and stays where it was.
    await store.load()
    await store.save(stateOf({ 'a.md': 'f1', 'tmp.md': 'f2' }))
    expect(tip(repo)).toBe(before)
    await store.finish(loaded, { message: 'nothing', changed: false })
    expect(tip(repo)).toBe(before)
    expect(tip(sandbox.remote)).toBe(before)
  })

  gitTest(
    'keeps checkpoints out of the repository: a sync of many checkpoints adds one state blob',
    async ({ sandbox, open }) => {
      const repo = sandbox.clone('a')
      const objects = () => git(repo, ['count-objects', '-v']).match(/^count: (\d+)/m)![1]
      const store = open(repo)
      await store.load()
      const before = Number(objects())
      for (let i = 0; i < 20; i++) await store.save(stateOf({ 'a.md': 'f1', [`c${i}.md`]: `g${i}` }))
      // Twenty whole states saved, not one object written for them.
      expect(Number(objects())).toBe(before)
      await store.finish(stateOf({ 'a.md': 'f1', 'c19.md': 'g19' }), { message: 'sync: 2 added', changed: true })
      // The state's blob, its key's tree, the root tree and the commit.
      expect(Number(objects())).toBe(before + 4)
      expect(git(repo, ['reflog', 'show', '--format=%gs', REF]).trim().split('\n')).toHaveLength(1)
    },
  )

  gitTest(
    'packs what a sync wrote: a state committed twice (published, then without its removals) grows the repository by about one compressed state',
    async ({ sandbox, open }) => {
      const repo = sandbox.clone('a')
      const bytes = () => {
        const out = git(repo, ['count-objects', '-v'])
        const kib = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(out)![1])
        return { loose: Number(/^count: (\d+)/m.exec(out)![1]), total: (kib('size') + kib('size-pack')) * 1024 }
      }
      const files = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`docs/page-${i}.md`, `file-${i}`]))
      const before = bytes()
      const store = open(repo)
      await store.load()
      const published = stateOf(files)
      published.journal = [{ op: 'delete', path: 'docs/old.md', fileId: 'file-old', at: '2024-01-01T00:00:00.000Z' }]
      await store.finish(published, { message: 'sync: 3000 added', changed: true })
      const cleaned = stateOf(files)
      await store.finish(cleaned, { message: 'vectornator: removed 1 replaced document', changed: true })
      await store.close()
      const after = bytes()
      // Nothing left loose, and both states readable.
      expect(after.loose).toBe(before.loose)
      expect(ids(stored(repo, 'docs-openai'))).toEqual(files)
      expect(JSON.parse(git(repo, ['show', `${REF}~1:docs-openai/metadata.json`])).journal).toHaveLength(1)
      // One state compressed as zlib's default does, give or take the delta and the commits
      // (two loose states would be about 2.4 times it: git writes loose objects at level 1).
      const compressed = deflateSync(`${JSON.stringify(cleaned, null, 2)}\n`).length
      expect(after.total - before.total).toBeLessThan(1.3 * compressed)
    },
  )

  gitTest(
    'keeps the last checkpoint in the git directory after a crash, and resumes from it even when nothing else changes',
    async ({ sandbox, open }) => {
      const repo = sandbox.clone('a')
      await sync(open(repo), stateOf({ 'a.md': 'f1' }))
      const published = tip(repo)
      const crashed = open(repo)
      await crashed.load()
      await crashed.save(stateOf({ 'a.md': 'f1', 'b.md': 'f2' }))
      await crashed.close() // no finish: the process died
      // The branch holds what was published; the checkpoint waits on this machine.
      expect(tip(repo)).toBe(published)
      expect(ids(stored(repo, 'docs-openai'))).toEqual({ 'a.md': 'f1' })

      const next = open(repo)
      expect(await next.storedIdentity!()).toBeUndefined() // no "nothing changed" shortcut past it
      const resumed = (await next.load())!
      expect(ids(resumed)).toEqual({ 'a.md': 'f1', 'b.md': 'f2' })
      // A run that changes nothing more still publishes what the killed one did.
      await next.finish(resumed, { message: 'resumed', changed: false })
      expect(ids(stored(repo, 'docs-openai'))).toEqual({ 'a.md': 'f1', 'b.md': 'f2' })
      expect(tip(sandbox.remote)).toBe(tip(repo))
      await next.close()
      // Resumed once: the run after starts from the branch.
      const after = open(repo)
      expect(ids(await after.load())).toEqual({ 'a.md': 'f1', 'b.md': 'f2' })
      expect(await after.storedIdentity!()).toBeDefined()
    },
  )

  gitTest(
    "ignores a killed sync's checkpoint once the branch holds another state for the key",
    async ({ sandbox, open }) => {
      const a = sandbox.clone('a')
      const b = sandbox.clone('b')
      await sync(open(a), stateOf({ 'a.md': 'f1' }))
      const crashed = open(a)
      await crashed.load()
      await crashed.save(stateOf({ 'a.md': 'f1', 'stale.md': 'f2' }))
      await crashed.close()
      // Another machine publishes a newer state of the same key.
      const other = open(b)
      await other.load()
      await other.finish(stateOf({ 'a.md': 'f9' }), { message: 'elsewhere', changed: true })
      await other.close()
      // The checkpoint was made on a state the branch no longer holds: the published one is read.
      expect(ids(await open(a).load())).toEqual({ 'a.md': 'f9' })
    },
  )

  gitTest('leaves a dirty work tree, index, stash and HEAD byte-identical', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    write(repo, 'stashed.md', 'stashed\n')
    git(repo, ['add', 'stashed.md'])
    git(repo, ['stash', 'push', '-q', '-m', 'keep me'])
    write(repo, 'docs/guide.md', 'staged change\n')
    git(repo, ['add', 'docs/guide.md'])
    write(repo, 'docs/guide.md', 'unstaged on top of staged\n')
    write(repo, 'README.md', '# unstaged\n')
    write(repo, 'notes/untracked.md', 'untracked\n')
    const before = snapshot(repo)

    await sync(open(repo), stateOf({ 'a.md': 'f1' }), stateOf({ 'a.md': 'f1', 'b.md': 'f2' }))
    expect(snapshot(repo)).toEqual(before)
    expect(count(repo)).toBe(1)
  })

  gitTest('works on a detached HEAD', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    git(repo, ['checkout', '-q', '--detach', 'HEAD'])
    const before = snapshot(repo)
    await sync(open(repo), stateOf({ 'a.md': 'f1' }))
    expect(snapshot(repo)).toEqual(before)
    expect(gitStatus(repo, ['symbolic-ref', '-q', 'HEAD'])).not.toBe(0)
    expect(ids(stored(sandbox.remote, 'docs-openai'))).toEqual({ 'a.md': 'f1' })
  })

  gitTest('works in the middle of a conflicted merge', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    git(repo, ['checkout', '-q', '-b', 'other'])
    write(repo, 'docs/guide.md', 'theirs\n')
    commit(repo, 'other side')
    git(repo, ['checkout', '-q', 'main'])
    write(repo, 'docs/guide.md', 'ours\n')
    commit(repo, 'our side')
    expect(gitStatus(repo, ['-c', 'user.name=T', '-c', 'user.email=t@e', 'merge', '--no-edit', 'other'])).not.toBe(0)
    const before = snapshot(repo)
    expect(before.mergeHead).not.toBe('')
    expect(before.files).toMatch(/docs\/guide\.md/)

    await sync(open(repo), stateOf({ 'a.md': 'f1' }))
    expect(snapshot(repo)).toEqual(before)
  })

  gitTest(
    'commits as vectornator when git has no identity, else as the configured or given one',
    async ({ sandbox, open }) => {
      const repo = sandbox.clone('a')
      expect(gitStatus(repo, ['config', 'user.name'])).not.toBe(0)
      await sync(open(repo), stateOf({ 'a.md': 'f1' }))
      const who = (r: string) => git(r, ['log', '-1', '--format=%an <%ae> / %cn <%ce>', REF]).trim()
      const def = `${DEFAULT_AUTHOR.name} <${DEFAULT_AUTHOR.email}>`
      expect(who(repo)).toBe(`${def} / ${def}`)
      expect(gitStatus(repo, ['config', 'user.name'])).not.toBe(0) // config untouched

      const configured = sandbox.clone('b')
      git(configured, ['config', 'user.name', 'Ada'])
      git(configured, ['config', 'user.email', 'ada@example.com'])
      await sync(open(configured), stateOf({ 'a.md': 'f2' }))
      expect(who(configured)).toBe('Ada <ada@example.com> / Ada <ada@example.com>')

      const given = sandbox.clone('c')
      await sync(open(given, { author: { name: 'Bot', email: 'bot@example.com' } }), stateOf({ 'a.md': 'f3' }))
      expect(who(given)).toBe('Bot <bot@example.com> / Bot <bot@example.com>')
    },
  )

  gitTest('pushes to the remote, and a fresh shallow clone loads and extends the state', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    await sync(open(repo), stateOf({ 'a.md': 'f1' }))
    expect(tip(sandbox.remote)).toBe(tip(repo))

    const shallow = sandbox.clone('shallow', { depth: 1 })
    expect(git(shallow, ['rev-parse', '--is-shallow-repository']).trim()).toBe('true')
    const store = open(shallow)
    expect(ids(await store.load())).toEqual({ 'a.md': 'f1' })
    await store.save(stateOf({ 'a.md': 'f1', 'b.md': 'f2' }))
    await store.finish(stateOf({ 'a.md': 'f1', 'b.md': 'f2' }), { message: 'from CI', changed: true })
    expect(ids(stored(sandbox.remote, 'docs-openai'))).toEqual({ 'a.md': 'f1', 'b.md': 'f2' })
    expect(count(sandbox.remote)).toBe(2)

    // The first clone, behind now, starts from the remote's newer state.
    expect(ids(await open(repo).load())).toEqual({ 'a.md': 'f1', 'b.md': 'f2' })
  })

  gitTest('keeps the branch local when there is no remote, or push is off', async ({ sandbox, open }) => {
    const local = sandbox.init('local')
    await sync(open(local), stateOf({ 'a.md': 'f1' }))
    expect(count(local)).toBe(1)

    const repo = sandbox.clone('a')
    await sync(open(repo, { push: false }), stateOf({ 'a.md': 'f1' }))
    expect(count(repo)).toBe(1)
    expect(tip(sandbox.remote)).toBe('')
  })

  gitTest(
    "two clones racing: the loser is handed the winner's state and publishes what it resolves to, on the winner's commit",
    async ({ sandbox, open }) => {
      const a = sandbox.clone('a')
      const b = sandbox.clone('b')
      await sync(open(a), stateOf({ 'base.md': 'f0' }))

      const storeA = open(a)
      const storeB = open(b)
      const fromA = (await storeA.load())!
      const fromB = (await storeB.load())!
      expect(ids(fromB)).toEqual({ 'base.md': 'f0' })
      const mineA = { ...fromA, files: { ...fromA.files, 'a.md': entry('a.md', 'fa') } }
      const mineB = { ...fromB, files: { ...fromB.files, 'b.md': entry('b.md', 'fb') } }
      await storeA.save(mineA)
      await storeB.save(mineB)
      await storeA.finish(mineA, { message: 'A', changed: true })
      const winner = tip(sandbox.remote)

      const resolve = vi.fn(async (theirs: SyncState) => ({
        state: { ...theirs, files: { ...theirs.files, 'b.md': entry('b.md', 'fb') } },
        message: 'B, planned again',
      }))
      await storeB.finish(mineB, { message: 'B', changed: true, resolve })
      expect(resolve).toHaveBeenCalledOnce()
      expect(ids(resolve.mock.calls[0]![0])).toEqual({ 'base.md': 'f0', 'a.md': 'fa' })
      expect(ids(stored(sandbox.remote, 'docs-openai'))).toEqual({ 'base.md': 'f0', 'a.md': 'fa', 'b.md': 'fb' })
      // Linear: B's one commit sits on A's, with the message of what it resolved to.
      expect(git(sandbox.remote, ['rev-parse', `${REF}^`]).trim()).toBe(winner)
      expect(git(sandbox.remote, ['log', '-1', '--format=%s', REF]).trim()).toBe('B, planned again')
      expect(count(sandbox.remote)).toBe(3)
      expect(tip(b)).toBe(tip(sandbox.remote))
    },
  )

  gitTest(
    'never merges two states path by path: without resolve the race is an error; resolving to nothing keeps theirs',
    async ({ sandbox, open }) => {
      const a = sandbox.clone('a')
      const b = sandbox.clone('b')
      const c = sandbox.clone('c')
      await sync(open(a), stateOf({ 'keep.md': 'f0', 'gone.md': 'g0' }))
      const storeA = open(a)
      const storeB = open(b)
      const storeC = open(c)
      const base = (await storeA.load())!
      await storeB.load()
      await storeC.load()
      const mineA: SyncState = { ...base, files: { 'keep.md': base.files['keep.md']! } }
      await storeA.finish(mineA, { message: 'A', changed: true })
      const published = tip(sandbox.remote)
      await expect(
        storeB.finish(
          { ...base, files: { ...base.files, 'new.md': entry('new.md', 'n1') } },
          { message: 'B', changed: true },
        ),
      ).rejects.toThrow(
        /another sync of docs-openai published to vectornator-metadata while this one ran; run the sync again/,
      )
      expect(tip(sandbox.remote)).toBe(published)
      // Yielding: the local branch takes their commit, nothing is pushed.
      await storeC.finish(
        { ...base, files: { ...base.files, 'c.md': entry('c.md', 'c1') } },
        { message: 'C', changed: true, resolve: async () => undefined },
      )
      expect(tip(sandbox.remote)).toBe(published)
      expect(tip(c)).toBe(published)
      expect(ids(stored(sandbox.remote, 'docs-openai'))).toEqual({ 'keep.md': 'f0' })
    },
  )

  gitTest(
    'starts from unpushed local records when the branches diverged, and resolves them against the remote on push',
    async ({ sandbox, open }) => {
      const a = sandbox.clone('a')
      const b = sandbox.clone('b')
      await sync(open(a), stateOf({ 'base.md': 'f0' }))
      await sync(open(a, { push: false }), stateOf({ 'base.md': 'f0', 'a.md': 'fa' }))
      await sync(open(b), stateOf({ 'base.md': 'f0', 'b.md': 'fb' }))

      const store = open(a)
      const loaded = (await store.load())!
      expect(ids(loaded)).toEqual({ 'base.md': 'f0', 'a.md': 'fa' })
      const resolve = vi.fn(async (theirs: SyncState) => ({
        state: { ...theirs, files: { ...theirs.files, ...loaded.files } },
        message: 'planned again',
      }))
      // Nothing new in this sync, but the local records still reach the remote.
      await store.finish(loaded, { message: 'nothing new', changed: false, resolve })
      expect(resolve).toHaveBeenCalledOnce()
      expect(ids(stored(sandbox.remote, 'docs-openai'))).toEqual({ 'base.md': 'f0', 'a.md': 'fa', 'b.md': 'fb' })
    },
  )

  gitTest('fails the load when the remote cannot be reached, unless push is off', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    git(repo, ['remote', 'set-url', 'origin', join(sandbox.dir, 'gone.git')])
    await expect(open(repo).load()).rejects.toThrow(
      /could not fetch branch vectornator-metadata from origin: .*metadata\.push/,
    )
    const warnings: string[] = []
    const logger = { info() {}, debug() {}, error() {}, warn: (m: string) => warnings.push(m) }
    const store = open(repo, { push: false, key: 'offline', logger })
    await sync(store, stateOf({ 'a.md': 'f1' }))
    expect(warnings.join('\n')).toMatch(/could not fetch/)
    expect(ids(stored(repo, 'offline'))).toEqual({ 'a.md': 'f1' })
  })

  gitTest('reports a refused push clearly and keeps the state committed locally', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    write(sandbox.remote, 'hooks/pre-receive', '#!/bin/sh\necho "protected branch" >&2\nexit 1\n')
    chmodSync(join(sandbox.remote, 'hooks/pre-receive'), 0o755)
    const store = open(repo)
    await store.load()
    await expect(store.finish(stateOf({ 'a.md': 'f1' }), { message: 'sync', changed: true })).rejects.toThrow(
      /could not push the sync state to origin\/vectornator-metadata \(.*\): it is kept on this machine's branch vectornator-metadata only/,
    )
    expect(ids(stored(repo, 'docs-openai'))).toEqual({ 'a.md': 'f1' })
    expect(tip(sandbox.remote)).toBe('')
  })

  gitTest('keeps several keys in one branch apart, locally and across a race', async ({ sandbox, open }) => {
    const a = sandbox.clone('a')
    const b = sandbox.clone('b')
    await sync(open(a, { key: 'docs-openai' }), stateOf({ 'a.md': 'f1' }))
    await sync(open(a, { key: 'site/blog-postgres' }), stateOf({ 'post.md': 'p1' }))
    expect(ids(stored(a, 'docs-openai'))).toEqual({ 'a.md': 'f1' })
    expect(ids(stored(a, 'site/blog-postgres'))).toEqual({ 'post.md': 'p1' })
    expect(git(a, ['ls-tree', '--name-only', REF]).trim().split('\n').sort()).toEqual([
      'docs-openai',
      'site%2Fblog-postgres',
    ])

    // Another machine syncs a third key at the same time as this one syncs the first.
    const storeA = open(a, { key: 'docs-openai' })
    const storeB = open(b, { key: 'api-openai' })
    await storeA.load()
    await storeB.load()
    await storeA.finish(stateOf({ 'a.md': 'f2' }), { message: 'docs', changed: true })
    const resolve = vi.fn(async (theirs: SyncState) => ({ state: theirs, message: 'api' }))
    await storeB.finish(stateOf({ 'ref.md': 'r1' }), { message: 'api', changed: true, resolve })
    expect(resolve).not.toHaveBeenCalled()
    expect(ids(stored(sandbox.remote, 'docs-openai'))).toEqual({ 'a.md': 'f2' })
    expect(ids(stored(sandbox.remote, 'site/blog-postgres'))).toEqual({ 'post.md': 'p1' })
    expect(ids(stored(sandbox.remote, 'api-openai'))).toEqual({ 'ref.md': 'r1' })
  })

  gitTest('two keys syncing at once in one clone build on each other', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    const one = open(repo, { key: 'one' })
    const two = open(repo, { key: 'two' })
    await one.load()
    await two.load()
    await one.save(stateOf({ '1.md': 'a' }))
    await two.save(stateOf({ '2.md': 'b' }))
    await one.finish(stateOf({ '1.md': 'a2' }), { message: 'one', changed: true })
    await two.finish(stateOf({ '2.md': 'b2' }), { message: 'two', changed: true })
    expect(ids(stored(sandbox.remote, 'one'))).toEqual({ '1.md': 'a2' })
    expect(ids(stored(sandbox.remote, 'two'))).toEqual({ '2.md': 'b2' })
  })

  gitTest(
    'one lock per key for every worktree of a clone: a second run fails after the wait, then gets it',
    async ({ sandbox, open }) => {
      const repo = sandbox.clone('a')
      const other = `${repo}-worktree`
      git(repo, ['worktree', 'add', '-q', '--detach', other])
      const first = open(repo)
      const second = open(other)
      const third = open(repo, { key: 'other-key' })
      expect(await second.lockFile!()).toBe(await first.lockFile!())
      expect(await third.lockFile!()).not.toBe(await first.lockFile!())
      const release = await lockState(repo, first)
      await expect(lockState(other, second, { waitMs: 150 })).rejects.toThrow(
        /another vectornator process \(pid \d+\) is syncing this state and holds .*\.lock: waited 150 ms/,
      )
      const unrelated = await lockState(repo, third, { waitMs: 150 })
      await unrelated()
      await release()
      const again = await lockState(other, second, { waitMs: 150 })
      await again()
    },
  )

  gitTest('reports corrupt JSON with the ref, path and fix, and leaves the branch alone', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    await sync(open(repo), stateOf({ 'a.md': 'f1' }))
    // Replace the state file with broken JSON, by plumbing.
    const blob = git(repo, ['hash-object', '-w', '--stdin'], '{ "files": { broken').trim()
    const dir = git(repo, ['mktree'], `100644 blob ${blob}\tmetadata.json\n`).trim()
    const root = git(repo, ['mktree'], `040000 tree ${dir}\tdocs-openai\n`).trim()
    const bad = git(repo, [
      '-c',
      'user.name=T',
      '-c',
      'user.email=t@e',
      'commit-tree',
      root,
      '-p',
      tip(repo),
      '-m',
      'break it',
    ]).trim()
    git(repo, ['update-ref', REF, bad])
    git(repo, ['push', '-q', 'origin', `${REF}:${REF}`])

    const store = open(repo)
    const error = await store.load().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StateError)
    const message = (error as Error).message
    expect(message).toContain(`${REF}:docs-openai/metadata.json`)
    expect(message).toContain('vectornator verify --repair')
    expect(message).not.toContain('\n')
    expect(tip(repo)).toBe(bad)

    // Saving without having loaded does not overwrite it either.
    const other = open(sandbox.clone('b'))
    await expect(other.save(stateOf({ 'x.md': 'x' }))).rejects.toBeInstanceOf(StateError)
    expect(tip(sandbox.remote)).toBe(bad)

    // After seeing the error, a repair may write the rebuilt state.
    await store.finish(stateOf({ 'a.md': 'f1' }), { message: 'repair', changed: true })
    expect(ids(stored(sandbox.remote, 'docs-openai'))).toEqual({ 'a.md': 'f1' })
  })

  gitTest('lists the history of a key and reads its state at a commit', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    const store = open(repo)
    await sync(store, stateOf({ 'a.md': 'f1' }))
    await sync(open(repo, { key: 'other' }), stateOf({ 'x.md': 'x1' }))
    await store.load()
    await store.finish(stateOf({ 'a.md': 'f2' }), { message: 'second', changed: true })
    await store.load()
    await store.finish(stateOf({ 'a.md': 'f3' }), { message: 'third', changed: true })

    const history = await store.history()
    expect(history.map(h => h.message)).toEqual(['third', 'second', 'sync 1'])
    expect(
      history.every(
        h => h.key === 'docs-openai' && /^[0-9a-f]{40}$/.test(h.commit) && !Number.isNaN(Date.parse(h.date)),
      ),
    ).toBe(true)
    expect((await store.history(1)).map(h => h.message)).toEqual(['third'])
    expect(ids(await store.readAt(history[1]!.commit))).toEqual({ 'a.md': 'f2' })
    expect(ids(await store.readAt(BRANCH))).toEqual({ 'a.md': 'f3' })
    // The first commit has no state for the other key.
    expect(await open(repo, { key: 'other' }).readAt(history[2]!.commit)).toBeUndefined()
    await expect(store.readAt('no-such-commit')).rejects.toBeInstanceOf(UsageError)
  })

  gitTest('works from a subfolder of the repository', async ({ sandbox, open }) => {
    const repo = sandbox.clone('a')
    await sync(open(join(repo, 'docs')), stateOf({ 'guide.md': 'f1' }))
    expect(ids(stored(repo, 'docs-openai'))).toEqual({ 'guide.md': 'f1' })
  })
})

describe('git helpers', () => {
  it('derives the default key from the root inside the repository', () => {
    expect(defaultStateKey('/repo', '/repo', 'openai')).toBe('root-openai')
    expect(defaultStateKey('/repo/docs/site', '/repo', 'postgres')).toBe('docs/site-postgres')
  })

  it('checks ref names as git does', () => {
    for (const ok of ['refs/heads/vectornator-metadata', 'refs/heads/a/b.c', 'refs/remotes/origin/x-y_z'])
      expect(isValidRefName(ok)).toBe(true)
    for (const bad of [
      'refs/heads/a..b',
      'refs/heads/a b',
      'refs/heads/.x',
      'refs/heads/x.lock',
      'refs/heads/x/',
      'refs/heads//x',
      'refs/heads/x.',
      'refs/heads/a@{1}',
      'refs/heads/a~1',
      'refs/heads/a:b',
      'refs/heads/a*',
      'refs/heads/a\\b',
      '@',
    ]) {
      expect(isValidRefName(bad), bad).toBe(false)
    }
  })

  it('rejects a bad branch, remote or key when created, before any git command', () => {
    expect(() => createGitBranchStore({ cwd: '/nowhere', key: 'k', branch: 'a..b' })).toThrow(/metadata\.branch/)
    expect(() => createGitBranchStore({ cwd: '/nowhere', key: 'k', remote: '--upload-pack=x' })).toThrow(
      /metadata\.remote/,
    )
    expect(() => createGitBranchStore({ cwd: '/nowhere', key: '' })).toThrow(UsageError)
  })

  it('encodes keys as one safe folder name, one-to-one', () => {
    expect(encodeKey('docs-openai')).toBe('docs-openai')
    expect(encodeKey('docs/site-openai')).toBe('docs%2Fsite-openai')
    expect(encodeKey('docs%2Fsite-openai')).toBe('docs%252Fsite-openai')
    expect(encodeKey('.git')).toBe('%2Egit')
    expect(encodeKey('..')).toBe('%2E.')
    expect(() => encodeKey('')).toThrow(UsageError)
  })

  gitTest('tells a work tree from other folders', async ({ sandbox }) => {
    const repo = sandbox.clone('a')
    expect(await isGitRepo(join(repo, 'docs'))).toBe(true)
    expect(await isGitRepo(sandbox.dir)).toBe(false)
    expect(await isGitRepo(join(sandbox.dir, 'missing'))).toBe(false)
    expect(await gitTopLevel(join(repo, 'docs'))).toBe(git(repo, ['rev-parse', '--show-toplevel']).trim())
    await expect(gitTopLevel(sandbox.dir)).rejects.toBeInstanceOf(UsageError)
  })
})
