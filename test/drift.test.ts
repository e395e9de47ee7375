import { createHash } from 'node:crypto'
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { sync } from '../src'
import { silentLogger } from '../src/lib/logger'
import type { VectornatorOptions } from '../src/types'
import { runCli } from './helpers/cli'
import { makeTree, pages, writeTree } from './helpers/tree'

// A store changed behind the tool's back, as a user would do it: in the console (here the API
// through the real SDK), or by deleting the embedded store's folder. The next sync must never
// call such a store "unchanged".
let server: OpenAIServer
let client: OpenAI
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 2 })
  client = new OpenAI({ apiKey: 'test', baseURL: server.url })
})
afterAll(() => server.close())

const opts = (root: string, extra: VectornatorOptions = {}): VectornatorOptions => ({
  root,
  provider: 'openai',
  apiKey: 'test',
  baseURL: server.url,
  metadata: 'file',
  logger: silentLogger,
  ...extra,
})
const env = () => ({ OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url })

async function storePaths(storeId: string): Promise<string[]> {
  const paths: string[] = []
  for await (const f of client.vectorStores.files.list(storeId, { limit: 100 })) {
    expect(f.status).toBe('completed')
    paths.push(String(f.attributes?.path))
  }
  return paths.sort()
}

describe("a store changed behind the tool's back (OpenAI)", { timeout: 120_000 }, () => {
  it('a deleted store is never "unchanged": the sync fails naming --new-store, which uploads everything into a new store', async () => {
    const root = makeTree(pages(5))
    const first = await runCli(['sync', '--json', '--provider', 'openai', '--metadata', 'file'], {
      cwd: root,
      env: env(),
    })
    expect(first.code, first.stderr).toBe(0)
    const storeId = JSON.parse(first.stdout).storeId
    const oldFiles = server.vectorStoreFiles(storeId).map(f => f.id)
    await client.vectorStores.delete(storeId)

    const again = await runCli(['sync', '--provider', 'openai', '--metadata', 'file'], { cwd: root, env: env() })
    expect(again.code).toBe(2)
    expect(again.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(
        `openai store ${storeId} named by the sync state no longer exists .*run \`vectornator sync --new-store\` to create a new store and upload every document`,
      ),
    )

    const renewed = await runCli(['sync', '--new-store', '--json', '--provider', 'openai', '--metadata', 'file'], {
      cwd: root,
      env: env(),
    })
    expect(renewed.code, renewed.stderr).toBe(0)
    const result = JSON.parse(renewed.stdout)
    expect(result.storeId).not.toBe(storeId)
    expect(result.added).toHaveLength(5)
    expect(await storePaths(result.storeId)).toEqual(Object.keys(pages(5)).sort())
    // The old store's File objects, billed and attached to nothing, are gone.
    expect(server.files().filter(f => oldFiles.includes(f.id))).toEqual([])
    // And the sync after it is a no-op again.
    const noop = await runCli(['sync', '--json', '--provider', 'openai', '--metadata', 'file'], {
      cwd: root,
      env: env(),
    })
    expect(JSON.parse(noop.stdout)).toMatchObject({ storeId: result.storeId, added: [], unchanged: 5 })
  })

  it('an emptied store, a file detached and one deleted by hand, one stuck failed, attributes edited: the next sync repairs each and the store equals the tree', async () => {
    const root = makeTree(pages(8))
    const first = await sync(opts(root))
    const storeId = first.storeId
    const byPath = new Map(server.vectorStoreFiles(storeId).map(f => [String(f.attributes?.path), f.id]))

    await client.vectorStores.files.delete(byPath.get('docs/page-001.md')!, { vector_store_id: storeId })
    await client.files.delete(byPath.get('docs/page-002.md')!)
    await client.vectorStores.files.update(byPath.get('docs/page-003.md')!, {
      vector_store_id: storeId,
      attributes: { path: 'docs/page-003.md', sha256: 'edited', title: 'Edited by hand' },
    })
    const repaired = await sync(opts(root))
    expect(repaired.repaired).toEqual(['docs/page-001.md', 'docs/page-002.md', 'docs/page-003.md'])
    expect(repaired.added.sort()).toEqual(['docs/page-001.md', 'docs/page-002.md'])
    expect(await storePaths(storeId)).toEqual(Object.keys(pages(8)).sort())
    const page3 = server.vectorStoreFiles(storeId).find(f => f.attributes?.path === 'docs/page-003.md')!
    expect(page3.attributes).toMatchObject({ title: 'Page 003' })
    expect(page3.attributes?.sha256).toMatch(/^[0-9a-f]{64}$/)

    // Emptied: every file detached. The next sync uploads them all again.
    for (const f of server.vectorStoreFiles(storeId))
      await client.vectorStores.files.delete(f.id, { vector_store_id: storeId })
    const refilled = await sync(opts(root))
    expect(refilled.added).toHaveLength(8)
    expect(await storePaths(storeId)).toEqual(Object.keys(pages(8)).sort())
    expect((await sync(opts(root))).unchanged).toBe(8)
  })

  // A no-op's one request is sent before the scan, from the summary of the last sync. When the
  // scan then finds work, that early answer must not stand in for the full sync's own checks.
  it('a document edited while another was detached by hand: the sync updates one and repairs the other', async () => {
    const root = makeTree(pages(6))
    const first = await sync(opts(root))
    const storeId = first.storeId
    const byPath = new Map(server.vectorStoreFiles(storeId).map(f => [String(f.attributes?.path), f.id]))
    await client.vectorStores.files.delete(byPath.get('docs/page-001.md')!, { vector_store_id: storeId })
    writeTree(root, { 'docs/page-004.md': '# Page 004\n\nRewritten while the store was edited.\n' })

    const result = await sync(opts(root))
    expect(result.updated).toEqual(['docs/page-004.md'])
    expect(result.repaired).toEqual(['docs/page-001.md'])
    expect(await storePaths(storeId)).toEqual(Object.keys(pages(6)).sort())
    const edited = readFileSync(join(root, 'docs/page-004.md'))
    expect(
      server.vectorStoreFiles(storeId).find(f => f.attributes?.path === 'docs/page-004.md')!.attributes?.sha256,
    ).toBe(createHash('sha256').update(edited).digest('hex'))
    expect((await sync(opts(root))).unchanged).toBe(6)
  })

  it('a deleted store and an edited document: the sync fails naming --new-store, and changes nothing', async () => {
    const root = makeTree(pages(4))
    const first = await sync(opts(root))
    await client.vectorStores.delete(first.storeId)
    writeTree(root, { 'docs/page-002.md': '# Page 002\n\nEdited after the store was deleted.\n' })
    const uploads = server.files().length
    const state = readFileSync(join(root, '.vectornator', 'metadata.json'), 'utf8')

    await expect(sync(opts(root))).rejects.toThrow(/no longer exists .*--new-store/)
    expect(server.files().length).toBe(uploads)
    expect(readFileSync(join(root, '.vectornator', 'metadata.json'), 'utf8')).toBe(state)
  })

  it('a file the store failed is found by the counts, removed and uploaded again', async () => {
    const root = makeTree(pages(4))
    const first = await sync(opts(root))
    const storeId = first.storeId
    // Replaced by hand with a file the store cannot read: attached, then failed.
    const target = server.vectorStoreFiles(storeId).find(f => f.attributes?.path === 'docs/page-002.md')!
    await client.vectorStores.files.delete(target.id, { vector_store_id: storeId })
    const broken = await client.files.create({
      file: new File([Buffer.from([0xff, 0xfe, 0x00, 0x81])], 'docs__page-002.md'),
      purpose: 'assistants',
    })
    const attached = await client.vectorStores.files.createAndPoll(storeId, {
      file_id: broken.id,
      attributes: target.attributes ?? {},
    })
    // The state still names the old id; give the broken file that id's place in the state.
    const statePath = join(root, '.vectornator', 'metadata.json')
    const state = JSON.parse(readFileSync(statePath, 'utf8'))
    state.files['docs/page-002.md'].fileId = attached.id
    writeFileSync(statePath, JSON.stringify(state, null, 2))
    expect((await client.vectorStores.retrieve(storeId)).file_counts.failed).toBe(1)
    const again = await sync(opts(root))
    expect(again.repaired).toEqual(['docs/page-002.md'])
    expect(again.added).toEqual(['docs/page-002.md'])
    expect(await storePaths(storeId)).toEqual(Object.keys(pages(4)).sort())
  })
})

