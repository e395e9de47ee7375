import { createHash } from 'node:crypto'
import { toFile } from 'openai'
import { describe, expect, it } from 'vitest'
import { start, upload } from './helpers'

// The objects exactly as the spec's schemas list their fields: a missing or extra field is a
// difference a user's code (or its types) would notice against the real API.
const FILE_KEYS = ['bytes', 'created_at', 'filename', 'id', 'object', 'purpose', 'status']
const STORE_KEYS = [
  'created_at',
  'expires_at',
  'file_counts',
  'id',
  'last_active_at',
  'metadata',
  'name',
  'object',
  'status',
  'usage_bytes',
]
const VS_FILE_KEYS = [
  'attributes',
  'chunking_strategy',
  'created_at',
  'id',
  'last_error',
  'object',
  'status',
  'usage_bytes',
  'vector_store_id',
]
const BATCH_KEYS = ['created_at', 'file_counts', 'id', 'object', 'status', 'vector_store_id']
const LIST_KEYS = ['data', 'first_id', 'has_more', 'last_id', 'object']
const keys = (value: object) => Object.keys(value).sort()
/** A page as the wire carried it: the SDK's page objects keep the body to themselves. */
const json = async (request: { asResponse(): Promise<Response> }) =>
  (await request.asResponse()).json() as Promise<Record<string, unknown>>

describe('conformance: files and uploads', () => {
  it("files: create, retrieve, list, delete, with the spec's shapes", async () => {
    const { client } = await start()
    const file = await client.files.create({
      file: await toFile(Buffer.from('# Guide'), 'guide.md'),
      purpose: 'assistants',
    })
    expect(keys(file)).toEqual(FILE_KEYS)
    expect(file).toMatchObject({
      object: 'file',
      bytes: 7,
      filename: 'guide.md',
      purpose: 'assistants',
      status: 'processed',
    })
    expect(file.id).toMatch(/^file-[A-Za-z0-9]{22}$/)
    expect(Number.isInteger(file.created_at)).toBe(true)
    expect(await client.files.retrieve(file.id)).toEqual(file)

    const page = await json(client.files.list())
    expect(keys(page)).toEqual(LIST_KEYS)
    expect(page).toMatchObject({ object: 'list', data: [file], first_id: file.id, last_id: file.id, has_more: false })
    expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true })
    expect((await client.files.list()).data).toEqual([])
  })

  it('files: expires_after sets expires_at on the File', async () => {
    const { client } = await start()
    const file = await client.files.create({
      file: await toFile(Buffer.from('x'), 'x.md'),
      purpose: 'user_data',
      expires_after: { anchor: 'created_at', seconds: 3600 },
    })
    expect(file.expires_at).toBe(file.created_at + 3600)
  })

  it('uploads: create, add parts, complete into a File, with md5 and expires_after checked', async () => {
    const { client } = await start()
    const bytes = Buffer.from('a'.repeat(10) + 'b'.repeat(5))
    const upload = await client.uploads.create({
      bytes: bytes.length,
      filename: 'big.md',
      mime_type: 'text/markdown',
      purpose: 'assistants',
      expires_after: { anchor: 'created_at', seconds: 7200 },
    })
    expect(upload).toMatchObject({
      object: 'upload',
      status: 'pending',
      bytes: 15,
      filename: 'big.md',
      purpose: 'assistants',
      file: null,
    })
    expect(upload.id).toMatch(/^upload_/)
    expect(upload.expires_at).toBe(upload.created_at + 3600)
    const one = await client.uploads.parts.create(upload.id, { data: await toFile(bytes.subarray(0, 10), 'part') })
    const two = await client.uploads.parts.create(upload.id, { data: await toFile(bytes.subarray(10), 'part') })
    expect(keys(one)).toEqual(['created_at', 'id', 'object', 'upload_id'])
    expect(one).toMatchObject({ object: 'upload.part', upload_id: upload.id })
    const md5 = createHash('md5').update(bytes).digest('hex')
    const done = await client.uploads.complete(upload.id, { part_ids: [one.id, two.id], md5 })
    expect(done.status).toBe('completed')
    expect(done.file).toMatchObject({ object: 'file', bytes: 15, filename: 'big.md', purpose: 'assistants' })
    expect(done.file!.expires_at).toBe(done.file!.created_at + 7200)
    expect(await client.files.retrieve(done.file!.id)).toMatchObject({ id: done.file!.id, bytes: 15 })
  })
})

