import { type ChildProcess, fork } from 'node:child_process'
import { join, resolve } from 'node:path'

export type OfflineStoreKind = 'qdrant' | 'pinecone'

export interface StoreStats {
  /** Requests the server answered since the last reset. */
  requests: number
  /** The same by `METHOD /route`. */
  byRoute: Record<string, number>
  /** Distinct document paths in the store asked about. */
  paths?: string[]
  /** Its records (points, chunks). */
  records?: number
}

export interface OfflineStore {
  url: string
  apiKey: string
  /** The one index of the Pinecone server (made with the dimension asked for). */
  index: string
  pid: number | undefined
  /** Requests so far, and with `store` (a collection or a namespace) what that store holds. */
  stats(store?: string): Promise<StoreStats>
  reset(): Promise<void>
  close(): Promise<void>
}

const REPO = resolve(import.meta.dirname, '..', '..')

/** Starts the offline Qdrant or Pinecone server in a child process on 127.0.0.1 (see store-server-child.ts). */
export async function startOfflineStore(kind: OfflineStoreKind, dimension: number): Promise<OfflineStore> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'store-server-child.ts'), [], {
    cwd: REPO,
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      VECTORNATOR_BENCH_STORE: kind,
      VECTORNATOR_BENCH_DIMENSION: String(dimension),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let next = 0
  type Answer = StoreStats & { id?: number }
  const pending = new Map<number, (message: Answer) => void>()
  const ready = await new Promise<{ url: string; apiKey: string; index: string }>((resolvePromise, reject) => {
    child.once('error', reject)
    child.once('exit', code => reject(new Error(`the offline ${kind} server exited (${code}) before it listened`)))
    child.on('message', (message: Answer & { type?: string; url?: string; apiKey?: string; index?: string }) => {
      if (message.type === 'ready') resolvePromise(message as { url: string; apiKey: string; index: string })
      else if (message.id !== undefined) {
        pending.get(message.id)?.(message)
        pending.delete(message.id)
      }
    })
  })
  child.removeAllListeners('exit')
  const ask = (type: 'stats' | 'reset' | 'close', store?: string) =>
    new Promise<Answer>((resolvePromise, reject) => {
      if (!child.connected) return reject(new Error(`the offline ${kind} server is gone`))
      const id = ++next
      pending.set(id, resolvePromise)
      child.send({ id, type, store })
    })
  let closed = false
  return {
    ...ready,
    pid: child.pid,
    async stats(store) {
      const { requests, byRoute, paths, records } = await ask('stats', store)
      return { requests, byRoute, paths, records }
    },
    async reset() {
      await ask('reset')
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
