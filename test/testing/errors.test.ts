import type OpenAI from 'openai'
import { toFile } from 'openai'
import { describe, expect, it } from 'vitest'
import { envelope, raw, start, upload } from './helpers'

const unknown = (param: string) => ({
  status: 400,
  name: 'BadRequestError',
  type: 'invalid_request_error',
  param,
  message: `Unrecognized request argument supplied: ${param}`,
})

async function fixture(client: OpenAI) {
  const store = await client.vectorStores.create({})
  const file = await upload(client, 'a.md', 'alpha')
  await client.vectorStores.files.createAndPoll(store.id, { file_id: file.id })
  return { store, file }
}

describe('errors: unknown request arguments', () => {
  it('are refused on every JSON route, top-level and nested, naming the argument', async () => {
    const { client } = await start()
    const { store, file } = await fixture(client)
    const vs = store.id
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => client.vectorStores.create({ nmae: 'typo' } as any), 'nmae'],
      [
        () => client.vectorStores.create({ expires_after: { anchor: 'last_active_at', days: 1, hours: 2 } } as any),
        'expires_after.hours',
      ],
      [() => client.vectorStores.update(vs, { description: 'not updatable' } as any), 'description'],
      [() => client.vectorStores.files.create(vs, { file_id: file.id, atributes: {} } as any), 'atributes'],
      [
        () =>
          client.vectorStores.files.create(vs, {
            file_id: file.id,
            chunking_strategy: { type: 'auto', size: 1 },
          } as any),
        'chunking_strategy.size',
      ],
      [
        () =>
          client.vectorStores.files.create(vs, {
            file_id: file.id,
            chunking_strategy: {
              type: 'static',
              static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0, extra: 1 },
            },
          } as any),
        'chunking_strategy.static.extra',
      ],
      [
        () =>
          client.vectorStores.files.update(file.id, {
            vector_store_id: vs,
            attributes: {},
            status: 'completed',
          } as any),
        'status',
      ],
      [
        () => client.vectorStores.fileBatches.create(vs, { file_ids: [file.id], purpose: 'assistants' } as any),
        'purpose',
      ],
      [
        () => client.vectorStores.fileBatches.create(vs, { files: [{ file_id: file.id, metadata: {} }] } as any),
        'files[0].metadata',
      ],
      [() => client.vectorStores.search(vs, { query: 'a', limit: 3 } as any), 'limit'],
      [
        () => client.vectorStores.search(vs, { query: 'a', ranking_options: { threshold: 0.5 } } as any),
        'ranking_options.threshold',
      ],
      [
        () =>
          client.vectorStores.search(vs, { query: 'a', filters: { type: 'eq', key: 'k', value: 'v', op: 'x' } } as any),
        'filters.op',
      ],
      [
        () =>
          client.uploads.create({
            bytes: 1,
            filename: 'a.md',
            mime_type: 'text/markdown',
            purpose: 'assistants',
            name: 'a',
          } as any),
        'name',
      ],
      [
        () => client.embeddings.create({ model: 'text-embedding-3-small', input: 'x', normalize: true } as any),
        'normalize',
      ],
    ]
    for (const [request, param] of cases) expect(await envelope(request()), param).toMatchObject(unknown(param))
    // Nothing was changed by the refused requests.
    expect((await client.vectorStores.list()).data).toHaveLength(1)
    expect((await client.vectorStores.files.retrieve(file.id, { vector_store_id: vs })).attributes).toEqual({})
  })

  it("an Upload's completion refuses them too, and leaves the Upload pending", async () => {
    const { client } = await start()
    const pending = await client.uploads.create({
      bytes: 1,
      filename: 'a.md',
      mime_type: 'text/markdown',
      purpose: 'assistants',
    })
    const part = await client.uploads.parts.create(pending.id, { data: await toFile(Buffer.from('a'), 'p') })
    expect(
      await envelope(client.uploads.complete(pending.id, { part_ids: [part.id], sha256: 'x' } as any)),
    ).toMatchObject(unknown('sha256'))
    expect((await client.uploads.complete(pending.id, { part_ids: [part.id] })).status).toBe('completed')
  })
})

