import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UsageError } from '../../src/lib/errors'
import { createPostgresProvider } from '../../src/providers/postgres'
import { batches, createOpenAIEmbedder, embedTexts } from '../../src/providers/postgres/embed'
import { resolvePostgresOptions } from '../../src/providers/postgres/options'

describe('postgres options', () => {
  it('defaults: embedded store under <root>/.vectornator/store, DATABASE_URL when set', () => {
    expect(resolvePostgresOptions({ root: '/repo' }, {})).toMatchObject({
      dataDir: '/repo/.vectornator/store',
      connectionString: undefined,
      chunkSize: 1500,
      chunkOverlap: 200,
      schema: 'vectornator',
    })
    expect(resolvePostgresOptions({}, { DATABASE_URL: 'postgres://db/x' }).connectionString).toBe('postgres://db/x')
    expect(
      resolvePostgresOptions({ connectionString: 'postgresql://a/b' }, { DATABASE_URL: 'postgres://db/x' })
        .connectionString,
    ).toBe('postgresql://a/b')
    expect(resolvePostgresOptions({ chunkSize: 400 }, {}).chunkOverlap).toBe(100)
  })

  it.each([
    [{ chunkSize: 10 }, /chunkSize must be an integer of at least 100/],
    [{ chunkSize: 1000, chunkOverlap: 600 }, /chunkOverlap \(600\) must be less than half/],
    [{ schema: 'Bad-Name' }, /schema "Bad-Name" is not a plain identifier/],
    [{ connectionString: 'mysql://x' }, /must start with postgres:\/\//],
    [{ embed: 'openai' as never }, /embed must be a function/],
    [{ embed: Object.assign(async () => [], { dimensions: 0 }) }, /embed.dimensions must be a positive integer/],
  ])('refuses %o with a one-line UsageError', (options, message) => {
    expect(() => createPostgresProvider(options)).toThrow(UsageError)
    expect(() => createPostgresProvider(options)).toThrow(message)
  })

  it('imports no database driver until first used', async () => {
    const provider = createPostgresProvider({ dataDir: '/nonexistent/never-opened' })
    expect(provider.fingerprint()).toMatchObject({ provider: 'postgres', embedder: 'none', dimensions: null })
    expect(provider.capabilities).toBeUndefined()
    await provider.cleanup() // nothing opened, nothing to close
  })
})

describe('embedding batches', () => {
  it('bounds batches by count and characters, keeping order', () => {
    expect(batches(['a', 'b', 'c', 'd', 'e'], 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']])
    expect(batches(['aaaa', 'bb', 'cc', 'dddddd'], 10, 5)).toEqual([['aaaa'], ['bb', 'cc'], ['dddddd']])
  })

  it('rejects an embedder that returns the wrong number or size of vectors', async () => {
    const short = Object.assign(async (t: string[]) => t.slice(1).map(() => [1, 2]), { dimensions: 2 })
    await expect(embedTexts(short, ['a', 'b'], 10)).rejects.toThrow('returned 1 vectors for 2 texts')
    const wrong = Object.assign(async (t: string[]) => t.map(() => [1, 2, 3]), { dimensions: 2 })
    await expect(embedTexts(wrong, ['a'], 10)).rejects.toThrow('3 dimensions, expected 2')
  })
})

describe('createOpenAIEmbedder', () => {
  let server: Server
  let baseURL: string
  const requests: { input: string[]; model: string; dimensions?: number }[] = []

  beforeAll(async () => {
    // Just enough of POST /v1/embeddings, answering in reverse order to prove results are re-sorted by index.
    server = createServer((req, res) => {
      let body = ''
      req.on('data', c => {
        body += c
      })
      req.on('end', () => {
        const request = JSON.parse(body)
        requests.push(request)
        // The SDK asks for base64 (little-endian float32) unless told otherwise, and decodes it.
        const encode = (v: number[]) =>
          request.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v
        const data = request.input
          .map((text: string, index: number) => ({
            object: 'embedding',
            index,
            embedding: encode([text.length, index]),
          }))
          .reverse()
        res.setHeader('content-type', 'application/json')
        res.end(
          JSON.stringify({ object: 'list', model: request.model, data, usage: { prompt_tokens: 1, total_tokens: 1 } }),
        )
      })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
  })
  afterAll(() => new Promise<void>(resolve => server.close(() => resolve())))

  it('batches inputs at 2,048 per request, keeps their order, and names itself', async () => {
    const embed = createOpenAIEmbedder({ apiKey: 'test', baseURL, dimensions: 256 })
    expect([embed.id, embed.dimensions]).toEqual(['openai:text-embedding-3-small@256', 256])
    expect(createOpenAIEmbedder({ apiKey: 'test', baseURL, model: 'text-embedding-3-large' }).dimensions).toBe(3072)
    requests.length = 0
    const texts = Array.from({ length: 2100 }, (_, i) => 'x'.repeat(i % 7))
    const vectors = await embed(texts)
    expect(requests.map(r => r.input.length)).toEqual([2048, 52])
    expect(requests[0]).toMatchObject({ model: 'text-embedding-3-small', dimensions: 256 })
    expect(vectors.map(v => v[0])).toEqual(texts.map(t => Math.max(t.length, t ? 0 : 1))) // '' is sent as ' '
    expect(await embed([])).toEqual([])
  })
})
