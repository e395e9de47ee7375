import { type ChildProcess, fork } from 'node:child_process'
import { join, resolve } from 'node:path'

export interface PGliteServer {
  /** `postgres://` URL of the socket server on 127.0.0.1. */
  url: string
  /** The server process (its CPU time is the database's work). */
  pid: number | undefined
  /** Runs one statement in the served database (not through the socket) and returns its rows. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>
  close(): Promise<void>
}

const REPO = resolve(import.meta.dirname, '..', '..')

/** Starts a PGlite socket server on a fresh database in `dataDir`, in a child process (see pglite-server-child.ts). */
export async function startPGliteServer(dataDir: string): Promise<PGliteServer> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'pglite-server-child.ts'), [], {
    cwd: REPO,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NODE_OPTIONS: '', VECTORNATOR_BENCH_PGLITE_DIR: dataDir },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let next = 0
  const pending = new Map<number, (message: { rows?: unknown[]; error?: string }) => void>()
  const url = await new Promise<string>((resolvePromise, reject) => {
    child.once('error', reject)
    child.once('exit', code => reject(new Error(`the PGlite server exited (${code}) before it listened`)))
    child.on('message', (message: { type?: string; url?: string; id?: number; rows?: unknown[]; error?: string }) => {
      if (message.type === 'ready') resolvePromise(message.url!)
      else if (message.id !== undefined) {
        pending.get(message.id)?.(message)
        pending.delete(message.id)
      }
    })
  })
  child.removeAllListeners('exit')
  const ask = (type: 'query' | 'close', sql?: string) =>
    new Promise<{ rows?: unknown[]; error?: string }>((resolvePromise, reject) => {
      if (!child.connected) return reject(new Error('the PGlite server is gone'))
      const id = ++next
      pending.set(id, resolvePromise)
      child.send({ id, type, sql })
    })
  let closed = false
  return {
    url,
    pid: child.pid,
    async query<T>(sql: string) {
      const answer = await ask('query', sql)
      if (answer.error) throw new Error(`${answer.error} (in: ${sql.trim().slice(0, 80)})`)
      return answer.rows as T[]
    },
    async close() {
      if (closed) return
      closed = true
      const exited = new Promise(r => child.once('exit', r))
      await ask('close').catch(() => child.kill())
      await exited
    },
  }
}
