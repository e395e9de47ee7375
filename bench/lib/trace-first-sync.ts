// Where the time of a first sync under the real limits goes: every request's start and end,
// by route, relative to the start of the sync. `npx tsx bench/lib/trace-first-sync.ts <root> [--no-hint] [--processing MIN-MAX]`
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sync } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import { createOpenAIServer } from '../../src/testing'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'no-hint': { type: 'boolean' }, processing: { type: 'string' }, 'minute-ms': { type: 'string' } },
})
const root = positionals[0]!
const [min, max] = (values.processing ?? '5-5').split('-').map(Number)
const server = await createOpenAIServer({
  latencyMs: 20,
  pollHint: !values['no-hint'],
  processingMs: { min: min!, max: max!, seed: 1 },
  rateLimits: { minuteMs: Number(values['minute-ms'] ?? 6000) },
})
const t0 = performance.now()
const log: { route: string; start: number; end: number; status: number }[] = []
const base = globalThis.fetch
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
  const route = `${init?.method ?? 'GET'} ${url.pathname.replace(/\/(file|vs|vsfb|upload|part)[-_][A-Za-z0-9]+/g, '/{id}')}`
  const start = performance.now() - t0
  const response = await base(input, init)
  log.push({ route, start, end: performance.now() - t0, status: response.status })
  return response
}
rmSync(join(root, '.vectornator'), { recursive: true, force: true })
const result = await sync({
  root,
  provider: 'openai',
  apiKey: 'trace',
  baseURL: server.url,
  metadata: 'file',
  logger: silentLogger,
})
const total = performance.now() - t0
const byRoute = new Map<string, { n: number; first: number; last: number; busy: number; s429: number }>()
for (const r of log) {
  const e = byRoute.get(r.route) ?? { n: 0, first: Infinity, last: 0, busy: 0, s429: 0 }
  e.n++
  e.first = Math.min(e.first, r.start)
  e.last = Math.max(e.last, r.end)
  e.busy += r.end - r.start
  if (r.status === 429) e.s429++
  byRoute.set(r.route, e)
}
const lastUpload = Math.max(...log.filter(r => r.route === 'POST /v1/files').map(r => r.end))
console.log(
  `sync ${(total / 1000).toFixed(2)} s, ${result.added.length} added, ${result.failed.length} failed; last upload answered at ${(lastUpload / 1000).toFixed(2)} s`,
)
for (const [route, e] of byRoute)
  console.log(
    `${route.padEnd(60)} n=${String(e.n).padStart(5)} first ${(e.first / 1000).toFixed(2)} s last ${(e.last / 1000).toFixed(2)} s 429=${e.s429}`,
  )
// Gaps with no upload in flight, longer than 200 ms: where uploads wait for something else.
const uploads = log.filter(r => r.route === 'POST /v1/files').sort((a, b) => a.start - b.start)
let end = 0
const gaps: string[] = []
for (const u of uploads) {
  if (end && u.start - end > 200) gaps.push(`${(end / 1000).toFixed(2)}-${(u.start / 1000).toFixed(2)}`)
  end = Math.max(end, u.end)
}
console.log(`gaps with no upload in flight (> 200 ms): ${gaps.join(', ') || 'none'}`)
await server.close()
