import { type ChildProcess, fork } from 'node:child_process'
import { join, resolve } from 'node:path'
import type { OpenAIServerOptions } from '../../src/testing/index'

export interface ServerStats {
  requests: number
  byRoute: Record<string, number>
  /** Every 429 the server sent. */
  rateLimited: number
  /** Texts the embeddings requests carried. */
  inputs: number
}

export interface BenchServer {
  url: string
  stats(): Promise<ServerStats>
  /** How many of a store's documents are in each status. */
  statuses(storeId: string): Promise<Record<string, number>>
  reset(): Promise<void>
  close(): Promise<void>
}

const REPO = resolve(import.meta.dirname, '..', '..')

/** Starts `vectornator/testing`'s server in a child process on 127.0.0.1 (see server-child.ts). */
export async function startServer(options: OpenAIServerOptions): Promise<BenchServer> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'server-child.ts'), [], {
    cwd: REPO,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NODE_OPTIONS: '', VECTORNATOR_BENCH_SERVER: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let next = 0
  const pending = new Map<number, (value: { stats?: ServerStats; statuses?: Record<string, number> }) => void>()
  const url = await new Promise<string>((resolvePromise, reject) => {
    child.once('error', reject)
    child.once('exit', code => reject(new Error(`the offline server exited (${code}) before it listened`)))
    child.on(
      'message',
      (message: {
        type?: string
        url?: string
        id?: number
        stats?: ServerStats
        statuses?: Record<string, number>
      }) => {
        if (message.type === 'ready') resolvePromise(message.url!)
        else if (message.id !== undefined) {
          pending.get(message.id)?.(message)
          pending.delete(message.id)
        }
      },
    )
  })
  child.removeAllListeners('exit')
  const ask = (type: 'stats' | 'reset' | 'close' | 'store', storeId?: string) =>
    new Promise<{ stats?: ServerStats; statuses?: Record<string, number> }>((resolvePromise, reject) => {
      if (!child.connected) return reject(new Error('the offline server is gone'))
      const id = ++next
      pending.set(id, resolvePromise)
      child.send({ id, type, storeId })
    })
  let closed = false
  return {
    url,
    stats: async () => (await ask('stats')).stats!,
    statuses: async storeId => (await ask('store', storeId)).statuses!,
    reset: async () => {
      await ask('reset')
    },
    close: async () => {
      if (closed) return
      closed = true
      const exited = new Promise(r => child.once('exit', r))
      await ask('close').catch(() => child.kill())
      await exited
    },
  }
}
