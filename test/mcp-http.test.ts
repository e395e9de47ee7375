import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { cliPath, runCli, tsx } from './helpers/cli'
import { makeTree } from './helpers/tree'

// The HTTP MCP server as a hostile neighbour meets it: real processes, raw HTTP, a flood of
// sessions from one local client, foreign Host names on every address, a missing token.
const KEY = 'sk-test-mcp-http'
let server: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1, apiKey: KEY })
})
afterAll(() => server.close())
const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill()
})

async function syncedRoot(): Promise<string> {
  const root = makeTree({ 'docs/a.md': '# Alpha\n\nThe harbour master keeps the tide tables.\n' })
  const run = await runCli(['sync', '--metadata', 'file', '--provider', 'openai'], {
    cwd: root,
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url },
  })
  expect(run.code, run.stderr).toBe(0)
  return root
}

/** Starts `vectornator mcp --http` with `args`; resolves once it serves, with its port and its stderr so far. */
async function serve(
  root: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
  const child = spawn(
    process.execPath,
    ['--import', tsx, cliPath, 'mcp', '--http', '--port', '0', '--metadata', 'file', '--provider', 'openai', ...args],
    {
      cwd: root,
      env: {
        ...process.env,
        OPENAI_API_KEY: KEY,
        OPENAI_BASE_URL: server.url,
        NO_COLOR: '1',
        ...extraEnv,
      } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  children.push(child)
  let stderr = ''
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', d => {
      stderr += d
      const found = /on http:\/\/[^\s]+:(\d+)\/mcp/.exec(stderr)
      if (found) resolve(Number(found[1]))
    })
    child.on('exit', code => reject(new Error(`exited ${code}: ${stderr}`)))
  })
  return { child, port, stderr: () => stderr }
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'flood', version: '1' } },
})

/** One raw POST to /mcp on 127.0.0.1:port naming `host`; resolves to the status and the session id. */
function post(
  port: number,
  host: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; session?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        agent: false,
        headers: {
          host,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      res => {
        res.resume()
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, session: res.headers['mcp-session-id'] as string | undefined }),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024

describe('vectornator mcp --http under a flood', () => {
  it('caps sessions (503 past the cap), expires idle ones, and keeps its memory flat under 2,000 initialize requests', async () => {
    const root = await syncedRoot()
    const { child, port } = await serve(root, ['--max-sessions', '40', '--session-timeout', '1'])
    const host = `127.0.0.1:${port}`
    const statuses: Record<number, number> = {}
    let afterWarmup = 0
    for (let i = 0; i < 2000; i++) {
      const { status } = await post(port, host, INIT)
      statuses[status] = (statuses[status] ?? 0) + 1
      if (i === 199) afterWarmup = rssOf(child.pid!)
    }
    expect(statuses[200]).toBeGreaterThanOrEqual(40)
    expect(statuses[503]).toBeGreaterThan(0)
    expect(Object.keys(statuses).sort()).toEqual(['200', '503'])
    // Flat: 1,800 more sessions' worth (~83 KB each uncapped) would be 150 MB.
    expect(rssOf(child.pid!) - afterWarmup).toBeLessThan(60 * 2 ** 20)
    // Idle sessions expire, and new ones are served again.
    await new Promise(r => setTimeout(r, 2500))
    expect((await post(port, host, INIT)).status).toBe(200)
  }, 180_000)
})

describe('vectornator mcp --http on every address', () => {
  it("bound to 0.0.0.0, still refuses a foreign Host, answers the machine's own names and --allowed-host ones, and warns there is no authentication", async () => {
    const root = await syncedRoot()
    const { port, stderr } = await serve(root, ['--host', '0.0.0.0', '--allowed-host', 'docs.internal'])
    expect((await post(port, 'evil.example', INIT)).status).toBe(403)
    expect((await post(port, `evil.example:${port}`, INIT, { origin: 'http://evil.example' })).status).toBe(403)
    expect((await post(port, `127.0.0.1:${port}`, INIT)).status).toBe(200)
    expect((await post(port, `docs.internal:${port}`, INIT)).status).toBe(200)
    expect((await post(port, `127.0.0.1:${port}`, INIT, { origin: 'http://evil.example' })).status).toBe(403)
    expect(stderr()).toMatch(
      /listening on 0\.0\.0\.0 with no authentication: .*set a token \(--token, or VECTORNATOR_MCP_TOKEN\)/,
    )
  }, 60_000)

  it('with a token, refuses requests without it (401) and never prints it', async () => {
    const root = await syncedRoot()
    const token = 'a-token-of-thirty-two-characters'
    const { port, stderr } = await serve(root, ['--host', '0.0.0.0'], { VECTORNATOR_MCP_TOKEN: token })
    expect((await post(port, `127.0.0.1:${port}`, INIT)).status).toBe(401)
    expect(
      (await post(port, `127.0.0.1:${port}`, INIT, { authorization: 'Bearer wrong-token-of-the-same-length!' })).status,
    ).toBe(401)
    expect((await post(port, `127.0.0.1:${port}`, INIT, { authorization: `Bearer ${token}` })).status).toBe(200)
    expect(stderr()).not.toContain(token)
    expect(stderr()).not.toMatch(/no authentication/)
  }, 60_000)
})

describe('vectornator mcp on stdio', () => {
  it('answers a 20 MB request line with a JSON-RPC error and goes on serving', async () => {
    const root = await syncedRoot()
    const child = spawn(
      process.execPath,
      ['--import', tsx, cliPath, 'mcp', '--metadata', 'file', '--provider', 'openai'],
      {
        cwd: root,
        env: { ...process.env, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url } as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    )
    children.push(child)
    let stdout = ''
    child.stdout!.on('data', d => {
      stdout += d
    })
    const answer = (id: number) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${id}: ${stdout.slice(0, 500)}`)), 30_000)
        const check = () => {
          const line = stdout.split('\n').find(l => l.startsWith('{') && JSON.parse(l).id === id)
          if (line) {
            clearTimeout(timer)
            resolve(JSON.parse(line))
          } else setTimeout(check, 20)
        }
        check()
      })
    child.stdin!.write(`${INIT}\n`)
    await answer(1)
    child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`)
    child.stdin!.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'search_docs', arguments: { query: 'x'.repeat(20 * 2 ** 20) } } })}\n`,
    )
    expect(await answer(7)).toMatchObject({
      error: { code: -32600, message: expect.stringMatching(/request too large/) },
    })
    child.stdin!.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'search_docs', arguments: { query: 'tide tables' } } })}\n`,
    )
    expect(JSON.stringify(await answer(8))).toMatch(/docs\/a\.md/)
    expect(child.exitCode).toBeNull()
  }, 60_000)
})
