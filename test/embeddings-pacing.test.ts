import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { rmSync } from 'node:fs'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { createOpenAIEmbedder } from '../src/providers/embedders/openai'
import { runCli } from './helpers/cli'
import { makeTree } from './helpers/tree'

// The embeddings endpoint's real rate limits (requests and tokens a minute per key and model, told
// in every answer's x-ratelimit-* headers) on the offline server, its minute shortened.
const servers: OpenAIServer[] = []
const roots: string[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

async function limited(tokensPerMinute: number, minuteMs: number): Promise<OpenAIServer> {
  const server = await createOpenAIServer({
    rateLimits: { minuteMs, embeddingTokensPerMinute: tokensPerMinute, embeddingRequestsPerMinute: 1000 },
  })
  servers.push(server)
  return server
}

/** `n` texts of `chars` characters each, each different (the server counts 4 characters a token). */
const texts = (n: number, chars: number) =>
  Array.from({ length: n }, (_, i) => `page ${i} `.padEnd(chars, 'lorem ipsum dolor sit amet '))

describe('OpenAI embeddings paced to the rate limits', () => {
  it('spreads a load three times the tokens-per-minute limit over the windows with no request refused', async () => {
    const server = await limited(3000, 1500)
    // The limit binds: the same requests sent as fast as they come are refused.
    const raw = new OpenAI({ apiKey: 'test', baseURL: server.url, maxRetries: 0 })
    const refused = await Promise.allSettled(
      [0, 1, 2].map(i => raw.embeddings.create({ model: 'text-embedding-3-small', input: texts(6, 1000).slice(i) })),
    )
    expect(refused.filter(r => r.status === 'rejected').map(r => String((r as PromiseRejectedResult).reason))).toEqual([
      expect.stringMatching(/429 Rate limit reached for text-embedding-3-small on tokens per min \(TPM\)/),
    ])
    server.stats.reset()
    await new Promise(resolve => setTimeout(resolve, 1600))

    const embed = createOpenAIEmbedder({ apiKey: 'test', baseURL: server.url, dimensions: 8 })
    const input = texts(36, 1000) // 9,000 tokens: three windows' worth
    const vectors: number[][] = []
    for (let i = 0; i < input.length; i += 6) vectors.push(...(await embed(input.slice(i, i + 6))))
    expect(vectors).toHaveLength(36)
    expect(vectors.every(v => v.length === 8)).toBe(true)
    expect(server.stats.rateLimited).toBe(0)
    expect(embed.pacing.waits).toBeGreaterThan(0)
    expect(embed.pacing.rateLimited).toBe(0)
  })

  it('waits out a minute another process used up, then goes on', async () => {
    const server = await limited(2000, 1000)
    const other = new OpenAI({ apiKey: 'test', baseURL: server.url, maxRetries: 0 })
    await other.embeddings.create({ model: 'text-embedding-3-small', input: texts(8, 1000) })
    const embed = createOpenAIEmbedder({ apiKey: 'test', baseURL: server.url, dimensions: 8 })
    expect(await embed(texts(4, 1000))).toHaveLength(4)
    // One refusal taught it the limit and the wait; the request went again and passed.
    expect(embed.pacing.rateLimited).toBe(1)
    expect(server.stats.rateLimited).toBe(1)
  })

  it('cuts its requests to half the limit once a refusal says one is larger than the whole limit', async () => {
    const server = await limited(2000, 1000)
    const input = texts(40, 400) // 4,000 tokens: a small first request, but twice this account's minute
    const expected = await createOpenAIEmbedder({ apiKey: 'test', baseURL: (await unlimited()).url, dimensions: 8 })(
      input,
    )
    const embed = createOpenAIEmbedder({ apiKey: 'test', baseURL: server.url, dimensions: 8 })
    // In order, as if sent at once: the vectors an unlimited server gives.
    expect(await embed(input)).toEqual(expected)
    // The request of 40 was refused as too large ("Request too large ... on tokens per min"); then
    // requests of at most half the limit: 5 texts while a token is taken for 2 characters (no answer
    // has said how many there are), then 10 (1,000 tokens) once one has: 5, 10, 10, 10, 5.
    expect(server.stats.rateLimited).toBe(1)
    expect(server.stats.byRoute['POST /embeddings']).toBe(1 + 5)
  })
})

async function unlimited(): Promise<OpenAIServer> {
  const server = await createOpenAIServer({ rateLimits: false })
  servers.push(server)
  return server
}

describe('a sync with OpenAI embeddings under a tokens-per-minute limit', () => {
  it('stores every page of a corpus four times the limit, from the CLI, with no request refused', async () => {
    const server = await limited(25_000, 1000)
    const pages = Object.fromEntries(
      texts(200, 2000).map((text, i) => [`docs/page-${i}.md`, `# Page ${i}\n\n${text}\n`]),
    )
    const root = makeTree(pages)
    roots.push(root)
    const chars = Object.values(pages).reduce((sum, text) => sum + text.length, 0)
    expect(chars / 4).toBeGreaterThan(4 * 25_000)
    const env = { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url }
    const run = await runCli(['sync', '--provider', 'lancedb', '--json', '--metadata', 'file'], { cwd: root, env })
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ failed: [] })
    expect(JSON.parse(run.stdout).added).toHaveLength(200)
    expect(server.stats.rateLimited).toBe(0)
    const found = await runCli(['search', 'page 42', '--provider', 'lancedb', '--json', '--metadata', 'file'], {
      cwd: root,
      env,
    })
    expect(found.code, found.stderr).toBe(0)
    expect(JSON.parse(found.stdout).length).toBeGreaterThan(0)
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
