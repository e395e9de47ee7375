/**
 * `npm run bench -- --only connections`: does the postgres provider's `maxConnections` (its pool's
 * size, and so the documents' transactions written at once) help or cost, and where?
 *
 * The tldr `linux` pages of bench/vectors.ts, a first sync and then 20 pages edited, 5 deleted and
 * 5 added, each a whole process of our CLI (`sync --provider postgres --metadata file`, the setting
 * in a config file given with `--config`), into:
 * - PGlite with pgvector behind the wire protocol (bench/lib/pglite-server.ts), a fresh one per run:
 *   every connection ends on its one backend;
 * - a PostgreSQL server (`VECTORNATOR_BENCH_DATABASE_URL`, else `VECTORNATOR_TEST_DATABASE_URL`,
 *   which `source .ci/postgres.sh` exports), a fresh database per run: a backend per connection;
 * - the embedded PGlite (no DATABASE_URL), where the setting bounds only the writes in flight.
 * Embeddings come from the offline OpenAI-compatible server, fresh per run. The settings take turns
 * run by run; each ratio is the median of the runs' ratios to 1 connection in the same run. After
 * each step the sync's own report, and where the bench can read it the database, must hold every
 * page on disk and nothing else.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { runNode, type ChildRun } from './lib/child'
import { startPGliteServer, type PGliteServer } from './lib/pglite-server'
import { type BenchServer, startServer } from './lib/server'
import { formatBytes, formatMs, formatRatio, median, spread } from './lib/stats'
import { POSTGRES_DEFAULTS } from '../src/providers/postgres/options'
import { change, FOLDER, listPages, type VectorsOptions, type VectorsRow } from './vectors'

type Engine = 'wire' | 'server' | 'embedded'
const ENGINES: { engine: Engine; label: string; settings: number[] }[] = [
  { engine: 'wire', label: 'PGlite over the wire protocol', settings: [1, 2, 4, 8] },
  { engine: 'server', label: 'PostgreSQL server', settings: [1, 2, 4, 8] },
  { engine: 'embedded', label: 'embedded PGlite', settings: [1, 4] },
]
type Step = 'first' | 'changed'
const STEPS: { step: Step; label: string }[] = [
  { step: 'first', label: 'first sync' },
  { step: 'changed', label: '20 edited + 5 deleted + 5 added' },
]
/** What the change step must report (bench/vectors.ts's `change`). */
const CHANGED = { added: 5, updated: 20, deleted: 5 }
/** The provider's default (POSTGRES_DEFAULTS.maxConnections), which the findings weigh the others against. */
const DEFAULT = POSTGRES_DEFAULTS.maxConnections
/** How often the server's connections are counted during a sync: often enough to see a pool fill, rarely enough to cost nothing. */
const WATCH_MS = 25

interface Measure extends ChildRun {
  requests: number
  inputs: number
  /** Most connections the server saw to the run's database at once (server only). */
  peak?: number
  load: number
}

interface SyncReport {
  added: string[]
  updated: string[]
  deleted: string[]
  failed: { path: string; error: string }[]
}

/** A PostgreSQL server the bench may make databases on, or why there is none. */
interface Server {
  base: URL
  create(): Promise<URL>
  drop(url: URL): Promise<void>
  query<T>(sql: string, params?: unknown[]): Promise<T[]>
  close(): Promise<void>
}

async function openServer(): Promise<Server | string> {
  const given = process.env.VECTORNATOR_BENCH_DATABASE_URL || process.env.VECTORNATOR_TEST_DATABASE_URL
  if (!given)
    return 'neither VECTORNATOR_BENCH_DATABASE_URL nor VECTORNATOR_TEST_DATABASE_URL is set (`source .ci/postgres.sh` sets the second)'
  const base = new URL(given)
  const admin = new pg.Client({ connectionString: base.href })
  try {
    await admin.connect()
  } catch (error) {
    return `${base.host} is not reachable: ${(error as Error).message}`
  }
  let made = 0
  const role = decodeURIComponent(base.username) || 'postgres'
  return {
    base,
    async create() {
      const name = `vn_bench_conn_${process.pid}_${++made}`
      try {
        await admin.query(`CREATE DATABASE "${name}"`)
      } catch (error) {
        // A plain role (what .ci/postgres.sh makes, what a hosted server gives) may not create
        // databases: on this machine the postgres OS user can, owned by that role.
        if ((error as { code?: string }).code !== '42501') throw error
        const [as, ...pre] = process.getuid?.() === 0 ? ['runuser'] : ['sudo', '-n']
        const created = spawnSync(
          as!,
          [...pre, '-u', 'postgres', '--', 'createdb', '-p', base.port || '5432', '-O', role, name],
          { encoding: 'utf8' },
        )
        if (created.status !== 0)
          throw new Error(`${role} may not create databases and createdb as postgres failed: ${created.stderr.trim()}`)
      }
      const url = new URL(base.href)
      url.pathname = `/${name}`
      return url
    },
    async drop(url) {
      await admin.query(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}"`)
    },
    query: async <T>(sql: string, params?: unknown[]) => (await admin.query(sql, params)).rows as T[],
    close: () => admin.end(),
  }
}

