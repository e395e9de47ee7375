import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { sync } from '../src'
import { silentLogger } from '../src/lib/logger'
import { makeTree, writeTree } from './helpers/tree'

let server: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 5 })
})
afterAll(() => server.close())

describe('a document larger than the streaming threshold', () => {
  it('goes up in parts through the Uploads API, whole, with its attributes, and is replaced the same way', async () => {
    const body = `${'the flux capacitor needs 1.21 gigawatts\n'.repeat(300_000)}`
    const text = `---\ntitle: Big manual\n---\n# Ignored heading\n\n${body}`
    const root = makeTree({ 'big.md': text, 'small.md': '# Small\n\nfine\n' })
    const opts = {
      root,
      provider: 'openai' as const,
      apiKey: 'test',
      baseURL: server.url,
      metadata: 'file' as const,
      logger: silentLogger,
    }
    server.stats.reset()
    const first = await sync(opts)
    expect(first.added.sort()).toEqual(['big.md', 'small.md'])
    expect(server.stats.byRoute['POST /uploads']).toBe(1)
    expect(server.stats.byRoute['POST /uploads/{upload_id}/parts']).toBe(
      Math.ceil(Buffer.byteLength(text) / (8 * 2 ** 20)),
    )
    const stored = server.files().find(f => f.filename.startsWith('big.'))!
    expect(stored.content.length).toBe(Buffer.byteLength(text))
    expect(createHash('sha256').update(stored.content).digest('hex')).toBe(
      createHash('sha256').update(text).digest('hex'),
    )
    const [storeFile] = server.vectorStoreFiles(first.storeId).filter(f => f.attributes?.path === 'big.md')
    expect(storeFile!.attributes).toMatchObject({ title: 'Big manual' })

    writeTree(root, { 'big.md': `${text}one more line\n` })
    const second = await sync(opts)
    expect(second.updated).toEqual(['big.md'])
    expect(server.files().filter(f => f.filename.startsWith('big.'))).toHaveLength(1)
  })
})
