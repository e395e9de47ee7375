/**
 * `npm run bench -- --only vectors`: our postgres provider beside LangChain.js's indexing API
 * (bench/peer/), both keeping a pgvector table in step with the tldr `linux` pages.
 *
 * Every run of a tool gets its own database (PGlite with pgvector behind the PostgreSQL wire
 * protocol, bench/lib/pglite-server.ts) and its own offline embeddings server, each in a process
 * of its own, and a fresh copy of the pages; in it the tool runs three times, each a whole process
 * timed from spawn to exit: the first sync, a no-op, then 20 pages edited, 5 deleted and 5 added.
 * The tools take turns run by run. After each step the database is read back: every page must be
 * there and nothing else, so both tools are measured doing the same job.
 */
import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { basename, join, relative, sep } from 'node:path'
import { runNode, type ChildRun } from './lib/child'
import type { Corpus } from './lib/corpus'
import { startPGliteServer, type PGliteServer } from './lib/pglite-server'
import { type BenchServer, startServer } from './lib/server'
import { formatBytes, formatMs, formatRatio, median, spread } from './lib/stats'

export const PEER = join(import.meta.dirname, 'peer')
export const FOLDER = 'linux'
/** What one OpenAI embeddings request takes (and what our provider fills a request with). */
export const INPUTS_PER_REQUEST = 2048
/**
 * Embedding requests our provider keeps in flight (EMBEDDING_ROUNDS_IN_FLIGHT in
 * src/providers/postgres/upload.ts): the concurrency the latency row's bound divides by.
 */
const OUR_EMBEDDINGS_IN_FLIGHT = 2
const SLOW_MS = 100
const EDITED = 20
const DELETED = 5
const ADDED = 5

/** The shape of bench/run.ts's table rows. */
export interface VectorsRow {
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
  /** Median os.loadavg() (1 min) at the end of the row's runs. */
  load: string
}

export interface VectorsOptions {
  /** The built CLI measured. */
  cli: string
  corpus: Corpus
  /** A folder the runs may fill and empty. */
  tmp: string
  runs: number
  /** Added to every request of the offline server in the main runs. */
  latencyMs: number
  log: (line: string) => void
  load: () => string
}

type Tool = 'ours' | 'langchain' | 'langchain-hnsw'
const TOOLS: { tool: Tool; label: string }[] = [
  { tool: 'ours', label: 'vectornator sync --provider postgres' },
  { tool: 'langchain', label: 'LangChain index(), no vector index' },
  { tool: 'langchain-hnsw', label: 'LangChain index(), HNSW index' },
]
type Step = 'first' | 'noop' | 'changed'
const STEPS: { step: Step; label: string }[] = [
  { step: 'first', label: 'first sync' },
  { step: 'noop', label: 'no-op' },
  { step: 'changed', label: `${EDITED} edited + ${DELETED} deleted + ${ADDED} added` },
]

interface Measure extends ChildRun {
  requests: number
  inputs: number
  /** Chunks per page in the database after the step. */
  contents: Map<string, number>
  /** os.loadavg() (1 min) when the step ended: the machine is shared. */
  load: number
}

/**
 * Installs LangChain in bench/peer/ from its lock file (never into the root package): the first time,
 * and again when a package it pins is missing or at another version.
 */
