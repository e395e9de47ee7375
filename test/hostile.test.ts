import { execFileSync, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { cliPath, runCli, tsx } from './helpers/cli'
import { makeTree } from './helpers/tree'
import { TextCheck } from '../src/core/scan/encoding'
import { ApiHealth } from '../src/providers/openai/health'

// Hostile neighbours and careless input, through the real command: stdout stays JSON or protocol
// whatever the environment, every failure is one line naming its fix, Ctrl+C is said.
const KEY = 'sk-test-hostile'
let server: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1, apiKey: KEY })
})
afterAll(() => server.close())

const docs = {
  'docs/a.md': '# Alpha\n\nThe harbour master keeps the tide tables.\n',
  'docs/b.md': '# Beta\n\nThe lighthouse keeper logs every ship.\n',
}
const env = (extra: Record<string, string | undefined> = {}) => ({
  OPENAI_API_KEY: KEY,
  OPENAI_BASE_URL: server.url,
  VECTORNATOR_STORE_ID: undefined,
  ...extra,
})
const cli = (root: string, args: string[], extra: Record<string, string | undefined> = {}) =>
  runCli([...args, '--metadata', 'file', '--include', 'docs/**/*.md'], { cwd: root, env: env(extra) })

/** A port on 127.0.0.1 nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise(resolve => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

describe('stdout is protocol', () => {
  it('with the SDK logging at debug (OPENAI_LOG=debug), `search --json` prints one JSON document on stdout, and the log goes to stderr', async () => {
    const root = makeTree(docs)
    expect((await cli(root, ['sync'])).code).toBe(0)
    const run = await cli(root, ['search', 'tide tables', '--json'], { OPENAI_LOG: 'debug' })
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)[0].path).toBe('docs/a.md')
    expect(run.stderr).toMatch(/\[openai\] debug: /)
  })

  it('the stdio MCP server with OPENAI_LOG=debug writes nothing but JSON-RPC on stdout', async () => {
    const root = makeTree(docs)
    expect((await cli(root, ['sync'])).code).toBe(0)
    const child = spawn(
      process.execPath,
      ['--import', tsx, cliPath, 'mcp', '--metadata', 'file', '--include', 'docs/**/*.md'],
      {
        cwd: root,
        env: { ...process.env, ...env({ OPENAI_LOG: 'debug' }) } as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    child.stdout.on('data', d => {
      stdout += d
    })
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`)
    const answered = (id: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${id}: ${stdout}`)), 30_000)
        const check = () => {
          if (stdout.split('\n').some(l => l.includes(`"id":${id}`))) {
            clearTimeout(timer)
            resolve()
          } else setTimeout(check, 20)
        }
        check()
      })
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
    })
    await answered(1)
    send({ jsonrpc: '2.0', method: 'notifications/initialized' })
    send({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'search_docs', arguments: { query: 'lighthouse keeper' } },
    })
    await answered(2)
    child.kill()
    const lines = stdout.split('\n').filter(Boolean)
    expect(lines.length).toBeGreaterThanOrEqual(2)
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow()
    expect(stdout).toMatch(/docs\/b\.md/)
  })

  it('`--json` prints a JSON error object when the command fails: a refused connection (named, with the setting), a wrong key', async () => {
    const root = makeTree(docs)
    const port = await closedPort()
    const refused = await cli(root, ['sync', '--json'], { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` })
    expect(refused.code).toBe(1)
    const error = JSON.parse(refused.stdout).error
    expect(error).toMatchObject({ exitCode: 1 })
    expect(error.message).toBe(
      `cannot connect to http://127.0.0.1:${port} (connection refused): check OPENAI_BASE_URL or the baseURL option, and that the server there is running`,
    )
    expect(refused.stderr.trim().split('\n')).toEqual([`[vectornator] ${error.message}`])
    const wrongKey = await cli(root, ['search', 'tide', '--json', '--store', 'vs_missing'], {
      OPENAI_API_KEY: 'sk-wrong-key-for-this-server',
    })
    expect(wrongKey.code).not.toBe(0)
    expect(JSON.parse(wrongKey.stdout).error.message).toMatch(/401|Incorrect API key|invalid/i)
  })
})

