import { afterEach, describe, expect, it } from 'vitest'
import { redact } from '../src/cli/shared'
import { PROVIDERS } from '../src/providers/registry'

const saved = { ...process.env }
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
  Object.assign(process.env, saved)
})

describe('redact: what the CLI prints never carries a secret', () => {
  it('cuts the value of every secret variable a provider definition lists, read from the registry', () => {
    const variables = Object.values(PROVIDERS).flatMap(d => [
      ...((d as { secrets?: readonly string[] }).secrets ?? []),
      ...((d as { server?: { secrets: readonly string[] } }).server?.secrets ?? []),
    ])
    expect(variables).toEqual(expect.arrayContaining(['OPENAI_API_KEY', 'CHROMA_URL', 'DATABASE_URL']))
    for (const name of variables) {
      const value = `tok-${name.toLowerCase()}-0123456789`
      process.env[name] = value
      expect(redact(`failed: ${value} was refused`)).toBe('failed: *** was refused')
    }
  })

  it("cuts a URL's password and keeps its address, which helps to read the error", () => {
    process.env.DATABASE_URL = 'postgres://docs:pa55word-x@db.example:5432/docs'
    process.env.CHROMA_URL = 'http://127.0.0.1:9'
    expect(redact('cannot reach postgres://docs:pa55word-x@db.example:5432/docs')).toBe(
      'cannot reach postgres://docs:***@db.example:5432/docs',
    )
    expect(redact('cannot reach the Chroma server at http://127.0.0.1:9')).toBe(
      'cannot reach the Chroma server at http://127.0.0.1:9',
    )
    // Any URL's password, set in a variable or not, and anything shaped like an OpenAI key.
    expect(redact('https://me:hunter2@example.com/x and sk-abcdefghijklmnop')).toBe(
      'https://me:***@example.com/x and sk-***',
    )
  })
})
