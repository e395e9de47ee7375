import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sync } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import { createOpenAIProvider } from '../../src/providers/openai'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { runCli } from '../helpers/cli'
import { makeTree, writeTree } from '../helpers/tree'
import { loadState, statePath } from './remote'

let server: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 2 })
})
afterAll(() => server.close())

const env = () => ({ OPENAI_API_KEY: 'sk-failures-test', OPENAI_BASE_URL: server.url, VECTORNATOR_STORE_ID: undefined })
const cli = async (root: string, ...args: string[]) => {
  const run = await runCli([...args, '--json', '--metadata', 'file'], { cwd: root, env: env() })
  return { ...run, out: run.stdout ? JSON.parse(run.stdout) : undefined }
}
const opts = (root: string) => ({
  root,
  provider: 'openai' as const,
  apiKey: 'sk-failures-test',
  baseURL: server.url,
  metadata: 'file' as const,
  logger: silentLogger,
})

describe('failures: what the user sees, and what does not change', () => {
  it('a document the store fails: its reason, exit 1, the previous version kept and tracked, retried by the next run', async () => {
    const root = makeTree({ 'guide.md': '# Guide\n\nThe first version.\n', 'other.md': '# Other\n\nfine' })
    const first = await cli(root, 'sync')
    expect(first.code).toBe(0)
    const { storeId } = first.out
    const before = loadState(root).files['guide.md']!
    // Text the store cannot parse (a NUL byte after the first 8 KiB, which the scanner does not look at).
    writeTree(root, {
      'guide.md': Buffer.concat([
        Buffer.from(`# Guide\n\n${'words '.repeat(2000)}`),
        Buffer.from([0]),
        Buffer.from('\nthe end\n'),
      ]),
    })
    const objects = server.files().length

    for (let attempt = 0; attempt < 2; attempt++) {
      const run = await cli(root, 'sync')
      expect(run.code).toBe(1)
      expect(run.out.failed).toEqual([
        { path: 'guide.md', error: expect.stringContaining('could not be parsed as text') },
      ])
      expect(run.stderr).toMatch(/failed guide\.md: .*could not be parsed as text/)
      // Unchanged: the stored version, its place in the state, the File objects.
      expect(loadState(root).files['guide.md']).toEqual(before)
      expect(server.vectorStoreFiles(storeId).map(f => f.id)).toContain(before.fileId)
      expect(server.files()).toHaveLength(objects)
    }
    writeTree(root, { 'guide.md': '# Guide\n\nThe second version.\n' })
    const fixed = await cli(root, 'sync')
    expect(fixed.code).toBe(0)
    expect(fixed.out).toMatchObject({ updated: ['guide.md'], failed: [] })
  })

  it('empty, binary and too-large files: a warning, exit 0, never uploaded; a synced document that becomes one is removed', async () => {
    const root = makeTree({
      'vectornator.config.json': JSON.stringify({ maxFileSize: 4000 }),
      'docs/ok.md': '# OK\n\nfine',
      'docs/later-empty.md': '# Soon empty\n\ntext',
      'docs/empty.md': '',
      'docs/binary.txt': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]),
      'docs/huge.md': `# Huge\n\n${'x'.repeat(5000)}`,
    })
    const first = await cli(root, 'sync')
    expect(first.code, first.stderr).toBe(0)
    expect(first.out.added).toEqual(['docs/later-empty.md', 'docs/ok.md'])
    expect(first.out.skipped).toEqual([
      { path: 'docs/binary.txt', reason: 'binary' },
      { path: 'docs/empty.md', reason: 'empty' },
      { path: 'docs/huge.md', reason: "larger than the store's limit (5008 > 4000 bytes)" },
    ])
    for (const line of [
      'skipped docs/empty.md: empty',
      'skipped docs/binary.txt: binary',
      "skipped docs/huge.md: larger than the store's limit",
    ])
      expect(first.stderr).toContain(line)
    expect(
      server
        .vectorStoreFiles(first.out.storeId)
        .map(f => f.attributes.path)
        .sort(),
    ).toEqual(['docs/later-empty.md', 'docs/ok.md'])

    writeTree(root, { 'docs/later-empty.md': '' })
    const second = await cli(root, 'sync')
    expect(second.code).toBe(0)
    expect(second.out).toMatchObject({ deleted: ['docs/later-empty.md'], unchanged: 1 })
  })

  it("two projects in one account with the same paths never touch each other's documents, even when uploads are retried", async () => {
    const docs = { 'index.md': '# Home\n\nWelcome.', 'guide.md': '# Guide\n\nSteps.', 'faq.md': '# FAQ\n\nAnswers.' }
    const faulty = await createOpenAIServer({ processingMs: 2 })
    try {
      const o = (root: string) => ({ ...opts(root), baseURL: faulty.url })
      const a = await sync(o(makeTree(docs)))
      // Every upload's first answer is lost after it was made: each is retried and its duplicate looked for.
      faulty.setFaults({ seed: 3, drop: 0.5, dropAfterApply: 1, maxFaultsPerRequest: 1 })
      await new Promise(r => setTimeout(r, 2000))
      const b = await sync(o(makeTree(docs)))
      faulty.setFaults({})
      expect(b.failed).toEqual([])
      expect(faulty.stats.faults).toBeGreaterThan(0)
      for (const result of [a, b])
        expect(
          faulty
            .vectorStoreFiles(result.storeId)
            .map(f => f.attributes.path)
            .sort(),
        ).toEqual(Object.keys(docs).sort())
      const attached = new Set([a, b].flatMap(r => faulty.vectorStoreFiles(r.storeId).map(f => f.id)))
      expect(faulty.files().filter(f => !attached.has(f.id))).toEqual([])
    } finally {
      await faulty.close()
    }
  })

  it("the API unreachable: the SDK's message, nothing recorded", async () => {
    const root = makeTree({ 'a.md': '# A\n\ntext' })
    const provider = createOpenAIProvider({
      apiKey: 'sk-failures-test',
      baseURL: 'http://127.0.0.1:1/v1',
      maxRetries: 0,
    })
    await expect(sync({ ...opts(root), provider })).rejects.toThrow(/Connection error/)
    expect(existsSync(statePath(root))).toBe(false)
  })

  it('a lost state with no store id: a new store is created, the old one is left as it was', async () => {
    const root = makeTree({ 'a.md': '# A\n\ntext', 'b.md': '# B\n\ntext' })
    const first = await sync(opts(root))
    const old = server.vectorStoreFiles(first.storeId).map(f => f.id)
    const { rmSync } = await import('node:fs')
    rmSync(statePath(root))
    const second = await sync(opts(root))
    expect(second.storeId).not.toBe(first.storeId)
    expect(second.added).toEqual(['a.md', 'b.md'])
    expect(server.vectorStoreFiles(first.storeId).map(f => f.id)).toEqual(old)
    expect(JSON.parse(readFileSync(join(root, '.vectornator', 'metadata.json'), 'utf8')).storeId).toBe(second.storeId)
  })
})
