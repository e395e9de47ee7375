import { createHash } from 'node:crypto'
import OpenAI, { toFile } from 'openai'
import { describe, expect, it } from 'vitest'
import { mapLimit, raw, start, upload } from './helpers'

describe('files', () => {
  it('uploads, retrieves, lists, downloads and deletes a file', async () => {
    const { client, server } = await start()
    const file = await upload(client, 'notes.txt', 'plain notes', 'user_data')
    expect(file).toMatchObject({
      object: 'file',
      bytes: 11,
      filename: 'notes.txt',
      purpose: 'user_data',
      status: 'processed',
    })
    expect(file.id).toMatch(/^file-[A-Za-z0-9]{22}$/)
    expect(await client.files.retrieve(file.id)).toEqual(file)

    const content = await client.files.content(file.id)
    expect(await content.text()).toBe('plain notes')

    const page = await client.files.list()
    expect(page.data.map(f => f.id)).toEqual([file.id])
    expect(server.files()[0]!.content.toString()).toBe('plain notes')

    expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true })
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 })
    expect((await client.files.list()).data).toEqual([])
  })

  it('refuses to download a file of purpose assistants, like the real API', async () => {
    const { client } = await start()
    const file = await upload(client, 'doc.md', '# doc')
    await expect(client.files.content(file.id)).rejects.toMatchObject({
      status: 400,
      error: { message: 'Not allowed to download files of purpose: assistants.', type: 'invalid_request_error' },
    })
  })

  it('rejects an empty upload and a missing purpose with 400', async () => {
    const { client } = await start()
    await expect(upload(client, 'empty.md', '')).rejects.toMatchObject({
      status: 400,
      error: { message: 'File is empty.' },
    })
    await expect(
      client.files.create({ file: await toFile(Buffer.from('x'), 'a.md'), purpose: 'nonsense' as 'assistants' }),
    ).rejects.toMatchObject({ status: 400, error: { param: 'purpose' } })
  })

  it('pages 260 files with limit 100, by hand and with for await, newest first', async () => {
    const { client, server } = await start()
    await mapLimit(
      Array.from({ length: 260 }, (_, i) => i),
      16,
      i => upload(client, `doc-${i}.md`, `document ${i}`),
    )
    const newestFirst = server
      .files()
      .map(f => f.id)
      .reverse()

    const first = await client.files.list({ limit: 100 })
    expect(first.data).toHaveLength(100)
    expect(first.has_more).toBe(true)
    const second = await first.getNextPage()
    const third = await second.getNextPage()
    expect(third.data).toHaveLength(60)
    expect(third.hasNextPage()).toBe(false)
    expect([...first.data, ...second.data, ...third.data].map(f => f.id)).toEqual(newestFirst)

    server.stats.reset()
    const seen: string[] = []
    for await (const file of client.files.list({ limit: 100 })) seen.push(file.id)
    expect(seen).toEqual(newestFirst)
    expect(server.stats.byRoute['GET /files']).toBe(3)

    const ascending: string[] = []
    for await (const file of client.files.list({ limit: 100, order: 'asc' })) ascending.push(file.id)
    expect(ascending).toEqual([...newestFirst].reverse())

    const listed = await raw(server, '/files?limit=2')
    expect(listed.body).toMatchObject({
      object: 'list',
      first_id: newestFirst[0],
      last_id: newestFirst[1],
      has_more: true,
    })
  })

  it('keeps a cursor valid after the object it names is deleted', async () => {
    const { client } = await start()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await upload(client, `f${i}.md`, `file ${i}`)).id)
    const page = await client.files.list({ limit: 2, order: 'asc' })
    expect(page.data.map(f => f.id)).toEqual(ids.slice(0, 2))
    await client.files.delete(ids[1]!)
    const next = await page.getNextPage()
    expect(next.data.map(f => f.id)).toEqual(ids.slice(2, 4))
  })

  it('filters the list by purpose and rejects a bad order', async () => {
    const { client, server } = await start()
    await upload(client, 'a.md', 'a')
    const data = await upload(client, 'b.txt', 'b', 'user_data')
    expect((await client.files.list({ purpose: 'user_data' })).data.map(f => f.id)).toEqual([data.id])
    expect((await raw(server, '/files?order=sideways')).status).toBe(400)
  })

  it('assembles a File from an Upload and its parts', async () => {
    const { client } = await start()
    const parts = [Buffer.from('hello, '), Buffer.from('multipart world')]
    const whole = Buffer.concat(parts)
    const created = await client.uploads.create({
      bytes: whole.length,
      filename: 'big.txt',
      mime_type: 'text/plain',
      purpose: 'assistants',
    })
    expect(created).toMatchObject({ object: 'upload', status: 'pending', file: null })
    const partIds = []
    for (const part of parts)
      partIds.push((await client.uploads.parts.create(created.id, { data: await toFile(part, 'blob') })).id)
    const done = await client.uploads.complete(created.id, {
      part_ids: partIds,
      md5: createHash('md5').update(whole).digest('hex'),
    })
    expect(done.status).toBe('completed')
    expect(done.file).toMatchObject({ object: 'file', bytes: whole.length, filename: 'big.txt', purpose: 'assistants' })
    expect(await client.files.retrieve(done.file!.id)).toMatchObject({ id: done.file!.id })
    await expect(client.uploads.cancel(created.id)).rejects.toMatchObject({ status: 400 })

    const wrong = await client.uploads.create({
      bytes: 99,
      filename: 'x.txt',
      mime_type: 'text/plain',
      purpose: 'assistants',
    })
    const part = await client.uploads.parts.create(wrong.id, { data: await toFile(Buffer.from('short'), 'blob') })
    await expect(client.uploads.complete(wrong.id, { part_ids: [part.id] })).rejects.toMatchObject({ status: 400 })
    expect((await client.uploads.cancel(wrong.id)).status).toBe('cancelled')
  })
})

describe('the HTTP surface', () => {
  it('answers 401 without a bearer key, and with the wrong one when a key is configured', async () => {
    const { server } = await start({ apiKey: 'sk-the-right-key' })
    const none = await raw(server, '/files', { key: null })
    expect(none.status).toBe(401)
    expect(none.body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null })

    const client = new OpenAI({ apiKey: 'sk-a-wrong-key', baseURL: server.url })
    await expect(client.files.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
    await expect(client.files.list()).rejects.toMatchObject({ code: 'invalid_api_key' })
    const right = new OpenAI({ apiKey: 'sk-the-right-key', baseURL: server.url })
    expect((await right.files.list()).data).toEqual([])
  })

  it('answers unknown routes with 404 and wrong methods with 405, in the error envelope', async () => {
    const { server } = await start()
    const unknown = await raw(server, '/nothing/here')
    expect(unknown.status).toBe(404)
    expect(unknown.body).toEqual({
      error: { message: 'Invalid URL (GET /v1/nothing/here)', type: 'invalid_request_error', param: null, code: null },
    })
    const wrong = await raw(server, '/vector_stores/vs_1/search', { method: 'DELETE' })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST')
    const json = await raw(server, '/vector_stores', {
      method: 'POST',
      body: '{nope',
      headers: { 'content-type': 'application/json' },
    })
    expect(json.status).toBe(400)
  })
})
