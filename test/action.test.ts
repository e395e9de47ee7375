import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { makeTree } from './helpers/tree'
import { tsx } from './helpers/cli'

const repo = fileURLToPath(new URL('..', import.meta.url))
const bin = `${process.execPath} --import ${tsx} ${join(repo, 'src/cli.ts')}`

let server: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 2 })
})
afterAll(() => server.close())

/** Runs the action's step script as the runner would, with the inputs as INPUT_* variables. */
function runAction(
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    const child = spawn('bash', [join(repo, 'action/run.sh')], {
      cwd,
      env: {
        PATH: process.env.PATH!,
        HOME: cwd,
        CI: 'true',
        NO_COLOR: '1',
        VECTORNATOR_BIN: bin,
        OPENAI_BASE_URL: server.url,
        ...env,
      },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => {
      stdout += d
    })
    child.stderr.on('data', d => {
      stderr += d
    })
    child.on('close', code => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

describe('GitHub Action', () => {
  it('syncs on push and writes the step outputs and a Markdown summary', async () => {
    const root = makeTree({ 'docs/a.md': '# A\n\nalpha', 'docs/b.md': '# B\n\nbravo', 'notes/skip.md': 'x' })
    const output = join(root, 'output.txt')
    const summary = join(root, 'summary.md')
    const run = await runAction(root, {
      GITHUB_EVENT_NAME: 'push',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      OPENAI_API_KEY: 'test',
      INPUT_INCLUDE: 'docs/**/*.md\n',
      INPUT_METADATA: 'file',
      INPUT_MODE: 'auto',
    })
    expect(run.code, run.stderr).toBe(0)
    const outputs = Object.fromEntries(
      readFileSync(output, 'utf8')
        .trim()
        .split('\n')
        .map(l => l.split('=')),
    )
    expect(outputs).toMatchObject({ added: '2', updated: '0', deleted: '0', failed: '0' })
    expect(outputs['store-id']).toMatch(/^vs_/)
    const md = readFileSync(summary, 'utf8')
    expect(md).toContain('| Added | 2 |')
    expect(md).toContain('| Failed | 0 |')
  })

  it('on a pull request comments the plan once, updates that comment on the next push, and changes nothing', async () => {
    // GitHub's REST API cannot be reached here: a local server stands in for its two comment endpoints.
    const comments: { id: number; body: string }[] = []
    const requests: string[] = []
    const github: Server = createServer((req, res) => {
      let body = ''
      req.on('data', d => {
        body += d
      })
      req.on('end', () => {
        requests.push(`${req.method} ${req.url}`)
        expect(req.headers.authorization).toBe('Bearer ghs_token')
        res.setHeader('content-type', 'application/json')
        if (req.method === 'GET' && req.url?.startsWith('/repos/acme/docs/issues/7/comments'))
          return res.end(JSON.stringify(comments))
        if (req.method === 'POST' && req.url === '/repos/acme/docs/issues/7/comments') {
          const c = { id: comments.length + 1, body: JSON.parse(body).body }
          comments.push(c)
          res.statusCode = 201
          return res.end(JSON.stringify(c))
        }
        const m = /^\/repos\/acme\/docs\/issues\/comments\/(\d+)$/.exec(req.url ?? '')
        if (req.method === 'PATCH' && m) {
          const c = comments.find(x => x.id === Number(m[1]))!
          c.body = JSON.parse(body).body
          return res.end(JSON.stringify(c))
        }
        res.statusCode = 404
        res.end('{}')
      })
    })
    await new Promise<void>(r => github.listen(0, '127.0.0.1', r))
    try {
      const root = makeTree({ 'docs/a.md': '# A\n\nalpha' })
      const event = join(root, 'event.json')
      writeFileSync(event, JSON.stringify({ number: 7, pull_request: { number: 7 } }))
      const env = {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event,
        GITHUB_REPOSITORY: 'acme/docs',
        GITHUB_TOKEN: 'ghs_token',
        GITHUB_API_URL: `http://127.0.0.1:${(github.address() as { port: number }).port}`,
        OPENAI_API_KEY: 'test',
        INPUT_METADATA: 'file',
      }
      const before = server.stats.requests
      const first = await runAction(root, env)
      expect(first.code, first.stderr).toBe(0)
      expect(comments).toHaveLength(1)
      expect(comments[0].body).toContain('| Add | 1 |')
      writeFileSync(join(root, 'docs/b.md'), '# B\n\nbravo')
      const second = await runAction(root, env)
      expect(second.code, second.stderr).toBe(0)
      expect(comments).toHaveLength(1)
      expect(comments[0].body).toContain('| Add | 2 |')
      expect(requests.filter(r => r.startsWith('PATCH'))).toHaveLength(1)
      expect(server.stats.requests).toBe(before)
    } finally {
      github.close()
    }
  })
})