describe('conformance: vector stores and their files', () => {
  it('vector_stores: create, retrieve, update, list, delete', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({
      name: 'docs',
      description: 'the docs',
      metadata: { owner: 'web' },
    })
    expect(keys(store)).toEqual(STORE_KEYS)
    expect(store).toMatchObject({
      object: 'vector_store',
      name: 'docs',
      status: 'completed',
      metadata: { owner: 'web' },
      expires_at: null,
    })
    expect(store.id).toMatch(/^vs_/)
    expect(await client.vectorStores.retrieve(store.id)).toEqual(store)
    const updated = await client.vectorStores.update(store.id, { name: 'site', metadata: { owner: 'docs' } })
    expect(updated).toMatchObject({ id: store.id, name: 'site', metadata: { owner: 'docs' } })
    const list = await client.vectorStores.list({ limit: 1 })
    expect(list.data.map(s => s.id)).toEqual([store.id])
    expect(await client.vectorStores.delete(store.id)).toEqual({
      id: store.id,
      object: 'vector_store.deleted',
      deleted: true,
    })
    expect((await client.vectorStores.list()).data).toEqual([])
  })

  it('vector_stores.create with file_ids attaches them', async () => {
    const { client } = await start()
    const a = await upload(client, 'a.md', 'alpha')
    const store = await client.vectorStores.create({
      file_ids: [a.id],
      chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 200, chunk_overlap_tokens: 50 } },
    })
    const file = await client.vectorStores.files.poll(store.id, a.id)
    expect(file).toMatchObject({
      status: 'completed',
      chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 200, chunk_overlap_tokens: 50 } },
    })
  })

  it('vector_stores.files: create, retrieve, update, list, delete', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({})
    const a = await upload(client, 'a.md', 'alpha')
    const created = await client.vectorStores.files.create(store.id, {
      file_id: a.id,
      attributes: { path: 'a.md' },
      chunking_strategy: { type: 'auto' },
    })
    expect(keys(created)).toEqual(VS_FILE_KEYS)
    expect(created).toMatchObject({
      id: a.id,
      object: 'vector_store.file',
      vector_store_id: store.id,
      last_error: null,
    })
    const done = await client.vectorStores.files.poll(store.id, a.id)
    expect(await client.vectorStores.files.retrieve(a.id, { vector_store_id: store.id })).toEqual(done)
    const updated = await client.vectorStores.files.update(a.id, {
      vector_store_id: store.id,
      attributes: { path: 'a.md', rev: 2 },
    })
    expect(updated.attributes).toEqual({ path: 'a.md', rev: 2 })
    const list = await json(client.vectorStores.files.list(store.id))
    expect(keys(list)).toEqual(LIST_KEYS)
    expect(list).toMatchObject({ object: 'list', first_id: a.id, last_id: a.id, has_more: false })
    expect(await client.vectorStores.files.delete(a.id, { vector_store_id: store.id })).toEqual({
      id: a.id,
      object: 'vector_store.file.deleted',
      deleted: true,
    })
  })

  it("the SDK's uploadAndPoll helpers upload, attach and wait", async () => {
    const { client } = await start({ processingMs: 50 })
    const store = await client.vectorStores.create({})
    const one = await client.vectorStores.files.uploadAndPoll(store.id, await toFile(Buffer.from('one'), 'one.md'))
    expect(one).toMatchObject({ status: 'completed', vector_store_id: store.id })
    const batch = await client.vectorStores.fileBatches.uploadAndPoll(store.id, {
      files: await Promise.all(['two.md', 'three.txt'].map(name => toFile(Buffer.from(name), name))),
      fileIds: [],
    })
    expect(batch).toMatchObject({ status: 'completed', file_counts: { completed: 2, total: 2 } })
    expect((await client.vectorStores.retrieve(store.id)).file_counts).toMatchObject({ completed: 3, total: 3 })
  })
})

