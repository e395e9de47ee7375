import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { createOpenAIEmbedder } from '../src/providers/embedders/openai'

// The embedder asks for base64 by name and decodes the vectors itself: they must be exactly what
// the official SDK decodes from the same answers, and a server that sends floats anyway must work.
let server: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer({ rateLimits: false })
})
afterAll(() => server.close())

const input = Array.from({ length: 40 }, (_, i) => `page ${i}: how to list the files of a folder, number ${i * 7}`)

describe('OpenAI embeddings decoded', () => {
  it.each([8, 256, 1536])('gives the vectors the SDK decodes, at %i dimensions', async dimensions => {
    const sdk = new OpenAI({ apiKey: 'test', baseURL: server.url })
    // No encoding_format: the SDK asks for base64 and decodes it with its own code.
    const expected = (await sdk.embeddings.create({ model: 'text-embedding-3-small', input, dimensions })).data
      .sort((a, b) => a.index - b.index)
      .map(d => d.embedding)
    const embed = createOpenAIEmbedder({ apiKey: 'test', baseURL: server.url, dimensions })
    const vectors = await embed(input)
    expect(vectors).toEqual(expected)
    expect(vectors.every(v => Array.isArray(v) && v.length === dimensions)).toBe(true)
    // Plain numbers, as every store's client serialises them (not a typed array's keys).
    expect(JSON.parse(JSON.stringify(vectors[0]))).toEqual(expected[0])
  })

  it('takes the list of floats a server sends when it ignores encoding_format', async () => {
    const asked: unknown[] = []
    const floats = createServer((req, res) => {
      let body = ''
      req.on('data', chunk => (body += chunk))
      req.on('end', () => {
        const { input: texts, encoding_format } = JSON.parse(body) as { input: string[]; encoding_format?: string }
        asked.push(encoding_format)
        res.setHeader('content-type', 'application/json')
        res.end(
          JSON.stringify({
            object: 'list',
            model: 'text-embedding-3-small',
            data: texts.map((_, index) => ({ object: 'embedding', index, embedding: [index, 0.5, -0.25] })),
            usage: { prompt_tokens: texts.length, total_tokens: texts.length },
          }),
        )
      })
    })
    await new Promise<void>(resolve => floats.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = floats.address() as AddressInfo
      const embed = createOpenAIEmbedder({ apiKey: 'test', baseURL: `http://127.0.0.1:${port}/v1`, dimensions: 3 })
      expect(await embed(['a', 'b'])).toEqual([
        [0, 0.5, -0.25],
        [1, 0.5, -0.25],
      ])
      expect(asked).toEqual(['base64'])
    } finally {
      await new Promise(resolve => floats.close(resolve))
    }
  })
})
