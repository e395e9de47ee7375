import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../src/core/options/options'
import { DEFAULTS } from '../src/core/options/defaults'
import { UsageError } from '../src/lib/errors'

const problemsOf = (run: () => unknown): string[] => {
  try {
    run()
  } catch (error) {
    if (error instanceof UsageError) return error.problems
    throw error
  }
  return []
}

const root = mkdtempSync(join(tmpdir(), 'vn-opts-'))

describe('resolveOptions', () => {
  it('fills every default and never mutates the caller', () => {
    const user = { root, include: 'docs/**/*.md' }
    const frozen = JSON.stringify(user)
    const o = resolveOptions(user, {})
    expect(JSON.stringify(user)).toBe(frozen)
    expect(o.include).toEqual(['docs/**/*.md'])
    expect(o.exclude).toContain('**/node_modules/**')
    expect(o.concurrency).toBe(8)
    expect(o.providerName).toBe('lancedb')
    expect(o.metadata).toMatchObject({ type: 'auto', branch: 'vectornator-metadata', remote: 'origin', push: true })
  })

  it('picks a PostgreSQL server when DATABASE_URL is set and there is no key', () => {
    const o = resolveOptions({ root }, { DATABASE_URL: 'postgres://u:p@db.example:5432/docs' })
    expect(o.providerName).toBe('postgres')
    expect(o.provider.local).toBe(false)
  })

  it('picks OpenAI when OPENAI_API_KEY is set and reads the store id from the environment', () => {
    const o = resolveOptions({ root }, { OPENAI_API_KEY: 'sk-test', VECTORNATOR_STORE_ID: 'vs_9' })
    expect(o.providerName).toBe('openai')
    expect(o.vectorStoreId).toBe('vs_9')
  })

  it('reports every problem at once, naming each field', () => {
    let error: unknown
    try {
      resolveOptions(
        { root: join(root, 'missing'), include: ['../x/**'], concurrency: 0, provider: 'weaviate' as never },
        {},
      )
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UsageError)
    const message = (error as Error).message
    expect(message).toMatch(/^4 problems/)
    expect(message).toMatch(/root .* does not exist/)
    expect(message).toMatch(/outside the root/)
    expect(message).toMatch(/concurrency/)
    expect(message).toMatch(
      /provider "weaviate" is unknown: use openai or chroma or qdrant or pinecone or azure or postgres or lancedb/,
    )
    expect(message).not.toContain('\n')
  })

  it('rejects a malformed glob and a malformed store id', () => {
    expect(() => resolveOptions({ root, include: 'docs/{a,b' }, {})).toThrow(/unbalanced/)
    expect(() => resolveOptions({ root, vectorStoreId: 'vs 1' }, {})).toThrow(/malformed/)
  })

  it('takes each default from the one table, and a given option over it', () => {
    const o = resolveOptions({ root }, {}) as unknown as Record<string, unknown>
    for (const [key, value] of Object.entries(DEFAULTS)) expect(o[key], key).toEqual(value)
    const given = resolveOptions({ root, dot: true, concurrency: 3, maxDeletions: 0.1, checks: 'c.json' }, {})
    expect(given).toMatchObject({ dot: true, concurrency: 3, maxDeletions: 0.1, checks: 'c.json', verify: false })
  })

  it("reports a provider's bad settings with the other problems, and only the provider's in use", () => {
    expect(problemsOf(() => resolveOptions({ root, concurrency: 0, chunkSize: 10 }, {}))).toEqual([
      expect.stringMatching(/^concurrency must be/),
      expect.stringMatching(/^lancedb: chunkSize must be an integer of at least 100/),
    ])
    expect(problemsOf(() => resolveOptions({ root, provider: 'postgres', chunkSize: 10 }, {}))).toEqual([
      expect.stringMatching(/^postgres: chunkSize must be an integer of at least 100/),
    ])
    expect(problemsOf(() => resolveOptions({ root, provider: 'openai', processingTimeoutMs: -1 }, {}))).toEqual([
      expect.stringMatching(/^processingTimeoutMs must be a positive number/),
    ])
    // DATABASE_URL belongs to the database: it is checked when the database is the store, not otherwise.
    expect(problemsOf(() => resolveOptions({ root }, { DATABASE_URL: 'mysql://db/x' }))).toEqual([
      expect.stringMatching(/^postgres: DATABASE_URL must start with postgres:\/\//),
    ])
    expect(resolveOptions({ root }, { DATABASE_URL: 'mysql://db/x', OPENAI_API_KEY: 'sk-test' }).providerName).toBe(
      'openai',
    )
    expect(
      problemsOf(() => resolveOptions({ root }, { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'localhost' })),
    ).toEqual([expect.stringMatching(/^OPENAI_BASE_URL "localhost" is not an http\(s\) URL/)])
  })

  it('takes grouped provider settings as the flat ones, and names a key a group does not have', () => {
    const flat = resolveOptions({ root, chunkSize: 400 }, {})
    const grouped = resolveOptions({ root, postgres: { chunkSize: 400 } }, {})
    expect(grouped.provider.fingerprint).toEqual(flat.provider.fingerprint)
    expect(flat.provider.fingerprint).toMatchObject({ chunkSize: 400, chunkOverlap: 100 })
    expect(problemsOf(() => resolveOptions({ root, postgres: { apiKey: 'sk-x' } as never }, {}))).toEqual([
      'postgres.apiKey is not a postgres setting: use connectionString, embed, embedder, chunkSize, chunkOverlap, maxConnections',
    ])
  })

  it('keeps the fingerprints stores were synced with, so no setting moved re-uploads a store', () => {
    expect(resolveOptions({ root }, { OPENAI_API_KEY: 'sk-test' }).provider.fingerprint).toEqual({
      provider: 'openai',
      textConversion: 1,
      chunkingStrategy: 'auto',
    })
    // No key: the embedded LanceDB, full-text here (no local model on this machine's test cache).
    expect(resolveOptions({ root }, {}).provider.fingerprint).toEqual({
      provider: 'lancedb',
      chunker: 2,
      chunkSize: 1500,
      chunkOverlap: 200,
      embedder: 'none',
      dimensions: null,
      table: 1,
    })
    expect(resolveOptions({ root, provider: 'postgres' }, {}).provider.fingerprint).toEqual({
      provider: 'postgres',
      chunker: 2,
      chunkSize: 1500,
      chunkOverlap: 200,
      language: 'english',
      embedder: 'none',
      dimensions: null,
    })
    expect(
      resolveOptions({ root, provider: 'postgres' }, { OPENAI_API_KEY: 'sk-test' }).provider.fingerprint,
    ).toMatchObject({ embedder: 'openai:text-embedding-3-small', dimensions: 1536 })
  })

  it('holds the key inside the provider: the resolved options never print it', async () => {
    const key = 'sk-never-printed-0123456789'
    const o = resolveOptions({ root, apiKey: key }, {})
    expect(o.providerName).toBe('openai')
    expect(JSON.stringify(o)).not.toContain(key)
    const keyless = resolveOptions({ root, provider: 'openai' }, {})
    await expect(keyless.provider.create({ concurrency: 1, logger: keyless.logger })).rejects.toThrow(
      /^OPENAI_API_KEY is not set: export OPENAI_API_KEY=/,
    )
  })
})