describe('every error names its fix', () => {
  it('OPENAI_BASE_URL that is not a URL is a usage error before any work, and the store hears nothing', async () => {
    const root = makeTree(docs)
    const before = server.stats.requests
    const run = await cli(root, ['sync'], { OPENAI_BASE_URL: 'notaurl' })
    expect(run.code).toBe(2)
    expect(run.stderr.trim()).toBe(
      '[vectornator] OPENAI_BASE_URL "notaurl" is not an http(s) URL: give one like https://api.openai.com/v1, or unset it',
    )
    expect(server.stats.requests).toBe(before)
  })

  it('Ctrl+C during a sync says so and exits 130; the next sync completes the store exactly', async () => {
    const slow = await createOpenAIServer({ processingMs: 1, apiKey: KEY, latencyMs: 150 })
    const pages = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`docs/p${i}.md`, `# Page ${i}\n\nText ${i}.\n`]),
    )
    const root = makeTree(pages)
    const child = spawn(
      process.execPath,
      ['--import', tsx, cliPath, 'sync', '--metadata', 'file', '--include', 'docs/**/*.md', '--concurrency', '2'],
      {
        cwd: root,
        env: { ...process.env, ...env({ OPENAI_BASE_URL: slow.url }), CI: '1', NO_COLOR: '1' } as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    let sent = false
    child.stderr.on('data', d => {
      stderr += d
      if (!sent && /progress: [1-9]/.test(stderr)) {
        sent = true
        child.kill('SIGINT')
      }
    })
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))
    expect(code).toBe(130)
    expect(stderr).toMatch(
      /\[vectornator\] interrupted: the sync stopped where it was; the next `vectornator sync` completes it/,
    )
    const next = await runCli(['sync', '--json', '--metadata', 'file', '--include', 'docs/**/*.md'], {
      cwd: root,
      env: env({ OPENAI_BASE_URL: slow.url }),
    })
    expect(next.code, next.stderr).toBe(0)
    const storeId = JSON.parse(next.stdout).storeId
    const stored = slow
      .vectorStoreFiles(storeId)
      .map(f => String(f.attributes?.path))
      .sort()
    expect(stored).toEqual(Object.keys(pages).sort())
    await slow.close()
  })
})

describe('a state the tool did not write', () => {
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' })
  /** A repository with two pages, synced once into the offline store (the state on the local branch). */
  async function synced(): Promise<{
    root: string
    key: string
    run: (...args: string[]) => ReturnType<typeof runCli>
  }> {
    const root = makeTree(docs)
    git(root, 'init', '-q')
    git(root, 'add', '.')
    git(root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'docs')
    const run = (...args: string[]) => runCli([...args, '--include', 'docs/**/*.md'], { cwd: root, env: env() })
    expect((await run('sync')).code).toBe(0)
    return { root, key: git(root, 'ls-tree', '--name-only', 'vectornator-metadata').trim(), run }
  }
  /** Commits `text` as the key's state on the local branch, as a hand edit or another tool would. */
  function commitState(root: string, key: string, text: string, message: string): void {
    const file = execFileSync('git', ['hash-object', '-w', '--stdin'], {
      cwd: root,
      input: text,
      encoding: 'utf8',
    }).trim()
    const dir = execFileSync('git', ['mktree'], {
      cwd: root,
      input: `100644 blob ${file}\tmetadata.json\n`,
      encoding: 'utf8',
    }).trim()
    const tree = execFileSync('git', ['mktree'], {
      cwd: root,
      input: `040000 tree ${dir}\t${key}\n`,
      encoding: 'utf8',
    }).trim()
    const commit = git(
      root,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.com',
      'commit-tree',
      tree,
      '-p',
      'vectornator-metadata',
      '-m',
      message,
    ).trim()
    git(root, 'update-ref', 'refs/heads/vectornator-metadata', commit)
  }
  const stateOf = (root: string, key: string) =>
    JSON.parse(git(root, 'show', `vectornator-metadata:${key}/metadata.json`))

  it('reformatted by hand (indentation, key order): every later sync exits 0 and leaves it as it is', async () => {
    const { root, key, run } = await synced()
    const state = stateOf(root, key)
    const sorted = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sorted)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .reverse()
                .map(k => [k, sorted((v as Record<string, unknown>)[k])]),
            )
          : v
    commitState(root, key, `${JSON.stringify(sorted(state), null, 4)}\n`, 'reformatted by hand')
    const tip = git(root, 'rev-parse', 'vectornator-metadata')
    for (const _ of [1, 2]) {
      const again = await run('sync', '--json')
      expect(again.code, again.stderr).toBe(0)
      expect(JSON.parse(again.stdout)).toMatchObject({ added: [], updated: [], deleted: [], unchanged: 2 })
    }
    expect(git(root, 'rev-parse', 'vectornator-metadata')).toBe(tip)
  })

  it('left by a sync killed right after its last checkpoint (a journal still in it): the next sync completes it and exits 0, and the one after does nothing', async () => {
    const { root, key, run } = await synced()
    const state = stateOf(root, key)
    state.journal = [
      { op: 'delete', path: 'docs/gone.md', fileId: 'file-retiredByTheKilledRun', at: new Date().toISOString() },
    ]
    commitState(root, key, JSON.stringify(state), `vectornator: checkpoint of ${key}`)
    const next = await run('sync')
    expect(next.code, next.stderr).toBe(0)
    expect(next.stderr).toMatch(/completed an interrupted sync/)
    expect(stateOf(root, key).journal).toBeUndefined()
    expect(git(root, 'log', '-1', '--format=%s', 'vectornator-metadata').trim()).toBe(
      'vectornator: completed an interrupted sync',
    )
    const after = await run('sync', '--json')
    expect(after.code, after.stderr).toBe(0)
  })

  it('of a newer format version is refused, naming both versions, and left as it is', async () => {
    const { root, key, run } = await synced()
    commitState(root, key, JSON.stringify({ ...stateOf(root, key), version: '99.0.0' }), 'from the future')
    const tip = git(root, 'rev-parse', 'vectornator-metadata')
    const refused = await run('sync')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(
      /is format 99\.0\.0, newer than the 1\.0\.0 this vectornator reads: upgrade vectornator/,
    )
    expect(git(root, 'rev-parse', 'vectornator-metadata')).toBe(tip)
  })
})

