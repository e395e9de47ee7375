// Where the time of an incremental sync goes: a first sync of <root>, then 1% of its pages edited
// and synced again, every request of that second sync on one time line (start, end, route).
// `npx tsx bench/lib/trace-changed.ts <root>`
import { appendFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { sync } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import { createOpenAIServer } from '../../src/testing'

const root = process.argv[2]!
const server = await createOpenAIServer({ latencyMs: 20, rateLimits: false })
const options = {
  root,
  provider: 'openai' as const,
  apiKey: 'trace',
  baseURL: server.url,
  metadata: 'file' as const,
  logger: silentLogger,
}
rmSync(join(root, '.vectornator'), { recursive: true, force: true })
await sync(options)
const pages = readdirSync(root, { recursive: true, encoding: 'utf8' })
  .filter(p => p.endsWith('.md'))
  .sort()
const chosen = pages.filter((_, i) => i % 100 === 0)
for (const p of chosen) appendFileSync(join(root, p), `\n<!-- edit ${Date.now()} -->\n`)

const log: { route: string; start: number; end: number }[] = []
const base = globalThis.fetch
let t0 = 0
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
  const route = `${init?.method ?? 'GET'} ${url.pathname.replace(/\/(file|vs|vsfb|upload|part)[-_][A-Za-z0-9]+/g, '/{id}')}`
  const start = performance.now() - t0
  const response = await base(input, init)
  log.push({ route, start, end: performance.now() - t0 })
  return response
}
t0 = performance.now()
const result = await sync(options)
const total = performance.now() - t0
console.log(
  `sync ${total.toFixed(0)} ms, ${result.updated.length} updated of ${chosen.length} edited, ${log.length} requests`,
)
const byRoute = new Map<string, { n: number; first: number; last: number }>()
for (const r of log) {
  const e = byRoute.get(r.route) ?? { n: 0, first: Infinity, last: 0 }
  e.n++
  e.first = Math.min(e.first, r.start)
  e.last = Math.max(e.last, r.end)
  byRoute.set(r.route, e)
}
for (const [route, e] of [...byRoute].sort((a, b) => a[1].first - b[1].first))
  console.log(
    `${route.padEnd(56)} n=${String(e.n).padStart(4)} ${e.first.toFixed(0).padStart(5)}-${e.last.toFixed(0).padStart(5)} ms`,
  )
await server.close()