describe("a store changed behind the tool's back (embedded postgres)", () => {
  it('a deleted store folder is found by the no-op without opening the database, and the next sync rebuilds it (as does --new-store)', async () => {
    const root = makeTree(pages(3))
    const run = (...args: string[]) =>
      runCli([...args, '--metadata', 'file', '--provider', 'postgres'], { cwd: root, env: { OPENAI_API_KEY: '' } })
    const first = await run('sync', '--json')
    expect(first.code, first.stderr).toBe(0)
    // The counts a no-op compares, kept beside the database the sync closed (see postgres/status.ts).
    expect(
      JSON.parse(readFileSync(join(root, '.vectornator', 'store', 'vectornator-status.json'), 'utf8')).stores[
        JSON.parse(first.stdout).storeId
      ],
    ).toMatchObject({ files: 3, completed: 3 })
    // The no-op never opens the database: with its data files moved away it still answers.
    renameSync(join(root, '.vectornator', 'store', 'base'), join(root, '.vectornator', 'base.moved'))
    const noop = await run('sync', '--json')
    expect(noop.code, noop.stderr).toBe(0)
    expect(JSON.parse(noop.stdout)).toMatchObject({ added: [], unchanged: 3 })
    renameSync(join(root, '.vectornator', 'base.moved'), join(root, '.vectornator', 'store', 'base'))
    rmSync(join(root, '.vectornator', 'store'), { recursive: true, force: true })
    // The embedded store lives on this machine only: a state naming one that is gone builds it again.
    const gone = await run('sync', '--json')
    expect(gone.code, gone.stderr).toBe(0)
    expect(gone.stderr).toMatch(
      /names embedded store \S+, which is not on this machine \(deleted, or synced on another one\): building this machine's own/,
    )
    expect(JSON.parse(gone.stdout).added).toHaveLength(3)
    const renewed = await run('sync', '--new-store', '--json')
    expect(renewed.code, renewed.stderr).toBe(0)
    expect(JSON.parse(renewed.stdout).added).toHaveLength(3)
    expect(JSON.parse((await run('sync', '--json')).stdout)).toMatchObject({ added: [], unchanged: 3 })
  }, 120_000)
})

