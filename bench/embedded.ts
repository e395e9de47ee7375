/**
 * The `embedded` scenario (`npm run bench -- --only embedded`): the two embedded engines side by
 * side on the same work, the VitePress documentation (282 pages in 8 languages) with no API key,
 * full-text only (VECTORNATOR_EMBEDDER=none). Each run is a whole process as a user runs it,
 * `node cli.cjs sync --provider postgres|lancedb --metadata file` on a fresh state, the engines
 * alternating run by run. After each sync a second process opens the store once through the
 * core object's `connect()` and times the 36 questions of bench/retrieval-questions.ts.
 *
 * This file is also that second process: run with VECTORNATOR_BENCH_EMBEDDED_SEARCH set, it
 * searches and prints one JSON object instead.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { type ChildRun, runNode } from './lib/child'
import { formatBytes, formatMs, formatRatio, median, spread } from './lib/stats'
import { QUESTIONS } from './retrieval-questions'

export const VITEPRESS_ARCHIVE = resolve(import.meta.dirname, '../../shared/corpora/vitepress-docs.tar.gz')
const REPO = resolve(import.meta.dirname, '..')
const SELF = join(import.meta.dirname, 'embedded.ts')
const SEARCH_ENV = 'VECTORNATOR_BENCH_EMBEDDED_SEARCH'
const MB = 2 ** 20
const LIMIT = 10

const ENGINES = [
  { provider: 'postgres', label: 'PGlite (postgres)', store: join('.vectornator', 'store') },
  { provider: 'lancedb', label: 'LanceDB', store: join('.vectornator', 'lancedb') },
] as const
type Engine = (typeof ENGINES)[number]

/** The row bench/run.ts prints (its Row, repeated here so this file imports nothing from it). */
export interface EmbeddedRow {
  scenario: string
  median: string
  spread?: string
  reference: string
  ratio: string
  perFile: string
  rateLimited: string
  rss: string
  goal: string
  met: [string, boolean][]
  load?: string
}

export interface EmbeddedBench {
  /** The built CLI measured (dist/cli.cjs or its copy); dist/index.cjs beside it is the core the searches use. */
  cli: string
  tmp: string
  runs: number
  addRow(row: EmbeddedRow): void
  note(line: string): void
  log(line: string): void
}

/** What the search process prints. */
interface SearchReport {
  openMs: number
  times: number[]
  /** Peak RSS of the search process once its searches are done (before the chunks are counted). */
  rss: number
  found: number
  chunks: number
}

interface EngineRun {
  sync: ChildRun
  search: ChildRun & { report: SearchReport }
  diskBytes: number
  load: number
}

const env = { OPENAI_API_KEY: undefined, DATABASE_URL: undefined, VECTORNATOR_EMBEDDER: 'none' }

export async function embeddedRows(bench: EmbeddedBench): Promise<void> {
  if (!existsSync(VITEPRESS_ARCHIVE)) {
    bench.note(`Embedded stores: skipped, the VitePress corpus is absent (${VITEPRESS_ARCHIVE}).`)
    return
  }
  const base = join(bench.tmp, 'embedded')
  mkdirSync(base, { recursive: true })
  execFileSync('tar', ['xzf', VITEPRESS_ARCHIVE, '-C', base])
  const corpus = join(base, 'vitepress-docs')
  // One copy per engine: the sync state names its provider, and a state of the other would be refused.
  const roots = new Map(ENGINES.map(e => [e, join(base, e.provider)]))
  for (const root of roots.values()) cpSync(corpus, root, { recursive: true })

  const runs = new Map<Engine, EngineRun[]>(ENGINES.map(e => [e, []]))
  for (let i = 0; i < bench.runs; i++) {
    for (const engine of i % 2 ? [...ENGINES].reverse() : ENGINES) {
      const run = await once(bench, engine, roots.get(engine)!)
      runs.get(engine)!.push(run)
      bench.log(
        `embedded ${engine.label} ${i + 1}/${bench.runs}: sync ${formatMs(run.sync.ms)}, ${formatBytes(run.sync.rss)}, ` +
          `disk ${formatBytes(run.diskBytes)}, ${run.search.report.chunks} chunks; open ${formatMs(run.search.report.openMs)}, ` +
          `search median ${formatMs(median(run.search.report.times))} max ${formatMs(Math.max(...run.search.report.times))}  (load ${loadavg()[0]!.toFixed(2)})`,
      )
    }
  }

  const syncMs = (e: Engine) => median(runs.get(e)!.map(r => r.sync.ms))
  const [pg, lance] = ENGINES
  for (const engine of ENGINES) {
    const all = runs.get(engine)!
    const other = engine === pg ? lance : pg
    const ms = syncMs(engine)
    const rss = median(all.map(r => r.sync.rss))
    const disk = median(all.map(r => r.diskBytes))
    const chunks = median(all.map(r => r.search.report.chunks))
    const perThousand = (disk / chunks) * 1000
    bench.addRow({
      scenario: `Embedded first sync, ${engine.label}, 282 VitePress pages, full-text`,
      median: formatMs(ms),
      spread: spread(all.map(r => r.sync.ms)),
      reference: `${other.label} ${formatMs(syncMs(other))}; disk ${formatBytes(disk)}, ${chunks} chunks, ${(perThousand / MB).toFixed(1)} MB / 1,000 chunks`,
      ratio: formatRatio(ms / syncMs(other)),
      perFile: '-',
      rateLimited: '-',
      rss: `${formatBytes(rss)} (${formatBytes(Math.min(...all.map(r => r.sync.rss)))} - ${formatBytes(Math.max(...all.map(r => r.sync.rss)))})`,
      goal: '<= 1.5 s, <= 250 MB, <= 15 MB disk / 1,000 chunks',
      met: [
        ['time', ms <= 1500],
        ['RSS', rss <= 250 * MB],
        ['disk', perThousand <= 15 * MB],
      ],
      load: median(all.map(r => r.load)).toFixed(2),
    })
  }
  for (const engine of ENGINES) {
    const all = runs.get(engine)!
    const times = all.flatMap(r => r.search.report.times)
    const med = median(all.map(r => median(r.search.report.times)))
    const max = Math.max(...times)
    bench.addRow({
      scenario: `Embedded search once open, ${engine.label}, ${QUESTIONS.length} questions x ${all.length} runs`,
      median: formatMs(med),
      spread: `max ${formatMs(max)}`,
      reference: `open ${spread(all.map(r => r.search.report.openMs))}; process ${spread(all.map(r => r.search.ms))}; ${median(all.map(r => r.search.report.found))}/${QUESTIONS.length} answering pages in the top ${LIMIT}`,
      ratio: '-',
      perFile: '-',
      rateLimited: '-',
      rss: formatBytes(median(all.map(r => r.search.report.rss))),
      goal: '<= 100 ms per search',
      met: [
        ['median', med <= 100],
        ['max', max <= 100],
      ],
      load: median(all.map(r => r.load)).toFixed(2),
    })
  }
  bench.note(
    'Embedded stores: each first sync is `node cli.cjs sync --provider <engine> --metadata file` with no API key and ' +
      'VECTORNATOR_EMBEDDER=none on a fresh state, the engines alternating run by run; disk is `du -sk` of the store ' +
      "folder after it; chunks are counted in the store. Searches: a second process opens the store once (the core object's " +
      '`connect()`, "open" in the table) and runs each question once, every locale, top ' +
      `${LIMIT}; the figure is the median of each run's median; "process" is that process from spawn to exit, its ` +
      'peak RSS taken once the searches are done (the bench loads TypeScript in it too: tsx).',
  )
}

