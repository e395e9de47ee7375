import { type ChildProcess, spawn } from 'node:child_process'
import OpenAI, { toFile } from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { cliPath, runCli, tsx } from '../helpers/cli'

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

/** Starts `vectornator serve-openai` from source and waits for the line with the env to use. */
function serve(args: string[]) {
  const child = spawn(process.execPath, ['--import', tsx, cliPath, 'serve-openai', ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', d => {
    stderr += d
  })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  const ready = new Promise<{ baseURL: string; apiKey: string }>((resolve, reject) => {
    child.stdout!.on('data', d => {
      stdout += d
      const env = /^OPENAI_BASE_URL=(\S+) OPENAI_API_KEY=(\S+)$/m.exec(stdout)
      if (env) resolve({ baseURL: env[1]!, apiKey: env[2]! })
    })
    void exited.then(code => reject(new Error(`serve-openai exited ${code} before it was ready: ${stderr}`)))
  })
  return { child, ready, exited, output: () => ({ stdout, stderr }) }
}

describe('vectornator serve-openai', () => {
  it('prints its URL and the env lines, serves the SDK there, and exits 0 on SIGTERM', async () => {
    const server = serve(['--port', '0'])
    const { baseURL, apiKey } = await server.ready
    expect(baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/)
    expect(apiKey).toBe('test')
    expect(server.output().stdout).toContain(`listening on ${baseURL}`)

    const client = new OpenAI({ baseURL, apiKey })
    const store = await client.vectorStores.create({ name: 'docs' })
    const file = await client.vectorStores.files.uploadAndPoll(
      store.id,
      await toFile(Buffer.from('# Install\n\nRun npm install.'), 'install.md'),
    )
    expect(file.status).toBe('completed')
    const hits = await client.vectorStores.search(store.id, { query: 'install' })
    expect(hits.data[0]).toMatchObject({ file_id: file.id, filename: 'install.md' })

    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    await expect(fetch(`${baseURL}/vector_stores`)).rejects.toThrow()
  })

  it('takes the harsh options as flags, and exits 0 on SIGINT', async () => {
    const server = serve([
      '--port',
      '0',
      '--no-poll-hint',
      '--processing-ms',
      '1000-2000',
      '--seed',
      '4',
      '--latency-ms',
      '1',
      '--api-key',
      'sk-local',
    ])
    const { baseURL, apiKey } = await server.ready
    expect(apiKey).toBe('sk-local')
    await expect(new OpenAI({ baseURL, apiKey: 'other' }).vectorStores.list()).rejects.toMatchObject({ status: 401 })
    const client = new OpenAI({ baseURL, apiKey })
    const store = await client.vectorStores.create({})
    const upload = await client.files.create({ file: await toFile(Buffer.from('text'), 'a.md'), purpose: 'assistants' })
    const attached = await client.vectorStores.files.create(store.id, { file_id: upload.id })
    expect(attached.status).toBe('in_progress')
    const read = await client.vectorStores.files.retrieve(upload.id, { vector_store_id: store.id }).withResponse()
    expect(read.data.status).toBe('in_progress')
    expect(read.response.headers.get('openai-poll-after-ms')).toBeNull()

    server.child.kill('SIGINT')
    expect(await server.exited).toBe(0)
  })

  it('refuses bad flags with exit 2 and one line naming the fix', async () => {
    for (const [args, pattern] of [
      [['--port', 'abc'], /--port must be a whole number from 0 to 65535/],
      [['--port', '70000'], /--port must be a whole number/],
      [
        ['--processing-ms', '2000-500'],
        /--processing-ms must be milliseconds \(300\) or a range low-high \(500-2000\)/,
      ],
      [['--latency-ms', 'soon'], /--latency-ms must be a whole number/],
    ] as const) {
      const run = await runCli(['serve-openai', ...args])
      expect(run.code, run.stderr).toBe(2)
      expect(run.stderr.trim().split('\n')).toHaveLength(1)
      expect(run.stderr).toMatch(pattern)
    }
  })

  it('is listed in the help', async () => {
    const run = await runCli(['--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/serve-openai\s+Run the offline OpenAI-compatible test server/)
  })
})