describe('errors: limits and bad values', () => {
  it('store metadata over the limits is a 400 naming metadata, on create and update', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({ metadata: { ok: 'yes' } })
    const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))
    expect(await envelope(client.vectorStores.create({ metadata: seventeen }))).toMatchObject({
      status: 400,
      param: 'metadata',
      code: 'object_above_max_properties',
    })
    expect(await envelope(client.vectorStores.update(store.id, { metadata: seventeen }))).toMatchObject({
      status: 400,
      param: 'metadata',
    })
    expect(await envelope(client.vectorStores.create({ metadata: { ['k'.repeat(65)]: 'v' } }))).toMatchObject({
      status: 400,
      param: 'metadata',
    })
    expect(await envelope(client.vectorStores.update(store.id, { metadata: { k: 'v'.repeat(513) } }))).toMatchObject({
      status: 400,
      param: 'metadata.k',
      code: 'string_above_max_length',
    })
    expect((await client.vectorStores.retrieve(store.id)).metadata).toEqual({ ok: 'yes' })
  })

  it('list limit outside 1..100 is a 400 on param limit, with a code for each side', async () => {
    const { client } = await start()
    const { store, file } = await fixture(client)
    const batch = await client.vectorStores.fileBatches.createAndPoll(store.id, { file_ids: [file.id] })
    const lists: Array<(limit: number) => Promise<unknown>> = [
      limit => client.vectorStores.list({ limit }),
      limit => client.vectorStores.files.list(store.id, { limit }),
      limit => client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store.id, limit }),
    ]
    for (const list of lists) {
      expect(await envelope(list(0))).toMatchObject({
        status: 400,
        type: 'invalid_request_error',
        param: 'limit',
        code: 'integer_below_min_value',
      })
      expect(await envelope(list(101))).toMatchObject({ status: 400, param: 'limit', code: 'integer_above_max_value' })
      await expect(list(100)).resolves.toBeDefined()
    }
    // GET /files allows up to 10,000.
    expect(await envelope(client.files.list({ limit: 10_001 }))).toMatchObject({
      status: 400,
      param: 'limit',
      code: 'integer_above_max_value',
    })
    await expect(client.files.list({ limit: 10_000 })).resolves.toBeDefined()
  })

  it('missing, mistyped and unknown objects: 400 with param and code, 404 with param', async () => {
    const { client } = await start()
    const { store } = await fixture(client)
    expect(await envelope(client.vectorStores.files.create(store.id, {} as any))).toMatchObject({
      status: 400,
      param: 'file_id',
      code: 'missing_required_parameter',
      message: `Missing required parameter: 'file_id'.`,
    })
    expect(await envelope(client.vectorStores.files.create(store.id, { file_id: 42 } as any))).toMatchObject({
      status: 400,
      param: 'file_id',
      code: 'invalid_type',
    })
    expect(await envelope(client.vectorStores.search(store.id, { query: 'a', max_num_results: 51 }))).toMatchObject({
      status: 400,
      param: 'max_num_results',
      code: 'integer_above_max_value',
    })
    expect(await envelope(client.vectorStores.retrieve('vs_missing'))).toMatchObject({
      status: 404,
      name: 'NotFoundError',
      type: 'invalid_request_error',
      param: 'vector_store_id',
    })
    expect(await envelope(client.files.retrieve('file-missing'))).toMatchObject({
      status: 404,
      name: 'NotFoundError',
      param: 'file_id',
    })
    expect(
      await envelope(client.vectorStores.fileBatches.retrieve('vsfb_missing', { vector_store_id: store.id })),
    ).toMatchObject({ status: 404, param: 'batch_id' })
  })

  it('every error is the four-field envelope, with an x-request-id', async () => {
    const { server } = await start()
    const { status, headers, body } = await raw(server, '/vector_stores?limit=0')
    expect(status).toBe(400)
    expect(headers.get('x-request-id')).toMatch(/^req_/)
    expect(Object.keys(body)).toEqual(['error'])
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type'])
    const unauthorized = await raw(server, '/files', { key: null })
    expect(unauthorized).toMatchObject({
      status: 401,
      body: { error: { type: 'invalid_request_error', param: null, code: null } },
    })
  })
})

describe('errors: files file search cannot use', () => {
  it('an unsupported extension is a synchronous 400 unsupported_file on every route that attaches', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({})
    const good = await upload(client, 'ok.md', 'fine')
    for (const name of ['page.mdx', 'config.yaml', 'App.vue', 'table.csv', 'notes.markdown', 'Makefile']) {
      const bad = await upload(client, name, 'content')
      const refused = { status: 400, type: 'invalid_request_error', code: 'unsupported_file' }
      expect(await envelope(client.vectorStores.create({ file_ids: [good.id, bad.id] }))).toMatchObject({
        ...refused,
        param: 'file_ids',
      })
      expect(await envelope(client.vectorStores.files.create(store.id, { file_id: bad.id }))).toMatchObject({
        ...refused,
        param: 'file_id',
      })
      expect(
        await envelope(client.vectorStores.fileBatches.create(store.id, { file_ids: [good.id, bad.id] })),
      ).toMatchObject({ ...refused, param: 'file_ids' })
      expect(
        await envelope(
          client.vectorStores.fileBatches.create(store.id, { files: [{ file_id: good.id }, { file_id: bad.id }] }),
        ),
      ).toMatchObject({ ...refused, param: 'files' })
    }
    expect((await client.vectorStores.list()).data.map(s => s.id)).toEqual([store.id])
    expect((await client.vectorStores.retrieve(store.id)).file_counts.total).toBe(0)
  })

  it('content that is not text under a .md or .txt name is attached, then ends failed with unsupported_file', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({})
    const binary = await client.files.create({
      file: await toFile(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]), 'logo.md'),
      purpose: 'assistants',
    })
    const latin1 = await client.files.create({
      file: await toFile(Buffer.from('caf\xE9', 'latin1'), 'menu.txt'),
      purpose: 'assistants',
    })
    const text = await upload(client, 'ok.md', 'café, in UTF-8')
    const attached = await client.vectorStores.files.create(store.id, { file_id: binary.id })
    expect(attached.status).toBe('in_progress')
    expect(await client.vectorStores.files.poll(store.id, binary.id)).toMatchObject({
      status: 'failed',
      last_error: { code: 'unsupported_file' },
    })
    const batch = await client.vectorStores.fileBatches.createAndPoll(store.id, { file_ids: [latin1.id, text.id] })
    expect(batch).toMatchObject({ status: 'completed', file_counts: { completed: 1, failed: 1, total: 2 } })
    const [failed] = (await client.vectorStores.files.list(store.id, { filter: 'failed' })).data.filter(
      f => f.id === latin1.id,
    )
    expect(failed!.last_error!.code).toBe('unsupported_file')
    expect((await client.vectorStores.search(store.id, { query: 'café' })).data.map(h => h.file_id)).toEqual([text.id])
  })
})
