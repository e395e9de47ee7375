import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVectornator, sync } from '../src'
import type { Logger } from '../src/lib/logger'
import type { VectornatorOptions } from '../src/types'
import { serveHub, tinyModel, writeModel, type FakeHub } from './helpers/tiny-model'
import { makeTree } from './helpers/tree'

// No model hub is reachable here, and no real model is downloaded: the models are tiny ones made
// by test/helpers/tiny-model.ts (a hand-encoded ONNX graph and a WordPiece tokenizer), served by
// a local HTTP server posing as the Hugging Face hub. Everything else is real: Transformers.js
// and ONNX Runtime on the CPU, the embedded PGlite with pgvector, the core's sync.

const V1 = tinyModel('tiny/words-v1', { seed: 1 })
const V2 = tinyModel('tiny/words-v2', { seed: 2 })

const SITE = {
  'going-live.md': '# Going live\n\nDeploy the site to your hosting server, and the domain is online.\n',
  'baking.md': '# Bread\n\nBake the dough in the oven: flour, a kitchen and a good recipe.\n',
  'pets.md': '# Dogs\n\nWalk the dog on a leash and feed the puppy.\n',
  'weather.md': '# Storms\n\nTake an umbrella when the forecast says rain and wind.\n',
}
/** Words of the publishing topic that no page holds: only vectors can tie them to going-live.md. */
const QUERY = 'publish website'

let hub: FakeHub
beforeAll(async () => {
  hub = await serveHub([V1, V2])
})
afterAll(() => hub.close())

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = []
  const push = (m: string) => void lines.push(m)
  return { lines, info: push, warn: push, error: push, debug() {} }
}

function opts(root: string, logger: Logger, extra: VectornatorOptions = {}): VectornatorOptions {
  return { root, provider: 'postgres', metadata: 'file', logger, ...extra }
}

async function search(options: VectornatorOptions, query: string) {
  const connection = await createVectornator(options).connect()
  try {
    const hits = await connection.provider.search!(query, { limit: 4 })
    return { paths: hits.map(h => h.path), notice: (connection.provider as { notice?: string }).notice }
  } finally {
    await connection.close()
  }
}

/** A sync's refusal, whether its options are refused at once (a throw) or later (a rejection). */
const attempt = (options: VectornatorOptions) => (async () => sync(options))()

/** A port nothing listens on: the hub of a machine that is offline. */
async function closedPort(): Promise<string> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => server.close(() => resolve()))
  return `http://127.0.0.1:${port}/`
}

const offLine = /^semantic search off: model tiny\/words-v1 is not cached and the hub is unreachable/