/** A fresh database of the engine for one run: its URL (none for the embedded store), a way to read it back, and its end. */
interface Database {
  url?: string
  documents?(): Promise<number>
  /** The most connections at once since the last call (server only). */
  peak?(): number
  close(): Promise<void>
}

async function freshDatabase(engine: Engine, dir: string, server: Server | undefined): Promise<Database> {
  if (engine === 'embedded') return { close: async () => {} }
  if (engine === 'wire') {
    const db: PGliteServer = await startPGliteServer(join(dir, 'db'))
    return {
      url: db.url,
      documents: async () =>
        (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM vectornator.documents'))[0]!.n,
      close: () => db.close(),
    }
  }
  const url = await server!.create()
  const client = new pg.Client({ connectionString: url.href })
  await client.connect()
  // Counted from the bench's own connection to another database, so the count is the sync's alone.
  let peak = 0
  let watching = true
  const watcher = (async () => {
    while (watching) {
      const rows = await server!.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> $2',
        [url.pathname.slice(1), (client as unknown as { processID: number }).processID],
      )
      peak = Math.max(peak, rows[0]!.n)
      await new Promise(r => setTimeout(r, WATCH_MS))
    }
  })()
  return {
    url: url.href,
    documents: async () =>
      (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM vectornator.documents')).rows[0]!.n,
    peak() {
      const seen = peak
      peak = 0
      return seen
    },
    async close() {
      watching = false
      await watcher
      await client.end()
      await server!.drop(url)
    },
  }
}

/** One run of one setting on one engine: a fresh copy of the pages, database and embeddings server, then the steps. */
async function session(
  o: VectorsOptions,
  engine: Engine,
  maxConnections: number,
  name: string,
  server: Server | undefined,
): Promise<Record<Step, Measure>> {
  const dir = join(o.tmp, `connections-${name}`)
  const root = join(dir, 'docs')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  cpSync(join(o.corpus.root, FOLDER), join(root, FOLDER), { recursive: true })
  const config = join(dir, 'vectornator.config.json')
  writeFileSync(config, JSON.stringify({ postgres: { maxConnections } }))
  const started = await Promise.allSettled([
    freshDatabase(engine, dir, server),
    startServer({ latencyMs: o.latencyMs, rateLimits: false }),
  ])
  const [db, api] = started.map(s => (s.status === 'fulfilled' ? s.value : undefined)) as [Database, BenchServer]
  if (!db || !api) {
    await Promise.all([db?.close(), api?.close()])
    throw (started.find(s => s.status === 'rejected') as PromiseRejectedResult).reason
  }
  const env = { DATABASE_URL: db.url, OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: api.url }
  const measures = {} as Record<Step, Measure>
  try {
    for (const { step } of STEPS) {
      if (step === 'changed') change(root, o.corpus.root)
      await api.reset()
      db.peak?.()
      const args = [o.cli, 'sync', '--json', '--root', root, '--provider', 'postgres', '--metadata', 'file']
      const run = await runNode([...args, '--config', config], { cwd: root, env })
      if (run.code !== 0)
        throw new Error(`${name} ${step} exited ${run.code}: ${run.stderr.trim().split('\n').slice(-15).join('\n')}`)
      const peak = db.peak?.()
      const report = JSON.parse(run.stdout) as SyncReport
      const expected = listPages(root).length
      const counts = { added: report.added.length, updated: report.updated.length, deleted: report.deleted.length }
      const wanted = step === 'first' ? { added: expected, updated: 0, deleted: 0 } : CHANGED
      if (report.failed.length || Object.entries(wanted).some(([k, v]) => counts[k as keyof typeof counts] !== v))
        throw new Error(`${name} ${step}: reported ${JSON.stringify({ ...counts, failed: report.failed.length })}`)
      const held = await db.documents?.()
      if (held !== undefined && held !== expected)
        throw new Error(`${name} after ${step}: ${held} pages in the database, ${expected} on disk`)
      const { requests, inputs } = await api.stats()
      measures[step] = { ...run, requests, inputs, peak, load: loadavg()[0]! }
      o.log(
        `connections ${name} ${step}: ${formatMs(run.ms)}, ${requests} embedding requests${peak === undefined ? '' : `, ${peak} connections at most`}, ${formatBytes(run.rss)}  (load ${o.load()})`,
      )
    }
  } finally {
    await Promise.all([db.close(), api.close()])
    rmSync(dir, { recursive: true, force: true })
  }
  return measures
}

export async function connectionsBench(o: VectorsOptions): Promise<{ rows: VectorsRow[]; notes: string[] }> {
  const opened = await openServer()
  const server = typeof opened === 'string' ? undefined : opened
  const engines = ENGINES.filter(e => e.engine !== 'server' || server)
  if (!server) o.log(`connections: no PostgreSQL server, its rows skipped: ${opened as string}`)
  // Per engine and setting, each run's measures (run i of every setting from the same round).
  const results = new Map(
    engines.map(e => [e.engine, new Map(e.settings.map(n => [n, [] as Record<Step, Measure>[]]))]),
  )
  let pgvector = false
  try {
    if (server)
      pgvector = (await server.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`)).length > 0
    for (let run = 0; run < o.runs; run++) {
      for (const { engine, settings } of engines) {
        // Each run starts with another setting, so none always meets the machine at the same moment.
        const order = settings.map((_, i) => settings[(i + run) % settings.length]!)
        for (const n of order)
          results
            .get(engine)!
            .get(n)!
            .push(await session(o, engine, n, `${engine}-${n}-${run}`, server))
      }
    }
  } finally {
    await server?.close()
  }

  const pages = listPages(join(o.corpus.root, FOLDER)).length
  const rows: VectorsRow[] = []
  const findings: Finding[] = []
  for (const { engine, label, settings } of engines) {
    const bySetting = results.get(engine)!
    for (const { step, label: stepLabel } of STEPS) {
      const times = (n: number) => bySetting.get(n)!.map(r => r[step].ms)
      const ratios = (n: number) => times(n).map((ms, run) => ms / times(1)[run]!)
      const fastest = settings.reduce((best, n) => (median(ratios(n)) < median(ratios(best)) ? n : best))
      for (const n of settings) {
        const runs = bySetting.get(n)!.map(r => r[step])
        const peaks = runs.map(r => r.peak).filter((p): p is number => p !== undefined)
        rows.push({
          scenario: `Connections, ${label}, ${stepLabel} (${pages.toLocaleString('en')} pages): maxConnections ${n}${n === DEFAULT ? ' (default)' : ''}`,
          median: formatMs(median(times(n))),
          spread: spread(times(n)),
          reference: n === 1 ? '-' : `1 connection ${formatMs(median(times(1)))}`,
          ratio: formatRatio(median(ratios(n))),
          perFile: `${median(runs.map(r => r.requests))} embedding requests, ${median(runs.map(r => r.inputs))} inputs${peaks.length ? `; at most ${Math.max(...peaks)} connections seen` : ''}`,
          rateLimited: '0',
          rss: formatBytes(median(runs.map(r => r.rss))),
          goal: n === fastest ? `fastest of ${settings.join(', ')}` : '-',
          met: [],
          load: median(runs.map(r => r.load)).toFixed(2),
        })
      }
      findings.push(finding(label, stepLabel, settings, ratios, fastest))
    }
  }

  const notes = [
    [
      `- **Connections** (\`--only connections\`): the postgres provider's \`maxConnections\` (its pool's size,`,
      '  and so the transactions of documents written at once; 8 documents a transaction) at',
      `  ${ENGINES[0]!.settings.join(', ')} on the ${pages.toLocaleString('en')} tldr \`${FOLDER}\` pages: a first sync, then ${CHANGED.updated} edited, ${CHANGED.deleted} deleted and`,
      `  ${CHANGED.added} added, each a whole process of our CLI (\`sync --provider postgres --metadata file\`, the setting in a`,
      '  config file given with `--config`), OpenAI embeddings from a fresh offline server',
      `  (${o.latencyMs} ms per request). Into PGlite with pgvector behind the wire protocol (a fresh server process`,
      '  per run; every connection ends on its one backend, one statement at a time),',
      server
        ? `  a PostgreSQL server (${server.base.host}, a fresh database per run; ${pgvector ? 'with pgvector' : 'no pgvector there, so full-text only: no embedding requests, no vectors or HNSW index to write'}),`
        : `  a PostgreSQL server (skipped: ${opened as string}),`,
      '  and the embedded PGlite (no `DATABASE_URL`), where the setting bounds only the writes in flight.',
      `  Settings take turns run by run, medians of ${o.runs}; each ratio is the median of the runs' ratios to 1`,
      '  connection in the same run. After every step the sync reported every page (and the change) with',
      '  no failure, and the database (where the bench can open it) held exactly the pages on disk. On the',
      `  server the connections to the run's database were counted every ${WATCH_MS} ms during each sync.`,
      ...findings.map(f => f.line),
      conclusion(findings),
    ].join('\n'),
  ]
  return { rows, notes }
}

/** How an engine and step came out: its line in the note, and what the conclusion takes from it. */
interface Finding {
  line: string
  /** A setting faster than the default in every run, with its median ratio to the default's. */
  beatsDefault?: string
  /** The default faster than 1 connection in every run. */
  defaultHelps?: string
  /** The default slower than 1 connection in every run. */
  defaultCosts?: string
}

/**
 * One engine and step: the fastest setting, the default's place, and whether a difference stands
 * out of the runs' spread (every run's ratio of one below every run's of the other).
 */
function finding(
  label: string,
  step: string,
  settings: number[],
  ratios: (n: number) => number[],
  fastest: number,
): Finding {
  const at = (n: number) => median(ratios(n))
  const shown = settings.map(n => `${n}: ${formatRatio(at(n))}`).join(', ')
  // One run says nothing of the spread: no difference is called clear on it.
  const apart = (a: number, b: number) => ratios(a).length > 1 && Math.max(...ratios(a)) < Math.min(...ratios(b))
  const slowest = settings.reduce((worst, n) => (at(n) > at(worst) ? n : worst))
  const beaten = fastest !== DEFAULT && apart(fastest, DEFAULT)
  const verdict =
    fastest === DEFAULT
      ? `the default (${DEFAULT}) is the fastest`
      : beaten
        ? `${fastest} beats the default (${DEFAULT}) in every run`
        : `${fastest} is fastest, but within the runs' spread of the default (${DEFAULT})`
  const wide = apart(fastest, slowest) ? `; ${slowest} is slower than ${fastest} in every run` : ''
  return {
    line: `  - ${label}, ${step}: time against 1 connection ${shown}; ${verdict}${wide}.`,
    beatsDefault: beaten
      ? `${label}, ${step}: ${fastest} at ${formatRatio(at(fastest) / at(DEFAULT))} of the default's time`
      : undefined,
    defaultHelps: apart(DEFAULT, 1) ? `${label}, ${step} (${formatRatio(at(DEFAULT))})` : undefined,
    defaultCosts: apart(1, DEFAULT) ? `${label}, ${step} (${formatRatio(at(DEFAULT))})` : undefined,
  }
}

/** The note's last word: where the default is beaten beyond the spread, and where it beats or loses to one connection. */
function conclusion(findings: Finding[]): string {
  const beaten = findings.flatMap(f => f.beatsDefault ?? [])
  const helps = findings.flatMap(f => f.defaultHelps ?? [])
  const costs = findings.flatMap(f => f.defaultCosts ?? [])
  const against = (list: string[], verb: string) =>
    list.length
      ? `${DEFAULT} connections ${verb} 1 in every run on ${list.join('; ')}`
      : `on no engine and step do ${DEFAULT} connections ${verb} 1 in every run`
  return [
    `- Conclusion: ${beaten.length ? `the default (${DEFAULT}) is beaten beyond the runs' spread on ${beaten.join('; ')}` : `no setting beats the default (${DEFAULT}) beyond the runs' spread`}.`,
    `  ${against(helps, 'beat')}; ${against(costs, 'lose to')}; elsewhere the two are within the runs' spread.`,
  ].join('\n')
}
