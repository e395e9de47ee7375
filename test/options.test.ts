import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../src/core/options/options'
import { UsageError } from '../src/lib/errors'

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
    expect(o.providerName).toBe('postgres')
    expect(o.metadata).toMatchObject({ type: 'auto', branch: 'vectornator-metadata', remote: 'origin', push: true })
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
        { root: join(root, 'missing'), include: ['../x/**'], concurrency: 0, provider: 'pinecone' as never },
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
    expect(message).toMatch(/provider "pinecone" is unknown/)
    expect(message).not.toContain('\n')
  })

  it('rejects a malformed glob and a malformed store id', () => {
    expect(() => resolveOptions({ root, include: 'docs/{a,b' }, {})).toThrow(/unbalanced/)
    expect(() => resolveOptions({ root, vectorStoreId: 'vs 1' }, {})).toThrow(/malformed/)
  })
})