describe('the local embedder', () => {
  it('first use downloads the model through the hub into the cache, saying so in a few lines; the next sync embeds from the cache with the hub gone', async () => {
    const myHub = await serveHub([V1])
    const root = makeTree(SITE)
    const cacheDir = temp('vn-models-')
    const embedder = { model: V1.id, cacheDir, remoteHost: myHub.url }

    const log = recorder()
    const first = await sync(opts(root, log, { embedder }))
    expect(first.failed).toEqual([])
    expect(first.added).toHaveLength(4)
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'])
      expect(readFileSync(join(cacheDir, V1.id, file))).toEqual(V1.files[file])
    expect(myHub.requests).toContain(`GET /${V1.id}/resolve/main/onnx/model.onnx`)
    const said = log.lines.filter(l => l.includes(V1.id))
    expect(said[0]).toMatch(
      new RegExp(`^downloading model tiny/words-v1 \\(0\\.0 MB\\) from 127\\.0\\.0\\.1:\\d+ into ${cacheDir}$`),
    )
    expect(said.at(-1)).toBe(
      `model tiny/words-v1 is in ${cacheDir}: the next sync embeds every document for semantic search (this one is full-text only)`,
    )
    expect(said.length).toBeLessThanOrEqual(6)

    await myHub.close()
    const asked = myHub.requests.length
    const log2 = recorder()
    const second = await sync(opts(root, log2, { embedder }))
    expect(second.failed).toEqual([])
    expect(second.updated.sort()).toEqual(Object.keys(SITE).sort())
    expect(log2.lines).toContain('dimensions, embedder changed: 4 documents to re-index')
    expect(log2.lines.filter(l => l.includes('download'))).toEqual([])
    expect(myHub.requests).toHaveLength(asked)

    const found = await search(opts(root, recorder(), { embedder }), QUERY)
    expect(found.paths[0]).toBe('going-live.md')
    expect(found.notice).toBeUndefined()
  }, 180_000)

  it('related words find a page full-text search cannot; localModelPath loads the model with no hub and no cache', async () => {
    const models = temp('vn-local-models-')
    writeModel(models, V1)
    const cacheDir = temp('vn-empty-cache-')
    const embedder = { model: V1.id, localModelPath: models, cacheDir, remoteHost: await closedPort() }
    const root = makeTree(SITE)
    const asked = hub.requests.length

    const log = recorder()
    const result = await sync(opts(root, log, { embedder }))
    expect(result.failed).toEqual([])
    expect(result.added).toHaveLength(4)
    expect(log.lines.filter(l => /semantic search off|download/.test(l))).toEqual([])
    expect(readdirSync(cacheDir)).toEqual([])
    expect(hub.requests).toHaveLength(asked)

    for (const text of Object.values(SITE)) expect(text).not.toMatch(/publish|website/i)
    const semantic = await search(opts(root, recorder(), { embedder }), QUERY)
    expect(semantic.paths[0]).toBe('going-live.md')
    // The related words, not the store: the same query finds the page about bread when it speaks of baking.
    expect((await search(opts(root, recorder(), { embedder }), 'cook recipe')).paths[0]).toBe('baking.md')

    const plain = makeTree(SITE)
    expect((await sync(opts(plain, recorder(), { embed: false }))).added).toHaveLength(4)
    const fullText = await search(opts(plain, recorder(), { embed: false }), QUERY)
    expect(fullText.paths).not.toContain('going-live.md')
  }, 180_000)

  it('no hub and no cache: full-text search with one line saying why, the sync succeeds; once the model is on disk the next sync embeds', async () => {
    const root = makeTree(SITE)
    const cacheDir = temp('vn-offline-cache-')
    const embedder = { model: V1.id, cacheDir, remoteHost: await closedPort() }

    const log = recorder()
    const result = await sync(opts(root, log, { embedder }))
    expect(result.failed).toEqual([])
    expect(result.added).toHaveLength(4)
    expect(log.lines.filter(l => offLine.test(l))).toHaveLength(1)
    expect(log.lines.find(l => offLine.test(l))).toMatch(
      /; full-text search only \(set embedder\.localModelPath for offline use\)$/,
    )
    expect(log.lines.filter(l => /semantic|model/.test(l))).toHaveLength(1)
    expect(existsSync(join(cacheDir, V1.id))).toBe(false)

    const offline = await search(opts(root, recorder(), { embedder }), 'oven dough')
    expect(offline.paths[0]).toBe('baking.md')
    expect(offline.notice).toMatch(/^semantic search off: model tiny\/words-v1 is not cached; full-text search only/)
    expect((await search(opts(root, recorder(), { embedder }), QUERY)).paths).not.toContain('going-live.md')

    // The model arrives (a copied cache folder, or a later run that reached the hub).
    writeModel(cacheDir, V1)
    const log2 = recorder()
    const next = await sync(opts(root, log2, { embedder }))
    expect(next.updated.sort()).toEqual(Object.keys(SITE).sort())
    expect(log2.lines).toContain('dimensions, embedder changed: 4 documents to re-index')
    expect((await search(opts(root, recorder(), { embedder }), QUERY)).paths[0]).toBe('going-live.md')
  }, 180_000)

  it('changing the model re-embeds every document on the next sync, and only then', async () => {
    const models = temp('vn-two-models-')
    writeModel(models, V1)
    writeModel(models, V2)
    const root = makeTree(SITE)
    const using = (model: string) => ({ embedder: { model, localModelPath: models } })

    expect((await sync(opts(root, recorder(), using(V1.id)))).added).toHaveLength(4)
    const log = recorder()
    const changed = await sync(opts(root, log, using(V2.id)))
    expect(changed.updated.sort()).toEqual(Object.keys(SITE).sort())
    expect(log.lines).toContain('embedder changed: 4 documents to re-index')
    const again = await sync(opts(root, recorder(), using(V2.id)))
    expect(again.unchanged).toBe(4)
    expect(again.updated).toEqual([])
    expect((await search(opts(root, recorder(), using(V2.id)), QUERY)).paths[0]).toBe('going-live.md')
  }, 180_000)

  it('is the default of the embedded store with no key (offline here: one line, full-text); VECTORNATOR_EMBEDDER picks or refuses', async () => {
    const root = makeTree(SITE)
    const env = { OPENAI_API_KEY: process.env.OPENAI_API_KEY, VECTORNATOR_EMBEDDER: process.env.VECTORNATOR_EMBEDDER }
    try {
      delete process.env.OPENAI_API_KEY
      const log = recorder()
      // HF_ENDPOINT is a closed port for every test (vitest.config.ts), the cache an empty folder.
      expect((await sync(opts(root, log))).added).toHaveLength(4)
      expect(
        log.lines.filter(l =>
          l.startsWith(
            'semantic search off: model Xenova/all-MiniLM-L6-v2 is not cached and the hub is unreachable (127.0.0.1:4',
          ),
        ),
      ).toHaveLength(1)

      process.env.VECTORNATOR_EMBEDDER = 'none'
      const none = recorder()
      expect((await sync(opts(makeTree(SITE), none))).added).toHaveLength(4)
      expect(none.lines.filter(l => /semantic|model/.test(l))).toEqual([])

      process.env.VECTORNATOR_EMBEDDER = 'bert'
      await expect(attempt(opts(root, recorder()))).rejects.toThrow(
        'VECTORNATOR_EMBEDDER=bert is not an embedder: use local, openai, none',
      )
      process.env.VECTORNATOR_EMBEDDER = 'openai'
      await expect(attempt(opts(root, recorder()))).rejects.toThrow(/the openai embedder needs OPENAI_API_KEY/)
    } finally {
      for (const [name, value] of Object.entries(env))
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
    }
  }, 180_000)

  it('refuses a localModelPath without the model, naming the missing file', async () => {
    const root = makeTree(SITE)
    const empty = temp('vn-no-model-')
    await expect(
      attempt(opts(root, recorder(), { embedder: { model: V1.id, localModelPath: empty } })),
    ).rejects.toThrow(`embedder.localModelPath ${empty} lacks tiny/words-v1/config.json`)
  })
})