export function ensurePeer(log: (line: string) => void): void {
  const { dependencies } = JSON.parse(readFileSync(join(PEER, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
  }
  const installed = (name: string, spec: string) => {
    const file = join(PEER, 'node_modules', name, 'package.json')
    if (!existsSync(file)) return false
    return !/^\d/.test(spec) || (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version === spec
  }
  if (Object.entries(dependencies).every(([name, spec]) => installed(name, spec))) return
  log('bench/peer: npm ci --legacy-peer-deps (LangChain and the store clients)')
  // --legacy-peer-deps: @langchain/community lists dozens of optional peers whose ranges clash.
  const run = spawnSync('npm', ['ci', '--legacy-peer-deps', '--no-audit', '--no-fund'], {
    cwd: PEER,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  if (run.status !== 0) throw new Error('npm ci in bench/peer failed: run it there by hand to see why')
}

export function listPages(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue
      if (e.isDirectory()) walk(join(dir, e.name))
      else if (e.name.endsWith('.md')) out.push(relative(root, join(dir, e.name)).split(sep).join('/'))
    }
  }
  walk(root)
  return out.sort()
}

/** The same edits, deletions and additions in every run: strided picks, new pages from another folder. */
export function change(root: string, source: string): void {
  const pages = listPages(root)
  const picked = new Set<string>()
  for (let i = 0; picked.size < EDITED + DELETED; i++) picked.add(pages[(i * 97) % pages.length]!)
  const [edited, deleted] = [[...picked].slice(0, EDITED), [...picked].slice(EDITED)]
  for (const page of edited) appendFileSync(join(root, page), '\n- Edited for the benchmark:\n\n`bench --edited`\n')
  for (const page of deleted) rmSync(join(root, page))
  const taken = new Set(pages.map(p => basename(p)))
  const extra = listPages(join(source, 'common'))
    .filter(page => !taken.has(basename(page)))
    .slice(0, ADDED)
  for (const page of extra) cpSync(join(source, 'common', page), join(root, FOLDER, basename(page)))
}

async function runTool(tool: Tool, cli: string, root: string, env: Record<string, string>): Promise<ChildRun> {
  const args =
    tool === 'ours'
      ? [cli, 'sync', '--json', '--root', root, '--provider', 'postgres', '--metadata', 'file']
      : [join(PEER, 'index.mjs'), root, ...(tool === 'langchain-hnsw' ? ['--hnsw'] : [])]
  const run = await runNode(args, { cwd: root, env })
  if (run.code !== 0)
    throw new Error(`${tool} exited ${run.code}: ${run.stderr.trim().split('\n').slice(-15).join('\n')}`)
  if (tool === 'ours') {
    const result = JSON.parse(run.stdout) as { failed: { path: string; error: string }[] }
    if (result.failed.length) throw new Error(`ours failed ${result.failed[0]!.path}: ${result.failed[0]!.error}`)
  }
  return run
}

/**
 * The goals of a row of ours against the peer: a first sync at most half the peer's time, and
 * embedding requests no more than full ones need, plus the first small one.
 */
export function peerGoals(
  ours: boolean,
  first: boolean,
  ratio: number,
  requests: number,
  inputs: number,
): { allowed: number; met: [string, boolean][] } {
  const allowed = Math.ceil(inputs / INPUTS_PER_REQUEST) + 1
  const met: [string, boolean][] = []
  if (ours && first) met.push(['time', ratio <= 0.5])
  if (ours) met.push(['requests', requests <= allowed])
  return { allowed, met }
}

/** Chunks per page as each tool stored them (with a vector each). */
async function contentsOf(tool: Tool, db: PGliteServer): Promise<Map<string, number>> {
  const sql =
    tool === 'ours'
      ? `SELECT d.path, count(*)::int AS n, count(c.embedding)::int AS v
           FROM vectornator.documents d JOIN vectornator.chunks c USING (file_id) GROUP BY d.path`
      : `SELECT metadata->>'source' AS path, count(*)::int AS n, count(embedding)::int AS v
           FROM langchain_pg_embedding GROUP BY 1`
  const rows = await db.query<{ path: string; n: number; v: number }>(sql)
  const unembedded = rows.find(r => r.v !== r.n)
  if (unembedded) throw new Error(`${tool}: ${unembedded.path} has chunks without a vector`)
  return new Map(rows.map(r => [r.path, r.n]))
}

async function hnswIndexes(db: PGliteServer): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexdef ILIKE '%hnsw%'`)
  return rows[0]!.n
}

/**
 * One run of one tool: a fresh copy of the pages, database and embeddings server, then the steps
 * in order. With `buildIndexAfter` the HNSW index LangChain's plain variant lacks is built once at
 * the end, over its final rows, and timed: what indexing after the load costs on this engine.
 */
async function session(
  o: VectorsOptions,
  tool: Tool,
  name: string,
  latencyMs: number,
  steps: Step[],
  buildIndexAfter = false,
): Promise<{ measures: Partial<Record<Step, Measure>>; indexBuildMs?: number }> {
  const dir = join(o.tmp, `vectors-${name}`)
  const root = join(dir, 'docs')
  rmSync(dir, { recursive: true, force: true })
  cpSync(join(o.corpus.root, FOLDER), join(root, FOLDER), { recursive: true })
  const started = await Promise.allSettled([
    startPGliteServer(join(dir, 'db')),
    startServer({ latencyMs, rateLimits: false }),
  ])
  const [db, api] = started.map(s => (s.status === 'fulfilled' ? s.value : undefined)) as [PGliteServer, BenchServer]
  if (!db || !api) {
    await Promise.all([db?.close(), api?.close()])
    throw (started.find(s => s.status === 'rejected') as PromiseRejectedResult).reason
  }
  const env = { DATABASE_URL: db.url, OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: api.url }
  const measures: Partial<Record<Step, Measure>> = {}
  let indexBuildMs: number | undefined
  try {
    for (const step of steps) {
      if (step === 'changed') change(root, o.corpus.root)
      await api.reset()
      const run = await runTool(tool, o.cli, root, env)
      const { requests, inputs } = await api.stats()
      const contents = await contentsOf(tool, db)
      const expected = listPages(root)
      const missing = expected.filter(p => !contents.has(p))
      if (missing.length || contents.size !== expected.length)
        throw new Error(
          `${tool} after ${step}: ${contents.size} pages in the database, ${expected.length} on disk (${missing.length} missing, e.g. ${missing[0]})`,
        )
      if (step === 'first') {
        const indexes = await hnswIndexes(db)
        if ((tool === 'langchain') !== (indexes === 0))
          throw new Error(`${tool}: ${indexes} HNSW indexes after the first sync`)
      }
      measures[step] = { ...run, requests, inputs, contents, load: loadavg()[0]! }
      o.log(
        `vectors ${name} ${step}: ${formatMs(run.ms)}, ${requests} embedding requests, ${inputs} inputs, ${formatBytes(run.rss)}  (load ${o.load()})`,
      )
    }
    if (buildIndexAfter) {
      const began = performance.now()
      await db.query(`CREATE INDEX ON langchain_pg_embedding USING hnsw ((embedding::vector(1536)) vector_cosine_ops)`)
      indexBuildMs = performance.now() - began
    }
  } finally {
    await Promise.all([db.close(), api.close()])
    rmSync(dir, { recursive: true, force: true })
  }
  return { measures, indexBuildMs }
}

/** How two tools' chunking of the same pages differs: pages whose chunk counts differ, and the totals. */
function compareChunks(a: Map<string, number>, b: Map<string, number>): { differ: number; a: number; b: number } {
  let differ = 0
  for (const [path, n] of a) if (b.get(path) !== n) differ++
  const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0)
  return { differ, a: total(a), b: total(b) }
}

export async function vectorsBench(o: VectorsOptions): Promise<{ rows: VectorsRow[]; notes: string[] }> {
  ensurePeer(o.log)
  const results: Record<Tool, Measure[][]> = { ours: [], langchain: [], 'langchain-hnsw': [] }
  let indexBuildMs: number | undefined
  for (let run = 0; run < o.runs; run++) {
    // Each run starts with a different tool, so none always meets the machine at the same moment.
    const order = TOOLS.map((_, i) => TOOLS[(i + run) % TOOLS.length]!.tool)
    for (const tool of order) {
      const done = await session(
        o,
        tool,
        `${tool}-${run}`,
        o.latencyMs,
        STEPS.map(s => s.step),
        tool === 'langchain' && run === 0,
      )
      results[tool].push(STEPS.map(s => done.measures[s.step]!))
      indexBuildMs ??= done.indexBuildMs
    }
  }

  const slow: Measure[] = []
  for (let run = 0; run < o.runs; run++)
    slow.push((await session(o, 'ours', `ours-slow-${run}`, SLOW_MS, ['first'])).measures.first!)

  const rows: VectorsRow[] = []
  const n = listPages(join(o.corpus.root, FOLDER)).length
  const med = (tool: Tool, i: number, pick: (m: Measure) => number) => median(results[tool].map(r => pick(r[i]!)))
  for (const [i, { step, label }] of STEPS.entries()) {
    const peerMs = med('langchain-hnsw', i, m => m.ms)
    for (const { tool, label: toolLabel } of TOOLS) {
      const ms = med(tool, i, m => m.ms)
      // Each run's figure against LangChain + HNSW's in the same run: the load on this shared
      // machine moves between runs far more than between two tools' turns within one.
      const ratio = median(results[tool].map((r, run) => r[i]!.ms / results['langchain-hnsw'][run]![i]!.ms))
      const requests = med(tool, i, m => m.requests)
      const inputs = med(tool, i, m => m.inputs)
      const chunks = med(tool, i, m => [...m.contents.values()].reduce((a, b) => a + b, 0))
      const ours = tool === 'ours'
      const { allowed, met } = peerGoals(ours, step === 'first', ratio, requests, inputs)
      rows.push({
        scenario: `Vectors, ${label} (${n.toLocaleString('en')} pages): ${toolLabel}`,
        median: formatMs(ms),
        spread: spread(results[tool].map(r => r[i]!.ms)),
        reference: tool === 'langchain-hnsw' ? '-' : `LangChain + HNSW ${formatMs(peerMs)}`,
        ratio: formatRatio(ratio),
        perFile: `${requests} embedding requests, ${inputs} inputs; ${chunks} chunks stored`,
        rateLimited: '0',
        rss: formatBytes(med(tool, i, m => m.rss)),
        goal: !ours
          ? '-'
          : `${step === 'first' ? '<= 0.5x LangChain + HNSW, ' : ''}requests <= ceil(inputs / ${INPUTS_PER_REQUEST}) + 1 (${allowed})`,
        met,
        load: med(tool, i, m => m.load).toFixed(2),
      })
    }
  }

  const slowMs = median(slow.map(r => r.ms))
  const slowRequests = median(slow.map(r => r.requests))
  const inFlight = Math.min(OUR_EMBEDDINGS_IN_FLIGHT, slowRequests)
  const bound = (slowRequests * SLOW_MS) / inFlight
  rows.push({
    scenario: `Vectors, first sync (${n.toLocaleString('en')} pages), ${SLOW_MS} ms per request: vectornator`,
    median: formatMs(slowMs),
    spread: spread(slow.map(r => r.ms)),
    reference: `${slowRequests} requests x ${SLOW_MS} ms / ${inFlight} in flight = ${formatMs(bound)} (at ${o.latencyMs} ms: ${formatMs(med('ours', 0, m => m.ms))})`,
    ratio: formatRatio(slowMs / bound),
    perFile: `${slowRequests} embedding requests, ${median(slow.map(r => r.inputs))} inputs`,
    rateLimited: '0',
    rss: formatBytes(median(slow.map(r => r.rss))),
    goal: "<= 1.2x the embedding requests' time",
    met: [['time', slowMs <= 1.2 * bound]],
    load: median(slow.map(r => r.load)).toFixed(2),
  })

  const first = compareChunks(results.ours[0]![0]!.contents, results['langchain-hnsw'][0]![0]!.contents)
  const changed = compareChunks(results.ours[0]![2]!.contents, results['langchain-hnsw'][0]![2]!.contents)
  const notes = [
    [
      `- **Vectors** (\`--only vectors\`): the tldr \`${FOLDER}\` pages kept in a pgvector table by our CLI`,
      '  (`sync --provider postgres --metadata file`, `DATABASE_URL` to the database, OpenAI embeddings from',
      '  `OPENAI_BASE_URL`) and by LangChain.js (`bench/peer/index.mjs`: `RecursiveCharacterTextSplitter`',
      '  1500/200, `index()` with a `PostgresRecordManager` and cleanup `full`, `PGVectorStore`,',
      "  `OpenAIEmbeddings` at its defaults, i.e. index()'s batches of 100 chunks, one request each), with",
      '  and without the HNSW index that `createHnswIndex` makes before the first document goes in (ours',
      `  is built once after the first load). Each run of a tool: a fresh PGlite with pgvector served over`,
      `  the wire protocol (\`@electric-sql/pglite-socket\`), a fresh offline server (${o.latencyMs} ms per request),`,
      '  both in processes of their own, and a fresh copy of the pages; first sync, no-op, then',
      `  ${EDITED} pages edited, ${DELETED} deleted and ${ADDED} added (new names from \`common\`), each step a whole`,
      `  process; the tools take turns run by run, medians of ${o.runs}; each ratio is the median of the runs'
  ratios to LangChain + HNSW in the same run. Requests and inputs are counted at the`,
      '  embeddings server. After every step the database is read back: each page on disk has its chunks',
      '  there, each with a vector, and no other page; the HNSW index is where it should be.',
      `- Chunking: ours cuts Markdown at headings, then packs paragraphs to 1500 characters with 200`,
      '  of overlap, each chunk led by its heading trail; LangChain splits the raw text at 1500 characters',
      `  (paragraphs, lines, words) with 200 of overlap. Chunks stored after the first sync: ours ${first.a},`,
      `  LangChain ${first.b} (${first.differ} pages chunked into a different number of pieces); after the`,
      `  changes: ours ${changed.a}, LangChain ${changed.b} (${changed.differ} differ).`,
      indexBuildMs === undefined
        ? undefined
        : `- HNSW built once over LangChain's ${changed.b} final rows (1536 dimensions) on this engine: ${formatMs(indexBuildMs)}.`,
      `- The ${SLOW_MS} ms row: our first sync with ${SLOW_MS} ms added to every embeddings request; the bound`,
      `  is the requests' own time at the ${OUR_EMBEDDINGS_IN_FLIGHT} requests our provider keeps in flight, so with a`,
      '  handful of requests it leaves nothing for start-up, chunking, the rows and the index.',
    ]
      .filter(line => line !== undefined)
      .join('\n'),
  ]
  return { rows, notes }
}
