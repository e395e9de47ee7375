import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { sync as coreSync } from '../../src'
import { createVectornator } from '../../src/core/sync'
import { silentLogger } from '../../src/lib/logger'
import type { VectornatorOptions } from '../../src/types'

const verify = (options: VectornatorOptions, how: { repair?: boolean } = {}) => createVectornator(options).verify(how)
import { runCli } from '../helpers/cli'
import { sha256 } from './helpers'
import { uploadName } from '../../src/providers/openai-files'
import { makeTree } from '../helpers/tree'
import { byHand, loadState, statePath } from './remote'

let server: OpenAIServer
let hand: ReturnType<typeof byHand>
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 2 })
  hand = byHand(server)
})
afterAll(() => server.close())

const env = (extra: Record<string, string | undefined> = {}) => ({
  OPENAI_API_KEY: 'sk-verify-test',
  OPENAI_BASE_URL: server.url,
  VECTORNATOR_STORE_ID: undefined,
  ...extra,
})
const cli = (root: string, ...args: string[]) => runCli([...args, '--metadata', 'file'], { cwd: root, env: env() })
const json = async (root: string, ...args: string[]) => {
  const run = await cli(root, ...args, '--json')
  return { code: run.code, stderr: run.stderr, out: run.stdout ? JSON.parse(run.stdout) : undefined }
}
const docs = {
  'docs/a.md': '# Alpha\n\nfirst page',
  'docs/b.md': '# Beta\n\nsecond page',
  'docs/c.md': '# Gamma\n\nthird page',
  'docs/d.md': '# Delta\n\nfourth page',
}
const options = (root: string) => ({
  root,
  provider: 'openai' as const,
  apiKey: 'sk-verify-test',
  baseURL: server.url,
  metadata: 'file' as const,
  logger: silentLogger,
})
/** The core, in this process, where the CLI is not what is tested (saves a child process). */
const core = {
  sync: async (root: string) => ({ code: 0, out: await coreSync(options(root)) }),
  verify: async (root: string) => {
    const out = await verify(options(root))
    return { code: out.drift ? 1 : 0, out }
  },
}
const pathsIn = (storeId: string) => server.vectorStoreFiles(storeId).map(f => f.attributes.path as string | undefined)