describe('text the store cannot read', () => {
  it('UTF-16 and non-UTF-8 files are found before upload, said once each run, and never sent', async () => {
    const root = makeTree({
      ...docs,
      'docs/latin1.md': Buffer.from('# Café\n\nÉcrit en Latin-1.\n', 'latin1'),
      'docs/utf16.md': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# Wide\n\nUTF-16 text.\n', 'utf16le')]),
    })
    for (const run of [1, 2]) {
      const sent = server.stats.byRoute['POST /files'] ?? 0
      const sync = await cli(root, ['sync', '--json'])
      expect(sync.code, sync.stderr).toBe(0)
      expect(JSON.parse(sync.stdout).added).toEqual(run === 1 ? ['docs/a.md', 'docs/b.md'] : [])
      expect(sync.stderr.split('\n').filter(l => /store cannot read/.test(l))).toEqual([
        '[vectornator] skipped docs/latin1.md: not UTF-8 text, which the store cannot read: save it as UTF-8',
        '[vectornator] skipped docs/utf16.md: UTF-16 text, which the store cannot read: save it as UTF-8',
      ])
      expect((server.stats.byRoute['POST /files'] ?? 0) - sent).toBe(run === 1 ? 2 : 0)
    }
  })

  it('a character cut by a chunk boundary is still UTF-8', () => {
    const check = new TextCheck()
    const text = Buffer.from('x'.repeat(10) + '€ and 𝄞', 'utf8')
    check.push(text.subarray(0, 11))
    check.push(text.subarray(11, 13))
    check.push(text.subarray(13))
    expect(check.end()).toBeUndefined()
    const cut = new TextCheck()
    cut.push(Buffer.from([0x61, 0xe2, 0x82]))
    expect(cut.end()).toMatch(/ends inside a character/)
  })
})

describe('faults', () => {
  it('under 15% server errors and 10% rate limits, a sync completes exactly and says what it retried, in one line', async () => {
    const faulty = await createOpenAIServer({
      processingMs: 1,
      apiKey: KEY,
      faults: { error5xx: 0.15, rateLimit429: 0.1, retryAfterMs: 20, seed: 11 },
    })
    try {
      const pages = Object.fromEntries(
        Array.from({ length: 60 }, (_, i) => [`docs/p${i}.md`, `# Page ${i}\n\nText ${i}.\n`]),
      )
      const root = makeTree(pages)
      const run = await cli(root, ['sync', '--json'], { OPENAI_BASE_URL: faulty.url })
      expect(run.code, run.stderr).toBe(0)
      const result = JSON.parse(run.stdout)
      expect(result.failed).toEqual([])
      expect(result.retries.total).toBe(
        result.retries.serverErrors + result.retries.rateLimits + result.retries.lostConnections,
      )
      expect(result.retries.serverErrors).toBeGreaterThan(0)
      expect(result.retries.rateLimits).toBeGreaterThan(0)
      expect(run.stderr.split('\n').filter(l => /retried/.test(l))).toEqual([
        `[vectornator] retried ${result.retries.total} requests: ${result.retries.serverErrors} server errors, ${result.retries.rateLimits} rate limits${result.retries.lostConnections ? `, ${result.retries.lostConnections} lost connection${result.retries.lostConnections === 1 ? '' : 's'}` : ''}`,
      ])
      faulty.setFaults(undefined)
      const stored = faulty.vectorStoreFiles(result.storeId)
      expect(stored.map(f => String(f.attributes?.path)).sort()).toEqual(Object.keys(pages).sort())
      expect(stored.every(f => f.status === 'completed')).toBe(true)
    } finally {
      await faulty.close()
    }
  })

  it('waits briefly after a server error now and then, and backs off fully while most answers fail', () => {
    const health = new ApiHealth()
    for (let i = 0; i < 20; i++) health.note(i % 7 === 0)
    expect(health.overloaded()).toBe(false)
    expect(health.delayMs(1)).toBeLessThan(50)
    for (let i = 0; i < 12; i++) health.note(true)
    expect(health.overloaded()).toBe(true)
    expect(health.delayMs(1)).toBeGreaterThanOrEqual(375)
    expect(health.delayMs(5)).toBeGreaterThanOrEqual(6000)
  })
})
