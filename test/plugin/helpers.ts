import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import type { VectornatorPluginOptions } from '../../src/plugin'
import type { Logger } from '../../src/lib/logger'

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))
const repoModules = fileURLToPath(new URL('../../node_modules', import.meta.url))
const temps: string[] = []

/**
 * A fresh copy of a fixture in a temp folder, so no sync state reaches the repository.
 * `modules` links the repository's node_modules in, for builds that load packages at run time
 * from the project (VitePress renders with `vue` imported from its SSR bundle).
 */
export function fixture(name: string, options: { modules?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), `vectornator-${name}-`))
  temps.push(root)
  cpSync(join(fixtures, name), root, { recursive: true })
  if (options.modules) symlinkSync(repoModules, join(root, 'node_modules'), 'dir')
  return root
}

/** One offline OpenAI-compatible server per test file; the env switches are reset per test. */
export function useServer(): { server: () => OpenAIServer } {
  let server: OpenAIServer
  beforeAll(async () => {
    server = await createOpenAIServer({ processingMs: 1 })
  })
  afterAll(() => server.close())
  beforeEach(() => server.stats.reset())
  afterEach(() => {
    server.setFaults(undefined)
    delete process.env.VECTORNATOR_DISABLE
    for (const root of temps.splice(0)) rmSync(root, { recursive: true, force: true })
  })
  return { server: () => server }
}

/** Plugin options syncing into the offline server, with the state in a file under the root. */
export function storeOptions(server: OpenAIServer, extra: VectornatorPluginOptions = {}): VectornatorPluginOptions {
  return { provider: 'openai', apiKey: 'test', baseURL: server.url, metadata: 'file', failOnError: true, ...extra }
}

/** The store the sync recorded in the state file, or undefined when none was written. */
export function storeIdOf(root: string): string | undefined {
  const file = join(root, '.vectornator', 'metadata.json')
  if (!existsSync(file)) return undefined
  return (JSON.parse(readFileSync(file, 'utf8')) as { storeId: string }).storeId
}

/** The documents in the store, by `path` attribute, with their `url`. */
export function storeContents(server: OpenAIServer, root: string): Record<string, string> {
  const id = storeIdOf(root)
  if (!id) return {}
  return Object.fromEntries(
    server.vectorStoreFiles(id).map(f => [String(f.attributes?.path), String(f.attributes?.url)]),
  )
}

/** Stores created on the server in this test (each first sync of a root creates one). */
export function storesCreated(server: OpenAIServer): number {
  return server.stats.byRoute['POST /vector_stores'] ?? 0
}

/** Lines a bundler's logger printed, without colours. */
export class Lines {
  lines: string[] = []
  push = (text: unknown) => {
    for (const line of String(text)
      .replace(/\x1B\[[0-9;]*m/g, '')
      .split('\n'))
      if (line.trim()) this.lines.push(line)
  }
  /** Summary lines of syncs that ran (`sync: ...`) or planned (`plan: ...`). */
  get syncs(): string[] {
    return this.lines.filter(l => /\b(?:sync|plan): \d+ added/.test(l))
  }
  has(pattern: RegExp): boolean {
    return this.lines.some(l => pattern.test(l))
  }
  get text(): string {
    return this.lines.join('\n')
  }
}

/** A Logger writing into `lines`, for options that take one directly. */
export function loggerInto(lines: Lines): Logger {
  return { info: lines.push, warn: lines.push, error: lines.push, debug() {} }
}

/**
 * A store that always refuses: every request answered 429. The SDK honours the 1 ms
 * `retry-after-ms`, so its retries run out at once (a 5xx or a dead port takes ~14 s of backoff).
 */
export const ALWAYS_FAILS = { rateLimit429: 1, retryAfterMs: 1 }

/** Waits until `check` holds, polling; fails after `ms`. */
export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise(r => setTimeout(r, 25))
  }
}

/** A Vite `customLogger` writing into `lines`. */
export function viteLoggerInto(lines: Lines) {
  return {
    info: lines.push,
    warn: lines.push,
    warnOnce: lines.push,
    error: lines.push,
    clearScreen() {},
    hasErrorLogged: () => false,
    hasWarned: false,
  }
}
