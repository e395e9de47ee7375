import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'

export interface ChromaServer {
  url: string
  pid: number | undefined
  close(): Promise<void>
}

const REPO = resolve(import.meta.dirname, '..', '..')
const STARTUP_MS = 60_000

/**
 * A real Chroma server from the chromadb package's own CLI (`chroma run`, as test/setup/chroma.ts
 * starts it), on a free port, its data in `dataDir`. Stopped by `close` (SIGTERM, then SIGKILL).
 */
export async function startChromaServer(dataDir: string): Promise<ChromaServer> {
  const port = await freePort()
  const cli = join(REPO, 'node_modules', '.bin', 'chroma')
  const child = spawn(process.execPath, [cli, 'run', '--path', dataDir, '--port', String(port)], {
    cwd: REPO,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', d => (output = (output + d).slice(-4000)))
  child.stderr!.on('data', d => (output = (output + d).slice(-4000)))
  const url = `http://127.0.0.1:${port}`
  const close = () => kill(child)
  const deadline = Date.now() + STARTUP_MS
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`chroma exited (${child.exitCode ?? child.signalCode}) before answering: ${output.trim()}`)
      if (await heartbeat(url)) break
      if (Date.now() > deadline)
        throw new Error(`chroma did not answer ${url} within ${STARTUP_MS} ms: ${output.trim()}`)
      await new Promise(r => setTimeout(r, 100))
    }
  } catch (error) {
    await close()
    throw error
  }
  return { url, pid: child.pid, close }
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

/** SIGTERM, then SIGKILL if it lingers: the server must not outlive the bench. */
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