describe("a store changed behind the tool's back (the default embedded LanceDB)", () => {
  it('a document deleted by another program is repaired; a dropped table and a deleted folder are rebuilt', async () => {
    const root = makeTree(pages(3))
    const run = (...args: string[]) =>
      runCli([...args, '--metadata', 'file'], { cwd: root, env: { OPENAI_API_KEY: '', DATABASE_URL: '' } })
    const first = await run('sync', '--json')
    expect(first.code, first.stderr).toBe(0)
    const storeId = JSON.parse(first.stdout).storeId as string
    expect(storeId).toMatch(/^lds_/)
    const dir = join(root, '.vectornator', 'lancedb')
    // The counts a no-op compares, kept beside the table with its version (see lancedb/status.ts).
    expect(JSON.parse(readFileSync(join(dir, 'vectornator-status.json'), 'utf8')).tables[storeId].status).toMatchObject(
      { files: 3 },
    )

    // Another program deletes a document: a new table version, so the no-op reads the table and repairs it.
    const lancedb = await import('@lancedb/lancedb')
    const db = await lancedb.connect(dir)
    await (await db.openTable(storeId)).delete(`path = 'docs/page-002.md'`)
    const repaired = await run('sync', '--json')
    expect(repaired.code, repaired.stderr).toBe(0)
    expect(JSON.parse(repaired.stdout)).toMatchObject({ repaired: ['docs/page-002.md'], added: ['docs/page-002.md'] })
    expect(JSON.parse((await run('sync', '--json')).stdout)).toMatchObject({ added: [], unchanged: 3 })

    // The table dropped, then the whole folder deleted: each time the next sync builds the store again.
    await db.dropTable(storeId)
    db.close()
    for (const change of ['dropped', 'deleted']) {
      if (change === 'deleted') rmSync(dir, { recursive: true, force: true })
      const rebuilt = await run('sync', '--json')
      expect(rebuilt.code, rebuilt.stderr).toBe(0)
      expect(rebuilt.stderr).toMatch(
        /names embedded store lds_\w+, which is not on this machine \(deleted, or synced on another one\): building this machine's own/,
      )
      expect(JSON.parse(rebuilt.stdout).added).toHaveLength(3)
      expect(JSON.parse((await run('sync', '--json')).stdout)).toMatchObject({ added: [], unchanged: 3 })
    }
  }, 120_000)
})