describe('the local embedder on the default embedded store (LanceDB, no provider named)', () => {
  const lance = (root: string, logger: Logger, extra: VectornatorOptions = {}): VectornatorOptions => ({
    root,
    metadata: 'file',
    logger,
    ...extra,
  })
  const saved = { OPENAI_API_KEY: process.env.OPENAI_API_KEY, DATABASE_URL: process.env.DATABASE_URL }
  beforeAll(() => {
    delete process.env.OPENAI_API_KEY
    delete process.env.DATABASE_URL
  })
  afterAll(() => {
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
  })

  it('downloads the model on the first write (full-text, one line), then embeds: related words find the page', async () => {
    const myHub = await serveHub([V1])
    const root = makeTree(SITE)
    const cacheDir = temp('vn-models-')
    const embedder = { model: V1.id, cacheDir, remoteHost: myHub.url }

    const log = recorder()
    const first = await sync(lance(root, log, { embedder }))
    expect(first.failed).toEqual([])
    expect(first.added).toHaveLength(4)
    expect(existsSync(join(root, '.vectornator', 'lancedb'))).toBe(true)
    expect(log.lines.filter(l => l.startsWith(`model ${V1.id} is in ${cacheDir}: the next sync embeds`))).toHaveLength(
      1,
    )
    // Not yet embedded: the query's words are on no page.
    const before = await search(lance(root, recorder(), { embedder }), QUERY)
    expect(before.paths).not.toContain('going-live.md')
    await myHub.close()

    // The store made without vectors takes them: every document embedded again, once.
    const log2 = recorder()
    const second = await sync(lance(root, log2, { embedder }))
    expect(second.failed).toEqual([])
    expect(second.updated.sort()).toEqual(Object.keys(SITE).sort())
    expect(log2.lines).toContain('dimensions, embedder changed: 4 documents to re-index')
    const found = await search(lance(root, recorder(), { embedder }), QUERY)
    expect(found.paths[0]).toBe('going-live.md')
    expect(found.notice).toBeUndefined()
    expect((await search(lance(root, recorder(), { embedder }), 'cook recipe')).paths[0]).toBe('baking.md')
    expect((await sync(lance(root, recorder(), { embedder }))).unchanged).toBe(4)
  }, 180_000)

  it('with no model and no hub: one line, a full-text sync, and search says why', async () => {
    const root = makeTree(SITE)
    const log = recorder()
    // HF_ENDPOINT is a closed port for every test (vitest.config.ts), the cache an empty folder.
    expect((await sync(lance(root, log))).added).toHaveLength(4)
    expect(
      log.lines.filter(l =>
        /^semantic search off: model Xenova\/all-MiniLM-L6-v2 is not cached and the hub is unreachable/.test(l),
      ),
    ).toHaveLength(1)
    const found = await search(lance(root, recorder()), 'deploy hosting')
    expect(found.paths[0]).toBe('going-live.md')
    expect(found.notice).toMatch(
      /^semantic search off: model Xenova\/all-MiniLM-L6-v2 is not cached; full-text search only/,
    )
  }, 180_000)
})