describe('vectornator verify', () => {
  it('reports each kind of drift (exit 1), and --repair converges state and store without touching what it did not write', async () => {
    const root = makeTree(docs)
    const synced = await core.sync(root)
    expect(synced.code).toBe(0)
    const storeId: string = synced.out.storeId
    const clean = await core.verify(root)
    expect(clean.code).toBe(0)
    expect(clean.out).toMatchObject({
      storeId,
      state: 'ok',
      tracked: 4,
      remote: 4,
      drift: false,
      missing: [],
      untracked: [],
      orphanFileObjects: [],
    })

    const state = loadState(root)
    await hand.remove(storeId, state.files['docs/d.md']!.fileId) // missing
    await hand.client.vectorStores.files.update(state.files['docs/c.md']!.fileId, {
      vector_store_id: storeId,
      attributes: { path: 'docs/c.md', sha256: 'f'.repeat(64) },
    }) // stale
    const duplicate = await hand.attachAsVectornator(storeId, 'docs/a.md', docs['docs/a.md']) // a second copy
    const leftover = await hand.attachAsVectornator(storeId, 'docs/gone.md', '# Gone\n\nold page') // nothing tracks it
    server.setFaults({
      failFile: f => (f.filename.startsWith('docs__e.') ? 'The file could not be parsed.' : undefined),
    })
    const failedCopy = await hand.attachAsVectornator(storeId, 'docs/e.md', '# E\n\nbroken')
    server.setFaults({})
    const orphan = await hand.upload(uploadName('docs/b.md', storeId), 'an upload never attached')
    // The same path uploaded for another store (another project in the account): never this store's orphan.
    const othersUpload = await hand.upload(
      uploadName('docs/b.md', 'vs_anotherProjectsStore'),
      "another project's upload",
    )
    const foreignDoc = await hand.attach(storeId, 'handbook.md', '# Handbook\n\nwritten by hand') // no attributes
    const foreignObject = await hand.upload('notes.txt', 'a file of another tool')
    const foreignNamedLikeUs = await hand.upload('readme-of-another-app.md', 'not ours')

    const report = await json(root, 'verify')
    expect(report.code).toBe(1)
    expect(report.out).toMatchObject({
      drift: true,
      state: 'ok',
      tracked: 4,
      foreign: 1,
      missing: [{ path: 'docs/d.md' }],
      stale: [{ path: 'docs/c.md', remoteSha256: 'f'.repeat(64) }],
      failed: [],
      orphanFileObjects: [{ fileId: orphan, filename: uploadName('docs/b.md', storeId) }],
    })
    expect(report.out.untracked).toEqual([
      expect.objectContaining({ path: 'docs/a.md', fileId: duplicate, duplicate: true, status: 'completed' }),
      expect.objectContaining({ path: 'docs/e.md', fileId: failedCopy, duplicate: false, status: 'failed' }),
      expect.objectContaining({ path: 'docs/gone.md', fileId: leftover, duplicate: false }),
    ])
    const human = await cli(root, 'verify')
    expect(human.code).toBe(1)
    expect(human.stdout).toContain('missing   docs/d.md')
    expect(human.stdout).toContain('untracked docs/a.md')
    expect(human.stdout).toContain('run `vectornator verify --repair`')

    const repaired = await json(root, 'verify', '--repair')
    expect(repaired.code, repaired.stderr).toBe(0)
    expect(repaired.out.repaired).toMatchObject({
      stateRebuilt: false,
      forgotten: ['docs/c.md', 'docs/d.md'],
      adopted: ['docs/c.md', 'docs/gone.md'],
    })
    expect(repaired.out.repaired.deletedDocuments.sort()).toEqual([duplicate, failedCopy].sort())
    expect(repaired.out.repaired.deletedFileObjects).toEqual([orphan])
    expect(repaired.out.after).toMatchObject({ drift: false, foreign: 1 })
    // What it did not write is still there.
    const ids = new Set(server.files().map(f => f.id))
    for (const id of [foreignDoc, foreignObject, foreignNamedLikeUs, othersUpload]) expect(ids.has(id)).toBe(true)
    expect(server.vectorStoreFiles(storeId).some(f => f.id === foreignDoc)).toBe(true)

    // The next sync uploads what the store lacked and removes what the disk lacks.
    const after = await core.sync(root)
    expect(after.out).toMatchObject({
      added: ['docs/d.md'],
      updated: ['docs/c.md'],
      deleted: ['docs/gone.md'],
      failed: [],
    })
    expect((await core.verify(root)).code).toBe(0)
    expect(pathsIn(storeId).sort()).toEqual([...Object.keys(docs), undefined].sort())
  })

  it('rebuilds a corrupt state from the store alone with --repair (keeping the newest copy of each path), and replaces it only then', async () => {
    const root = makeTree(docs)
    const {
      out: { storeId },
    } = await core.sync(root)
    const older = loadState(root).files['docs/a.md']!.fileId
    const newer = await hand.attachAsVectornator(storeId, 'docs/a.md', docs['docs/a.md'])
    const corrupt = `{"storeId": "${storeId}", "files": {`
    writeFileSync(statePath(root), corrupt)

    const sync = await cli(root, 'sync')
    expect(sync.code).toBe(2)
    expect(sync.stderr).toMatch(/corrupt.*verify --repair/)
    const report = await json(root, 'verify')
    expect(report.code).toBe(1)
    expect(report.out).toMatchObject({ state: 'corrupt', drift: true, tracked: 0, remote: 5 })
    expect(readFileSync(statePath(root), 'utf8')).toBe(corrupt)

    const repaired = await json(root, 'verify', '--repair')
    expect(repaired.code, repaired.stderr).toBe(0)
    expect(repaired.out.repaired).toMatchObject({
      stateRebuilt: true,
      adopted: Object.keys(docs),
      deletedDocuments: [older],
    })
    expect(readFileSync(repaired.out.repaired.backup, 'utf8')).toBe(corrupt)
    expect(loadState(root).files['docs/a.md']!.fileId).toBe(newer)
    expect(pathsIn(storeId).sort()).toEqual(Object.keys(docs))

    // Nothing is uploaded again: the rebuilt state matches the documents.
    const before = server.stats.byRoute['POST /files'] ?? 0
    const next = await core.sync(root)
    expect(next.out).toMatchObject({ added: [], updated: [], deleted: [], unchanged: 4 })
    expect(server.stats.byRoute['POST /files'] ?? 0).toBe(before)
  })

  it('a lost state: sync refuses to upload everything twice, verify --repair --store rebuilds it', async () => {
    const root = makeTree(docs)
    const {
      out: { storeId },
    } = await core.sync(root)
    rmSync(statePath(root))

    const uploads = server.stats.byRoute['POST /files'] ?? 0
    const refused = await runCli(['sync', '--metadata', 'file', '--store', storeId], { cwd: root, env: env() })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(
      new RegExp(
        `store ${storeId} already holds 4 documents synced by vectornator, but there is no sync state in \\.vectornator/metadata\\.json: run \`vectornator verify --repair\``,
      ),
    )
    expect(server.stats.byRoute['POST /files'] ?? 0).toBe(uploads)
    expect(existsSync(statePath(root))).toBe(false)

    const noStore = await cli(root, 'verify', '--repair')
    expect(noStore.code).toBe(2)
    expect(noStore.stderr).toMatch(/there is no sync state in .* to verify: pass the store with --store/)

    const rebuilt = await runCli(['verify', '--repair', '--json', '--metadata', 'file', '--store', storeId], {
      cwd: root,
      env: env(),
    })
    expect(rebuilt.code, rebuilt.stderr).toBe(0)
    expect(JSON.parse(rebuilt.stdout).repaired).toMatchObject({ stateRebuilt: true, adopted: Object.keys(docs) })
    expect((await core.sync(root)).out).toMatchObject({ storeId, added: [], unchanged: 4 })
    expect(readdirSync(join(root, '.vectornator')).filter(f => f.includes('corrupt'))).toEqual([])
  })

  it("reports a tracked document the store failed and an interrupted sync's journal; --repair settles and forgets them", async () => {
    const root = makeTree({ 'docs/a.md': docs['docs/a.md'], 'docs/b.md': docs['docs/b.md'] })
    const {
      out: { storeId },
    } = await core.sync(root)
    server.setFaults({
      failFile: f => (f.filename.startsWith('docs__e.') ? 'The file could not be parsed.' : undefined),
    })
    const failed = await hand.attachAsVectornator(storeId, 'docs/e.md', '# E\n\nbroken')
    server.setFaults({})
    const state = loadState(root)
    const b = state.files['docs/b.md']!
    state.files['docs/e.md'] = {
      ...b,
      fileId: failed,
      hash: `sha256:${sha256('# E\n\nbroken')}`,
      metadata: { ...b.metadata, path: 'docs/e.md' },
    }
    state.journal = [{ op: 'delete', path: 'docs/b.md', fileId: b.fileId, at: new Date().toISOString() }]
    writeFileSync(statePath(root), JSON.stringify(state))

    const report = await verify(options(root))
    expect(report).toMatchObject({
      drift: true,
      journal: 1,
      failed: [{ path: 'docs/e.md', fileId: failed, status: 'failed', error: 'The file could not be parsed.' }],
    })
    const repaired = await verify(options(root), { repair: true })
    // The interrupted deletion of docs/b.md is finished; the failed document is forgotten and deleted.
    expect(repaired.repaired).toMatchObject({ settled: 1, forgotten: ['docs/e.md'], deletedDocuments: [failed] })
    expect(repaired.after).toMatchObject({ drift: false, journal: 0, tracked: 1 })
    expect(pathsIn(storeId)).toEqual(['docs/a.md'])
    expect(loadState(root).journal).toBeUndefined()
    expect(Object.keys(loadState(root).files)).toEqual(['docs/a.md'])
  })
})
