import { execFileSync, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { countRequests } from '../helpers/requests'
import { runCli } from '../helpers/cli'
import { storeIdOf } from '../plugin/helpers'

const fixtures = fileURLToPath(new URL('../fixtures/frameworks/', import.meta.url))
const repo = fileURLToPath(new URL('../../', import.meta.url))
export const source = (entry: string) => join(repo, 'src', entry)
export const bin = (path: string) => join(repo, 'node_modules', path)

/** The folder holding both the repository and the node_modules it links to (a bundler root that must hold both). */
export function workspaceRoot(): string {
  const modules = realpathSync(join(repo, 'node_modules'))
  let dir = repo.replace(/\/+$/, '')
  while (!`${modules}/`.startsWith(`${dir}/`)) dir = dirname(dir)
  return dir
}

/**
 * A folder holding `node_modules/vectornator` with the given entries bundled from the sources as
 * tsup ships them (ESM, dependencies resolved from the repository's node_modules). A site placed
 * in it imports `vectornator/<entry>` as a user's site does: frameworks that load their config
 * through Vite treat it as an installed package, not as sources of the site.
 */
export async function installed(entries: string[]): Promise<{ dir: string; remove: () => void }> {
  const { build } = await import('esbuild')
  // Inside the repository (under its ignored .tmp/), so the sites find its node_modules by
  // walking up, as in a monorepo: frameworks that resolve real paths break on a linked one.
  mkdirSync(join(repo, '.tmp', 'sites'), { recursive: true })
  const dir = mkdtempSync(join(repo, '.tmp', 'sites', 'vectornator-'))
  const pkg = join(dir, 'node_modules', 'vectornator')
  await build({
    entryPoints: entries.map(e => ({ in: source(`${e}.ts`), out: e })),
    outdir: pkg,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    logLevel: 'silent',
  })
  const exports = Object.fromEntries(entries.map(e => [`./${e}`, `./${e}.mjs`]))
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'vectornator', type: 'module', exports }))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * A copy of a site in a temp folder with the repository's node_modules linked in, or in the
 * folder `installed()` made (which finds them by walking up). Each is a git repository of its
 * own, so the repository's .gitignore (which ignores .tmp/) does not apply to it.
 */
export function site(name: string, parent?: string): { root: string; remove: () => void } {
  const root = mkdtempSync(join(parent ?? tmpdir(), `${name}-`))
  cpSync(join(fixtures, name), root, { recursive: true })
  if (parent) execFileSync('git', ['init', '-q'], { cwd: root })
  else symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir')
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) }
}

/** The site's vectornator.config.json, pointing the store at the offline server. */
export function storeConfig(root: string, server: OpenAIServer, extra: Record<string, unknown> = {}): void {
  const config = { provider: 'openai', baseURL: server.url, metadata: 'file', failOnError: true, ...extra }
  writeFileSync(join(root, 'vectornator.config.json'), JSON.stringify(config, null, 2))
}

export interface Run {
  code: number | null
  output: string
}

/** Runs a framework's command as a user would, with a fake key for the offline server. */
export function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [command, ...args], {
      cwd,
      env: {
        ...process.env,
        OPENAI_API_KEY: 'test',
        CI: '',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        ...env,
        NODE_ENV: env.NODE_ENV ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', d => {
      output += d
    })
    child.stderr.on('data', d => {
      output += d
    })
    child.on('error', reject)
    child.on('close', code => resolve({ code, output }))
  })
}

/**
 * Starts a dev server, waits for it to answer one request, stops it. Returns what it printed.
 * The port is the first `http://localhost:NNNN` it prints; `path` is asked for there (a base path
 * the server does not print); it fails after `timeoutMs` without an answer.
 */
export function devServer(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  path = '',
  timeoutMs = 60_000,
): Promise<Run & { status: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [command, ...args], {
      cwd,
      env: {
        ...process.env,
        OPENAI_API_KEY: 'test',
        CI: '',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        BROWSER: 'none',
        ...env,
        NODE_ENV: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let output = ''
    let status = 0
    let asked = false
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM')
      } catch {}
    }
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`the dev server never answered:\n${output}`))
    }, timeoutMs)
    child.on('exit', () => clearTimeout(timer))
    const onData = async (d: Buffer) => {
      output += d
      const url = /https?:\/\/(?:localhost|127\.0\.0\.1|\[::1\]):\d+[^\s]*/.exec(
        output.replace(/\x1B\[[0-9;]*m/g, ''),
      )?.[0]
      if (!url || asked) return
      asked = true
      for (let attempt = 0; attempt < 200 && !status; attempt++) {
        try {
          status = (await fetch(path ? `${url.replace(/\/$/, '')}${path}` : url)).status
        } catch {
          await new Promise(r => setTimeout(r, 250))
        }
      }
      clearTimeout(timer)
      stop()
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', reject)
    child.on('close', code => resolve({ code, output, status }))
  })
}

