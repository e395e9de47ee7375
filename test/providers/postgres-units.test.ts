import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../../src'
import { UsageError } from '../../src/lib/errors'
import { createPostgresProvider } from '../../src/providers/postgres'
import { batches, embedTexts } from '../../src/providers/postgres/embed'
import { resolvePostgresOptions } from '../../src/providers/postgres/options'
import { runCli } from '../helpers/cli'
import { makeTree, pages } from '../helpers/tree'

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
    [{ maxConnections: 0 }, /maxConnections must be an integer of at least 1, got 0$/],
    [{ maxConnections: '4' as never }, /maxConnections must be an integer of at least 1, got "4"$/],
    [{ chunkSize: 1000, chunkOverlap: 600 }, /chunkOverlap \(600\) must be less than half/],
    [{ schema: 'Bad-Name' }, /schema "Bad-Name" is not a plain identifier/],
    [{ connectionString: 'mysql://x' }, /must start with postgres:\/\//],
    [{ embed: 'openai' as never }, /embed must be a function/],
    [{ embed: Object.assign(async () => [], { dimensions: 0 }) }, /embed.dimensions must be a positive integer/],
  ])('refuses %o with a one-line UsageError', (options, message) => {
    expect(() => createPostgresProvider(options)).toThrow(UsageError)
    expect(() => createPostgresProvider(options)).toThrow(message)
  })

  it('maxConnections is a setting of its own: taken flat or grouped, and no part of what the store keeps', () => {
    const root = tmpdir()
    const env = { DATABASE_URL: 'postgres://db/x' }
    const plain = resolveOptions({ root, provider: 'postgres' }, env).provider.fingerprint
    expect(resolveOptions({ root, provider: 'postgres', maxConnections: 1 }, env).provider.fingerprint).toEqual(plain)
    expect(
      resolveOptions({ root, provider: 'postgres', postgres: { maxConnections: 16 } }, env).provider.fingerprint,
    ).toEqual(plain)
    expect(resolvePostgresOptions({}, {}).maxConnections).toBe(4)
  })

  it('refuses a bad maxConnections in one line naming the fix, before it connects or writes anything', async () => {
    const root = makeTree(pages(3))
    try {
      writeFileSync(
        join(root, 'vectornator.config.json'),
        JSON.stringify({ provider: 'postgres', postgres: { maxConnections: 0 } }),
      )
      // Nothing listens there: a sync that tried to connect would fail with another message.
      const run = await runCli(['sync', '--metadata', 'file'], {
        cwd: root,
        env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none', OPENAI_API_KEY: undefined },
      })
      expect(run.code).not.toBe(0)
      expect(run.stderr.trim().split('\n')).toEqual([
        expect.stringContaining('postgres: maxConnections must be an integer of at least 1, got 0'),
      ])
      expect(existsSync(join(root, '.vectornator'))).toBe(false)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
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