async function once(bench: EmbeddedBench, engine: Engine, root: string): Promise<EngineRun> {
  rmSync(join(root, '.vectornator'), { recursive: true, force: true })
  const sync = await runNode(
    [bench.cli, 'sync', '--json', '--root', root, '--provider', engine.provider, '--metadata', 'file'],
    { cwd: root, env },
  )
  let added = -1
  try {
    added = (JSON.parse(sync.stdout) as { added: string[] }).added.length
  } catch {}
  if (sync.code !== 0 || added !== 282)
    throw new Error(
      `${engine.provider} sync exited ${sync.code}, added ${added}: ${sync.stderr.trim().split('\n').slice(-10).join('\n')}`,
    )
  const diskBytes =
    Number(execFileSync('du', ['-sk', join(root, engine.store)], { encoding: 'utf8' }).split('\t')[0]) * 1024
  const search = await runNode(['--import', 'tsx', SELF], {
    cwd: REPO,
    env: {
      ...env,
      [SEARCH_ENV]: JSON.stringify({ dist: dirname(bench.cli), root, provider: engine.provider, store: engine.store }),
    },
  })
  if (search.code !== 0)
    throw new Error(
      `${engine.provider} searches exited ${search.code}: ${search.stderr.trim().split('\n').slice(-10).join('\n')}`,
    )
  return {
    sync,
    search: { ...search, report: JSON.parse(search.stdout) as SearchReport },
    diskBytes,
    load: loadavg()[0]!,
  }
}

// ── the search process ──────────────────────────────────────────────────────────────────────

async function searchProcess(args: { dist: string; root: string; provider: string; store: string }): Promise<void> {
  const require = createRequire(join(args.dist, 'index.cjs'))
  const { createVectornator } = require(join(args.dist, 'index.cjs')) as typeof import('../src/index')
  const silent = { info() {}, warn() {}, error() {}, debug() {} }
  const vn = createVectornator({ root: args.root, provider: args.provider, metadata: 'file', logger: silent } as never)
  const opened = performance.now()
  const connection = await vn.connect()
  const openMs = performance.now() - opened
  const times: number[] = []
  let found = 0
  try {
    for (const q of QUESTIONS) {
      const started = performance.now()
      const { hits } = await connection.search(q.question, { limit: LIMIT, locale: '*', version: '*' })
      times.push(performance.now() - started)
      if (hits.some(h => h.path === q.page)) found++
    }
  } finally {
    await connection.close()
  }
  const rss = process.resourceUsage().maxRSS * 1024
  const report: SearchReport = { openMs, times, found, rss, chunks: await countChunks(require, args) }
  process.stdout.write(JSON.stringify(report))
}

/** Chunks in the store, counted with the engine's own client once the connection is closed. */
async function countChunks(require: NodeRequire, args: { root: string; provider: string; store: string }) {
  const dir = join(args.root, args.store)
  if (args.provider === 'lancedb') {
    const lancedb = require('@lancedb/lancedb') as typeof import('@lancedb/lancedb')
    const db = await lancedb.connect(dir)
    let count = 0
    for (const name of await db.tableNames()) count += await (await db.openTable(name)).countRows()
    db.close()
    return count
  }
  const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite')
  const db = await PGlite.create(dir)
  try {
    const [row] = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM vectornator.chunks')).rows
    return row!.n
  } finally {
    await db.close()
  }
}

if (process.env[SEARCH_ENV]) {
  searchProcess(JSON.parse(process.env[SEARCH_ENV]!)).catch(error => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`)
    process.exitCode = 1
  })
}
