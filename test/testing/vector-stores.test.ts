import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { raw, start, upload } from './helpers'

describe('vector stores', () => {
  it('creates, retrieves, updates, lists and deletes a store', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({
      name: 'docs',
      metadata: { team: 'a' },
      expires_after: { anchor: 'last_active_at', days: 7 },
    })
    expect(store).toMatchObject({
      object: 'vector_store',
      name: 'docs',
      status: 'completed',
      usage_bytes: 0,
      metadata: { team: 'a' },
      file_counts: { in_progress: 0, completed: 0, failed: 0, cancelled: 0, total: 0 },
      expires_after: { anchor: 'last_active_at', days: 7 },
    })
    expect(store.expires_at).toBe(store.last_active_at! + 7 * 86_400)
    const renamed = await client.vectorStores.update(store.id, { name: 'renamed', expires_after: null })
    expect(renamed).toMatchObject({ name: 'renamed', expires_at: null, metadata: { team: 'a' } })
    const other = await client.vectorStores.create({ name: 'other' })
    expect((await client.vectorStores.list()).data.map(s => s.id)).toEqual([other.id, store.id])
    expect(await client.vectorStores.delete(store.id)).toEqual({
      id: store.id,
      object: 'vector_store.deleted',
      deleted: true,
    })
    await expect(client.vectorStores.retrieve(store.id)).rejects.toMatchObject({ status: 404 })
  })

  it('validates metadata: 16 pairs, 64-character keys, 512-character string values', async () => {
    const { client } = await start()
    const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))
    await expect(client.vectorStores.create({ metadata: seventeen })).rejects.toMatchObject({ status: 400 })
    await expect(client.vectorStores.create({ metadata: { ['k'.repeat(65)]: 'v' } })).rejects.toMatchObject({
      status: 400,
    })
    await expect(client.vectorStores.create({ metadata: { k: 'v'.repeat(513) } })).rejects.toMatchObject({
      status: 400,
    })
  })

  it('attaches a file: in_progress, then completed, through createAndPoll and poll', async () => {
    const { client, server } = await start({ processingMs: 400 })
    const store = await client.vectorStores.create({ name: 'docs' })
    const file = await upload(client, 'guide.md', '# Guide\n\nInstall it.')
    const attached = await client.vectorStores.files.create(store.id, {
      file_id: file.id,
      attributes: { path: 'docs/guide.md' },
    })
    expect(attached).toMatchObject({
      id: file.id,
      object: 'vector_store.file',
      status: 'in_progress',
      usage_bytes: 0,
      vector_store_id: store.id,
      last_error: null,
      attributes: { path: 'docs/guide.md' },
      chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 } },
    })
    expect(await client.vectorStores.retrieve(store.id)).toMatchObject({
      status: 'in_progress',
      file_counts: { in_progress: 1, total: 1 },
    })
    const polled = await client.vectorStores.files.poll(store.id, file.id)
    expect(polled).toMatchObject({ status: 'completed', usage_bytes: file.bytes })
    expect(server.stats.byRoute['GET /vector_stores/{vector_store_id}/files/{file_id}']).toBeGreaterThanOrEqual(2)
    expect(await client.vectorStores.retrieve(store.id)).toMatchObject({
      status: 'completed',
      usage_bytes: file.bytes,
      file_counts: { in_progress: 0, completed: 1, failed: 0, cancelled: 0, total: 1 },
    })

    const second = await upload(client, 'api.md', 'API reference')
    const done = await client.vectorStores.files.createAndPoll(store.id, { file_id: second.id })
    expect(done).toMatchObject({ status: 'completed', attributes: {} })
    const content = await client.vectorStores.files.content(second.id, { vector_store_id: store.id })
    expect(content.data).toEqual([{ type: 'text', text: 'API reference' }])
  })

  it('refuses unsupported extensions (400 unsupported_file) and unknown files (404)', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({})
    for (const name of ['page.mdx', 'config.yaml', 'App.vue', 'table.csv', 'Makefile']) {
      const file = await upload(client, name, 'content')
      await expect(client.vectorStores.files.create(store.id, { file_id: file.id })).rejects.toMatchObject({
        status: 400,
        error: { code: 'unsupported_file', type: 'invalid_request_error' },
      })
    }
    await expect(client.vectorStores.files.create(store.id, { file_id: 'file-doesnotexist' })).rejects.toMatchObject({
      status: 404,
    })
    await expect(client.vectorStores.files.create('vs_nope', { file_id: 'file-x' })).rejects.toMatchObject({
      status: 404,
    })
    expect((await client.vectorStores.retrieve(store.id)).file_counts.total).toBe(0)
  })

  it('validates attributes: 16 keys, 64-character keys, 512-character strings, scalar values', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({})
    const file = await upload(client, 'a.md', 'a')
    const bad: Array<Record<string, unknown>> = [
      Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])),
      { ['k'.repeat(65)]: 1 },
      { k: 'v'.repeat(513) },
      { k: { nested: true } },
      { k: [1, 2] },
    ]
    for (const attributes of bad) {
      await expect(
        client.vectorStores.files.create(store.id, { file_id: file.id, attributes: attributes as any }),
      ).rejects.toMatchObject({ status: 400 })
    }
    const ok = await client.vectorStores.files.create(store.id, {
      file_id: file.id,
      attributes: { s: 'v'.repeat(512), n: 1.5, b: false },
    })
    expect(ok.attributes).toEqual({ s: 'v'.repeat(512), n: 1.5, b: false })
  })

  it('updates attributes, and removing a file from a store keeps the File object', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({})
    const file = await upload(client, 'a.md', 'a')
    await client.vectorStores.files.createAndPoll(store.id, { file_id: file.id, attributes: { path: 'a.md', v: 1 } })
    const updated = await client.vectorStores.files.update(file.id, {
      vector_store_id: store.id,
      attributes: { path: 'a.md', v: 2 },
    })
    expect(updated.attributes).toEqual({ path: 'a.md', v: 2 })
    expect((await client.vectorStores.files.retrieve(file.id, { vector_store_id: store.id })).attributes).toEqual({
      path: 'a.md',
      v: 2,
    })

    const removed = await client.vectorStores.files.delete(file.id, { vector_store_id: store.id })
    expect(removed).toEqual({ id: file.id, object: 'vector_store.file.deleted', deleted: true })
    expect((await client.vectorStores.files.list(store.id)).data).toEqual([])
    expect(await client.files.retrieve(file.id)).toMatchObject({ id: file.id })
  })

  it('DELETE /files removes the file from every vector store', async () => {
    const { client, server } = await start()
    const [one, two] = await Promise.all([client.vectorStores.create({}), client.vectorStores.create({})])
    const file = await upload(client, 'a.md', 'a')
    await client.vectorStores.files.createAndPoll(one.id, { file_id: file.id })
    await client.vectorStores.files.createAndPoll(two.id, { file_id: file.id })
    await client.files.delete(file.id)
    for (const store of [one, two]) {
      expect((await client.vectorStores.retrieve(store.id)).file_counts.total).toBe(0)
      await expect(client.vectorStores.files.retrieve(file.id, { vector_store_id: store.id })).rejects.toMatchObject({
        status: 404,
      })
      expect(server.vectorStoreFiles(store.id)).toEqual([])
    }
  })

  it('lists with filter, limit bounds, before/after, and cursors that survive a removal', async () => {
    const { client, server } = await start({
      faults: { failFile: f => (f.filename.startsWith('bad') ? 'cannot parse' : undefined) },
    })
    const store = await client.vectorStores.create({})
    const ids: string[] = []
    for (const name of ['a.md', 'bad.md', 'c.md', 'd.md', 'e.md']) {
      const file = await upload(client, name, name)
      ids.push(file.id)
      await client.vectorStores.files.createAndPoll(store.id, { file_id: file.id })
    }
    expect((await client.vectorStores.files.list(store.id, { filter: 'failed' })).data.map(f => f.id)).toEqual([ids[1]])
    expect((await client.vectorStores.files.list(store.id, { filter: 'completed' })).data).toHaveLength(4)
    expect((await client.vectorStores.files.list(store.id)).data.map(f => f.id)).toEqual([...ids].reverse())
    await expect(client.vectorStores.files.list(store.id, { limit: 101 })).rejects.toMatchObject({
      status: 400,
      error: { param: 'limit' },
    })
    await expect(client.vectorStores.files.list(store.id, { limit: 0 })).rejects.toMatchObject({ status: 400 })
    expect((await raw(server, `/vector_stores/${store.id}/files?filter=done`)).status).toBe(400)

    const before = await client.vectorStores.files.list(store.id, { before: ids[2], limit: 1 })
    expect(before.data.map(f => f.id)).toEqual([ids[3]])

    const page = await client.vectorStores.files.list(store.id, { limit: 2 })
    expect(page.data.map(f => f.id)).toEqual([ids[4], ids[3]])
    await client.vectorStores.files.delete(ids[3]!, { vector_store_id: store.id })
    const next = await page.getNextPage()
    expect(next.data.map(f => f.id)).toEqual([ids[2], ids[1]])
  })

  it('ends a file failed with last_error when failFile says so', async () => {
    const { client } = await start({
      faults: {
        failFile: ({ filename, content }) => {
          if (filename === 'broken.md') return 'The file could not be processed.'
          if (content.toString().includes('garbage')) return { code: 'invalid_file', message: 'Unreadable.' }
          return undefined
        },
      },
    })
    const store = await client.vectorStores.create({})
    const broken = await upload(client, 'broken.md', 'text')
    const garbage = await upload(client, 'g.md', 'garbage here')
    expect(await client.vectorStores.files.createAndPoll(store.id, { file_id: broken.id })).toMatchObject({
      status: 'failed',
      last_error: { code: 'server_error', message: 'The file could not be processed.' },
    })
    expect(await client.vectorStores.files.createAndPoll(store.id, { file_id: garbage.id })).toMatchObject({
      status: 'failed',
      last_error: { code: 'invalid_file', message: 'Unreadable.' },
    })
    expect((await client.vectorStores.retrieve(store.id)).file_counts).toMatchObject({ failed: 2, total: 2 })
  })

  it('leaves a stuck file in_progress, so a poll with a deadline gives up', async () => {
    const { client } = await start({ faults: { stuckFile: f => f.filename === 'stuck.md' } })
    const store = await client.vectorStores.create({})
    const file = await upload(client, 'stuck.md', 'never done')
    await client.vectorStores.files.create(store.id, { file_id: file.id })
    await expect(
      client.vectorStores.files.poll(store.id, file.id, { pollIntervalMs: 10, signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow(/abort/i)
    expect(await client.vectorStores.retrieve(store.id)).toMatchObject({
      status: 'in_progress',
      file_counts: { in_progress: 1 },
    })
  })
})

describe('file batches', () => {
  it('applies per-file attributes from files[] and ignores the batch-level ones', async () => {
    const { client, server } = await start()
    const store = await client.vectorStores.create({})
    const a = await upload(client, 'a.md', 'alpha')
    const b = await upload(client, 'b.md', 'beta')
    const batch = await client.vectorStores.fileBatches.createAndPoll(store.id, {
      attributes: { batch: true },
      files: [
        { file_id: a.id, attributes: { path: 'docs/a.md' } },
        { file_id: b.id, attributes: { path: 'docs/b.md', n: 2 } },
      ],
    })
    expect(batch).toMatchObject({
      object: 'vector_store.files_batch',
      status: 'completed',
      vector_store_id: store.id,
      file_counts: { in_progress: 0, completed: 2, failed: 0, cancelled: 0, total: 2 },
    })
    expect(batch.id).toMatch(/^vsfb_/)
    const files = new Map(
      (await client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store.id })).data.map(f => [
        f.id,
        f,
      ]),
    )
    expect(files.get(a.id)!.attributes).toEqual({ path: 'docs/a.md' })
    expect(files.get(b.id)!.attributes).toEqual({ path: 'docs/b.md', n: 2 })
    expect(server.vectorStoreFiles(store.id).map(f => f.attributes.batch)).toEqual([undefined, undefined])
  })

  it('applies batch-level attributes to every file of file_ids', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({})
    const files = await Promise.all(['a.md', 'b.md', 'c.md'].map(name => upload(client, name, name)))
    const batch = await client.vectorStores.fileBatches.createAndPoll(store.id, {
      file_ids: files.map(f => f.id),
      attributes: { source: 'repo' },
    })
    expect(batch.file_counts.completed).toBe(3)
    const listed = await client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store.id, limit: 2 })
    expect(listed.data).toHaveLength(2)
    expect(listed.has_more).toBe(true)
    for await (const file of client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store.id })) {
      expect(file.attributes).toEqual({ source: 'repo' })
    }
  })

  it('rejects file_ids with files, more than 2000 files, and a bad file, attaching nothing', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({})
    const good = await upload(client, 'a.md', 'a')
    const bad = await upload(client, 'a.yaml', 'a: 1')
    await expect(
      client.vectorStores.fileBatches.create(store.id, { file_ids: [good.id], files: [{ file_id: good.id }] }),
    ).rejects.toMatchObject({ status: 400 })
    await expect(
      client.vectorStores.fileBatches.create(store.id, { file_ids: Array.from({ length: 2001 }, () => good.id) }),
    ).rejects.toMatchObject({ status: 400, error: { param: 'file_ids' } })
    await expect(
      client.vectorStores.fileBatches.create(store.id, { file_ids: [good.id, bad.id] }),
    ).rejects.toMatchObject({ status: 400, error: { code: 'unsupported_file' } })
    await expect(
      client.vectorStores.fileBatches.create(store.id, { files: [{ file_id: good.id }, { file_id: 'file-missing' }] }),
    ).rejects.toMatchObject({ status: 404 })
    expect((await client.vectorStores.retrieve(store.id)).file_counts.total).toBe(0)
  })

  it('cancels a batch still in progress', async () => {
    const { client } = await start({ faults: { stuckFile: f => f.filename === 'slow.md' } })
    const store = await client.vectorStores.create({})
    const fast = await upload(client, 'fast.md', 'fast')
    const slow = await upload(client, 'slow.md', 'slow')
    const batch = await client.vectorStores.fileBatches.create(store.id, { file_ids: [fast.id, slow.id] })
    await sleep(30)
    expect((await client.vectorStores.fileBatches.retrieve(batch.id, { vector_store_id: store.id })).status).toBe(
      'in_progress',
    )
    const cancelled = await client.vectorStores.fileBatches.cancel(batch.id, { vector_store_id: store.id })
    expect(cancelled).toMatchObject({ status: 'cancelled', file_counts: { completed: 1, cancelled: 1, total: 2 } })
    const listed = await client.vectorStores.files.list(store.id, { filter: 'cancelled' })
    expect(listed.data.map(f => f.id)).toEqual([slow.id])
  })
})
