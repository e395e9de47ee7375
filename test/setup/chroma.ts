/**
 * Vitest global setup: a real Chroma server for the tests (`inject('chromaUrl')`), started from
 * the chromadb package's own CLI on a free port with its data in a temp folder, and stopped (the
 * folder removed) at teardown. With VECTORNATOR_TEST_CHROMA_URL set, that server is used instead
 * and nothing is started.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    chromaUrl: string
  }
}

const STARTUP_MS = 30_000

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.VECTORNATOR_TEST_CHROMA_URL
  if (given) {
    project.provide('chromaUrl', given.replace(/\/+$/, ''))
    return async () => {}
  }
  const { url, stop } = await startChroma()
  project.provide('chromaUrl', url)
  return stop
}

async function startChroma(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'vectornator-chroma-'))
  const port = await freePort()
  const cli = resolve('node_modules/.bin/chroma')
  const child = spawn(process.execPath, [cli, 'run', '--path', join(dir, 'data'), '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // The teardown stops it; the watchdog, should this process die before its teardown runs.
  const watchdog = spawn(
    process.execPath,
    [fileURLToPath(new URL('./watchdog.mjs', import.meta.url)), String(child.pid), dir],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  )
  let output = ''
  child.stdout!.on('data', d => (output = (output + d).slice(-4000)))
  child.stderr!.on('data', d => (output = (output + d).slice(-4000)))
  const stop = async () => {
    await kill(child)
    watchdog.stdin!.end()
    rmSync(dir, { recursive: true, force: true })
  }
  const url = `http://localhost:${port}`
  const deadline = Date.now() + STARTUP_MS
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`chroma exited (${child.exitCode ?? child.signalCode}) before answering: ${output.trim()}`)
      if (await heartbeat(url)) return { url, stop }
      if (Date.now() > deadline)
        throw new Error(`chroma did not answer ${url} within ${STARTUP_MS} ms: ${output.trim()}`)
      await new Promise(r => setTimeout(r, 100))
    }
  } catch (error) {
    await stop()
    throw error
  }
}

async function heartbeat(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1000) })).ok
  } catch {
    return false
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer()
    probe.once('error', fail)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => done(port))
    })
  })
}

/** SIGTERM, then SIGKILL if it lingers: the server must never outlive the test run. */
function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise(done => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(force)
      done()
    })
    child.kill('SIGTERM')
  })
}