/** A port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
      .on('error', reject)
  })
}

/** The store's documents, by `path`, with the attributes a search result shows. */
export function documents(server: OpenAIServer, root: string): Record<string, Record<string, unknown>> {
  const id = storeIdOf(root)
  if (!id) return {}
  return Object.fromEntries(server.vectorStoreFiles(id).map(f => [String(f.attributes?.path), f.attributes ?? {}]))
}

/** The text the store holds for a document. */
export function text(server: OpenAIServer, root: string, path: string): string | undefined {
  const id = storeIdOf(root)
  const file = id ? server.vectorStoreFiles(id).find(f => f.attributes?.path === path) : undefined
  return file
    ? server
        .files()
        .find(f => f.id === file.id)
        ?.content.toString('utf8')
    : undefined
}

/** Summary lines of syncs that ran. */
export const syncLines = (output: string) => output.split('\n').filter(l => /\bsync: \d+ added/.test(l))

/** Each document's value of one attribute, by path (`url`, `locale`, ...). */
export function attribute(docs: Record<string, Record<string, unknown>>, name: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(docs).map(([path, a]) => [path, a[name]]))
}

/** A test file's site: the offline store, the site's folder, and its first build (when asked for). */
export interface SiteUnderTest {
  server: OpenAIServer
  root: string
  first: Run
  docs: () => Record<string, Record<string, unknown>>
}

/**
 * The set-up every framework test file shares: an offline store, the fixture copied beside the
 * bundled `vectornator/<entry>` modules, its store config and, with `build`, a first build; all
 * removed after the file. The fields are filled in before the file's first test.
 */
export function siteUnderTest(
  name: string,
  setup: {
    entries: string[]
    store?: Record<string, unknown>
    build?: [command: string, args: string[], env?: Record<string, string>]
  },
  timeout = 180_000,
): SiteUnderTest {
  let pkg: Awaited<ReturnType<typeof installed>> | undefined
  const built = { docs: () => documents(built.server, built.root) } as SiteUnderTest
  beforeAll(async () => {
    built.server = await createOpenAIServer({ processingMs: 1 })
    pkg = await installed(setup.entries)
    built.root = site(name, pkg.dir).root
    storeConfig(built.root, built.server, setup.store)
    if (setup.build) built.first = await run(setup.build[0], setup.build[1], built.root, setup.build[2])
  }, timeout)
  afterAll(async () => {
    await built.server?.close()
    pkg?.remove()
  })
  return built
}

/** A second build of the same sources: one sync that changes nothing, and no file uploaded. */
export async function expectNothingUploaded(site: SiteUnderTest, build: () => Promise<Run>): Promise<void> {
  const sent = countRequests(site.server)
  const again = await build()
  expect(again.code, again.output).toBe(0)
  expect(syncLines(again.output)).toEqual([expect.stringMatching(/sync: 0 added, 0 updated/)])
  expect(sent()['POST /files'] ?? 0).toBe(0)
}

/**
 * What must never sync (a dev server, a failed build): no sync summary, no request to the store,
 * the store as it was. Returns the command's result for its own checks.
 */
export async function expectNoSync<R extends Run>(site: SiteUnderTest, action: () => Promise<R>): Promise<R> {
  const sent = countRequests(site.server)
  const before = site.docs()
  const result = await action()
  expect(syncLines(result.output), result.output).toEqual([])
  expect(sent()).toEqual({})
  expect(site.docs()).toEqual(before)
  return result
}

/**
 * The CLI run right after a build, as the README's quick start and the workflow `init` writes run
 * it: `status` plans nothing, and `sync` changes nothing (only reads reach the store).
 */
export async function expectCliAgrees(server: OpenAIServer, root: string): Promise<void> {
  const env = { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url, CI: '1' }
  const status = await runCli(['status', '--json'], { cwd: root, env })
  expect(status.code, status.stderr).toBe(0)
  expect(JSON.parse(status.stdout), status.stderr).toMatchObject({
    added: [],
    updated: [],
    deleted: [],
    renamed: [],
    retagged: [],
  })
  const sent = countRequests(server)
  const sync = await runCli(['sync', '--json'], { cwd: root, env })
  expect(sync.code, sync.stderr).toBe(0)
  expect(Object.keys(sent()).filter(route => !route.startsWith('GET '))).toEqual([])
}
