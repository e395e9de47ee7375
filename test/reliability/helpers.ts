import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import type { OpenAIServer } from '../../src/testing'
import type { SyncState } from '../../src/core/state/types'
import { tsx } from '../helpers/cli'

export const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex')

/** The seeded PRNG of the crash schedule: the offline server's own. */
export { mulberry32 as prng } from '../../src/testing/faults'

/** `POST /vector_stores/vs_x/files/file-y` -> `POST /vector_stores/{id}/files/{id}`. */
export function routeOf(method: string, url: string): string {
  const path = new URL(url, 'http://x').pathname.replace(/^\/v1/, '').replace(/\/+$/, '')
  return `${method} ${path
    .split('/')
    .map(part => (/^(vs_|file-|vsfb_|upload_|part_)/.test(part) ? '{id}' : part))
    .join('/')}`
}

export type KillTrigger =
  /** Kill when the n-th request of `route` arrives (`before`: never applied) or once it was applied, its answer never delivered (`after`). */
  | { route: string; n: number; when: 'before' | 'after' }
  /** Kill when the child announces its n-th state save. */
  | { save: number }
  /** Kill this long after the child starts its sync. */
  | { afterMs: number }
  /** Kill when the child starts writing its final state. */
  | { finish: true }

export function describeTrigger(t: KillTrigger): string {
  if ('route' in t) return `${t.when} ${t.route} #${t.n}`
  if ('save' in t) return `at state save #${t.save}`
  if ('finish' in t) return 'at the final state write'
  return `${t.afterMs} ms into the run`
}

/**
 * An HTTP proxy in front of the offline server that can kill the child at one request: the server
 * lives in the test process and survives every kill; the child's connections simply vanish.
 */
export class KillProxy {
  private server!: Server
  private counts = new Map<string, number>()
  private trigger?: Extract<KillTrigger, { route: string }>
  private onKill?: () => void
  url = ''
  /** Routes seen during the current run, in order (for the report). */
  seen: string[] = []

  constructor(private readonly upstream: OpenAIServer) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res))
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', () => resolve()))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`
  }

  arm(trigger: KillTrigger | undefined, onKill: () => void): void {
    this.counts.clear()
    this.seen = []
    this.trigger = trigger && 'route' in trigger ? trigger : undefined
    this.onKill = onKill
  }

  private fire(): void {
    const kill = this.onKill
    this.trigger = undefined
    this.onKill = undefined
    kill?.()
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const route = routeOf(req.method ?? 'GET', req.url ?? '/')
    const n = (this.counts.get(route) ?? 0) + 1
    this.counts.set(route, n)
    this.seen.push(route)
    const hit = this.trigger && this.trigger.route === route && this.trigger.n === n ? this.trigger.when : undefined
    if (hit === 'before') {
      this.fire()
      req.socket.destroy()
      return
    }
    const upstream = request(
      { host: '127.0.0.1', port: this.upstream.port, method: req.method, path: req.url, headers: req.headers },
      answer => {
        if (hit === 'after') {
          answer.resume()
          answer.on('end', () => {
            this.fire()
            req.socket.destroy()
          })
          return
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
    req.on('error', () => upstream.destroy())
  }

  close(): Promise<void> {
    return new Promise(resolve => {
      this.server.closeAllConnections()
      this.server.close(() => resolve())
    })
  }
}

const childPath = fileURLToPath(new URL('../helpers/crash-child.ts', import.meta.url))

export interface ChildRun {
  /** True when the child was killed before it finished. */
  killed: boolean
  /** The child's last words: `done {...}` or `error ...` when it finished. */
  output: string
  /** State saves it announced. */
  saves: number
  /** From the start of its sync to its end (or its death). */
  ms: number
}

/** Runs one sync in a child process and SIGKILLs it when `trigger` fires. */
export function runChild(
  root: string,
  proxy: KillProxy,
  trigger: KillTrigger | undefined,
  metadata: 'file' | 'git-branch' = 'file',
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      CRASH_ROOT: root,
      CRASH_BASE_URL: proxy.url,
      CRASH_METADATA: metadata,
      CRASH_STATE_KEY,
      NO_COLOR: '1',
    }
    delete env.OPENAI_API_KEY
    const child: ChildProcess = spawn(process.execPath, ['--import', tsx, childPath], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let killed = false
    let saves = 0
    let output = ''
    let timer: NodeJS.Timeout | undefined
    let started = Date.now()
    const kill = () => {
      if (killed || child.exitCode !== null) return
      killed = true
      child.kill('SIGKILL')
    }
    proxy.arm(trigger, kill)
    let buffer = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        if (line === 'start') {
          started = Date.now()
          if (trigger && 'afterMs' in trigger) timer = setTimeout(kill, trigger.afterMs)
        } else if (line === 'finish' && trigger && 'finish' in trigger) kill()
        else if (line.startsWith('save ')) {
          saves++
          if (trigger && 'save' in trigger && saves === trigger.save) kill()
        } else if (line.startsWith('done') || line.startsWith('error')) output = line
      }
    })
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', code => {
      if (timer) clearTimeout(timer)
      proxy.arm(undefined, () => {})
      if (!killed && code !== 0 && !output) return reject(new Error(`crash child exited ${code}: ${stderr}`))
      resolve({ killed, output, saves, ms: Date.now() - started })
    })
  })
}

