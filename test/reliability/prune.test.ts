import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { sync } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import { runCli } from '../helpers/cli'
import { makeTree } from '../helpers/tree'
import { byHand, loadState, statePath } from './remote'
import { uploadName } from '../../src/providers/openai-files'

let server: OpenAIServer
let hand: ReturnType<typeof byHand>
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 2 })
  hand = byHand(server)
})
afterAll(() => server.close())

const env = () => ({ OPENAI_API_KEY: 'sk-prune-test', OPENAI_BASE_URL: server.url, VECTORNATOR_STORE_ID: undefined })
const run = (root: string, ...args: string[]) => runCli([...args, '--metadata', 'file'], { cwd: root, env: env() })
const coreSync = (root: string) =>
  sync({
    root,
    provider: 'openai',
    apiKey: 'sk-prune-test',
    baseURL: server.url,
    metadata: 'file',
    logger: silentLogger,
  })
const docs = { 'docs/a.md': '# Alpha\n\nfirst', 'docs/b.md': '# Beta\n\nsecond', 'guide.md': '# Guide\n\nthird' }

describe('vectornator prune', () => {
  it('deletes what this tool created and nothing tracks, never what it did not create; --dry-run deletes nothing', async () => {
    const root = makeTree(docs)
    const { storeId } = await coreSync(root)
    const state = loadState(root)
    const stateText = readFileSync(statePath(root), 'utf8')

    const leftover = await hand.attachAsVectornator(storeId, 'docs/removed.md', '# Removed\n\nold')
    const duplicate = await hand.attachAsVectornator(storeId, 'guide.md', docs['guide.md'])
    const orphan = await hand.upload(uploadName('docs/a.md', storeId), 'an upload a killed run never attached')
    // Named as this tool names uploads, for another store (another project in the account): not ours.
    const othersUpload = await hand.upload(
      uploadName('docs/a.md', 'vs_anotherProjectsStore'),
      "another project's upload",
    )
    // Not this tool's: a document attached by hand without its attributes, File objects under other names.
    const foreignDoc = await hand.attach(storeId, 'policy.md', '# Policy\n\nattached by hand')
    const foreignPartial = await hand.attach(storeId, 'tagged.md', '# Tagged\n\nhas a path but no sha256', {
      path: 'tagged.md',
    })
    const foreignObject = await hand.upload('notes.md', 'uploaded by hand')
    const foreignOther = await hand.upload('report.txt', 'another app')
    const countBefore = { files: server.files().length, docs: server.vectorStoreFiles(storeId).length }

    const dry = await run(root, 'prune', '--dry-run', '--json')
    expect(dry.code, dry.stderr).toBe(0)
    const planned = JSON.parse(dry.stdout)
    expect(planned).toMatchObject({ storeId, dryRun: true, deleted: 0, failed: [] })
    expect(planned.documents.map((d: { fileId: string }) => d.fileId).sort()).toEqual([leftover, duplicate].sort())
    expect(planned.fileObjects.map((o: { fileId: string }) => o.fileId)).toEqual([orphan])
    expect({ files: server.files().length, docs: server.vectorStoreFiles(storeId).length }).toEqual(countBefore)
    const human = await run(root, 'prune', '--dry-run')
    expect(human.stdout).toContain('would delete 3 (2 untracked documents, 1 unattached file objects)')

    const pruned = await run(root, 'prune', '--json')
    expect(pruned.code, pruned.stderr).toBe(0)
    expect(JSON.parse(pruned.stdout)).toMatchObject({ dryRun: false, deleted: 3, failed: [] })
    const files = new Set(server.files().map(f => f.id))
    for (const gone of [leftover, duplicate, orphan]) expect(files.has(gone)).toBe(false)
    for (const kept of [
      foreignDoc,
      foreignPartial,
      foreignObject,
      foreignOther,
      othersUpload,
      ...Object.values(state.files).map(f => f.fileId),
    ])
      expect(files.has(kept)).toBe(true)
    expect(
      server
        .vectorStoreFiles(storeId)
        .map(f => f.id)
        .sort(),
    ).toEqual([foreignDoc, foreignPartial, ...Object.values(state.files).map(f => f.fileId)].sort())
    expect(readFileSync(statePath(root), 'utf8')).toBe(stateText)

    const again = await run(root, 'prune')
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('nothing to prune')
  })

  it('refuses to run without a readable state (exit 2): every document would look untracked', async () => {
    const root = makeTree(docs)
    const { storeId } = await coreSync(root)
    const count = server.vectorStoreFiles(storeId).length
    writeFileSync(statePath(root), '{ not json')
    const corrupt = await runCli(['prune', '--metadata', 'file', '--store', storeId], { cwd: root, env: env() })
    expect(corrupt.code).toBe(2)
    expect(corrupt.stderr).toMatch(/corrupt.*verify --repair/)
    const none = await runCli(['prune', '--metadata', 'file', '--store', storeId], { cwd: makeTree(docs), env: env() })
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(
      /there is no sync state in .*prune would delete every document: run `vectornator verify --repair --store ID`/,
    )
    expect(server.vectorStoreFiles(storeId)).toHaveLength(count)
  })
})
