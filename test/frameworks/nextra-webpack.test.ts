import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { bin, documents, installed, run, site, storeConfig, syncLines, workspaceRoot } from './helpers'

const next = bin('next/dist/bin/next')
let server: OpenAIServer
let pkg: Awaited<ReturnType<typeof installed>>
let fixture: ReturnType<typeof site>

beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1 })
  pkg = await installed(['next', 'next-adapter'])
  fixture = site('nextra', pkg.dir)
  storeConfig(fixture.root, server)
})

afterAll(async () => {
  await server.close()
  pkg.remove()
})

describe('next + nextra with webpack', () => {
  it('syncs once per next build --webpack, with the pages under their routes', async () => {
    const built = await run(next, ['build', '--webpack'], fixture.root, { NEXT_TELEMETRY_DISABLED: '1', WORKSPACE_ROOT: workspaceRoot() })
    expect(built.code, built.output).toBe(0)
    expect(built.output).toContain('(webpack)')
    expect(syncLines(built.output)).toEqual([expect.stringMatching(/sync: 4 added/)])
    const docs = documents(server, fixture.root)
    expect(Object.fromEntries(Object.entries(docs).map(([path, a]) => [path, a.url]))).toEqual({
      'content/index.mdx': 'https://docs.example.com/widget/',
      'content/guide/intro.md': 'https://docs.example.com/widget/guide/intro/',
      'content/guide/install.mdx': 'https://docs.example.com/widget/guide/install/',
      'content/fr/index.mdx': 'https://docs.example.com/widget/fr/',
    })
  }, 120_000)
})