/** The key of the crash tests' git-branch state. */
export const CRASH_STATE_KEY = 'docs-openai'

/** The state as the last run left it: the file, or the key's file in the branch as published (in the remote). */
export function readState(root: string, metadata: 'file' | 'git-branch' = 'file'): SyncState {
  if (metadata === 'git-branch') {
    const remote = execFileSync('git', ['remote', 'get-url', 'origin'], { cwd: root, encoding: 'utf8' }).trim()
    const text = execFileSync('git', ['show', `vectornator-metadata:${CRASH_STATE_KEY}/metadata.json`], {
      cwd: remote,
      encoding: 'utf8',
      maxBuffer: 2 ** 28,
    })
    return JSON.parse(text) as SyncState
  }
  return JSON.parse(readFileSync(join(root, '.vectornator', 'metadata.json'), 'utf8')) as SyncState
}

/**
 * The store, the File objects and the state agree with the documents on disk: every document is
 * in the store exactly once, completed, with its path and sha256; the state tracks exactly those
 * documents by their remote ids, with no journal; and no File object exists that a tracked
 * document does not use.
 */
export function expectConverged(server: OpenAIServer, tree: Record<string, string>, state: SyncState): void {
  const docs = server.vectorStoreFiles(state.storeId)
  const byPath = new Map<string, typeof docs>()
  for (const d of docs) {
    const path = String(d.attributes.path)
    byPath.set(path, [...(byPath.get(path) ?? []), d])
  }
  const local = Object.keys(tree).sort()
  expect([...byPath.keys()].sort(), 'documents in the store').toEqual(local)
  for (const path of local) {
    const copies = byPath.get(path)!
    expect(
      copies.map(c => c.id),
      `copies of ${path}`,
    ).toHaveLength(1)
    expect(copies[0]!.status).toBe('completed')
    expect(copies[0]!.attributes.sha256, `sha256 attribute of ${path}`).toBe(sha256(tree[path]!))
  }
  expect(state.journal, 'journal after a clean run').toBeUndefined()
  expect(Object.keys(state.files).sort(), 'paths in the state').toEqual(local)
  for (const path of local) {
    expect(state.files[path]!.fileId, `state of ${path}`).toBe(byPath.get(path)![0]!.id)
    expect(state.files[path]!.hash).toBe(`sha256:${sha256(tree[path]!)}`)
  }
  const attached = new Set(docs.map(d => d.id))
  expect(
    server
      .files()
      .filter(f => !attached.has(f.id))
      .map(f => `${f.id} ${f.filename}`),
    'File objects no document uses',
  ).toEqual([])
}