describe('conformance: file batches, search, embeddings', () => {
  it('file_batches: create, retrieve, listFiles, cancel', async () => {
    const { client } = await start({ processingMs: 30 })
    const store = await client.vectorStores.create({})
    const files = await Promise.all(['a.md', 'b.md'].map(name => upload(client, name, name)))
    const batch = await client.vectorStores.fileBatches.create(store.id, { file_ids: files.map(f => f.id) })
    expect(keys(batch)).toEqual(BATCH_KEYS)
    expect(batch).toMatchObject({
      object: 'vector_store.files_batch',
      status: 'in_progress',
      vector_store_id: store.id,
      file_counts: { in_progress: 2, total: 2 },
    })
    const done = await client.vectorStores.fileBatches.poll(store.id, batch.id)
    expect(done).toMatchObject({ id: batch.id, status: 'completed', file_counts: { completed: 2, in_progress: 0 } })
    expect(await client.vectorStores.fileBatches.retrieve(batch.id, { vector_store_id: store.id })).toEqual(done)
    const listed = await client.vectorStores.fileBatches.listFiles(batch.id, {
      vector_store_id: store.id,
      filter: 'completed',
      order: 'asc',
    })
    expect(listed.data.map(f => f.id)).toEqual(files.map(f => f.id))
    // A batch that already finished is not an error to cancel: the answer is the batch as it ended.
    expect(await client.vectorStores.fileBatches.cancel(batch.id, { vector_store_id: store.id })).toEqual(done)
  })

  it("search: the spec's page and result shapes", async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({})
    const file = await upload(client, 'install.md', 'Run npm install to install the package.')
    await client.vectorStores.files.createAndPoll(store.id, {
      file_id: file.id,
      attributes: { path: 'docs/install.md' },
    })
    const request = () =>
      client.vectorStores.search(store.id, {
        query: 'install',
        max_num_results: 5,
        rewrite_query: false,
        ranking_options: { ranker: 'auto', score_threshold: 0 },
        filters: { type: 'eq', key: 'path', value: 'docs/install.md' },
      })
    const page = await json(request())
    expect(keys(page)).toEqual(['data', 'has_more', 'next_page', 'object', 'search_query'])
    expect(page).toMatchObject({
      object: 'vector_store.search_results.page',
      search_query: ['install'],
      has_more: false,
      next_page: null,
    })
    const [hit] = (await request()).data
    expect(keys(hit!)).toEqual(['attributes', 'content', 'file_id', 'filename', 'score'])
    expect(hit).toMatchObject({
      file_id: file.id,
      filename: 'install.md',
      attributes: { path: 'docs/install.md' },
      content: [{ type: 'text', text: 'Run npm install to install the package.' }],
    })
  })

  it("embeddings: floats when asked, and the SDK's default base64 decoded to the same vector", async () => {
    const { client } = await start()
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['hello world', 'bye'],
      encoding_format: 'float',
      dimensions: 8,
      user: 'u1',
    })
    expect(floats).toMatchObject({
      object: 'list',
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    })
    expect(floats.data.map(d => [d.object, d.index, d.embedding.length])).toEqual([
      ['embedding', 0, 8],
      ['embedding', 1, 8],
    ])
    const decoded = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'hello world',
      dimensions: 8,
    })
    decoded.data[0]!.embedding.forEach((v, i) => expect(v).toBeCloseTo(floats.data[0]!.embedding[i]!, 6))
  })
})
