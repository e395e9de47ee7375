/**
 * `npm run bench -- --only vectors-qdrant`: the vectors scenario of bench/vectors.ts on Qdrant. Our
 * CLI (`sync --provider qdrant --metadata file`) beside LangChain.js's indexing API with a
 * `QdrantVectorStore` (bench/peer/index.mjs --qdrant; its record manager in PostgreSQL, as
 * LangChain.js has no other that outlives a process), both against the offline Qdrant server of
 * `vectornator/testing` (not Qdrant: what it costs the tools to talk to a Qdrant, not what a real
 * Qdrant costs), each run with a fresh one, a fresh embeddings server and a fresh copy of the pages.
 * Steps as there: first sync, no-op, then pages edited, deleted and added; each a whole process;
 * the tools take turns run by run. After each step the collection is read back: every page on
 * disk is in it and nothing else.
 */
import { cpSync, rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { runNode, type ChildRun } from './lib/child'
import { startPGliteServer, type PGliteServer } from './lib/pglite-server'
import { startServer } from './lib/server'
import { formatBytes, formatMs, formatRatio, median, spread } from './lib/stats'
import { startOfflineStore } from './lib/store-server'
import {
  change,
  ensurePeer,
  FOLDER,
  INPUTS_PER_REQUEST,
  listPages,
  PEER,
  peerGoals,
  type VectorsOptions,
  type VectorsRow,
} from './vectors'

type Tool = 'ours' | 'langchain'
const TOOLS: { tool: Tool; label: string }[] = [
  { tool: 'ours', label: 'vectornator sync --provider qdrant' },
  { tool: 'langchain', label: 'LangChain index(), QdrantVectorStore' },
]
type Step = 'first' | 'noop' | 'changed'
const STEPS: Step[] = ['first', 'noop', 'changed']
const LABELS: Record<Step, string> = { first: 'first sync', noop: 'no-op', changed: '20 edited + 5 deleted + 5 added' }

interface Measure extends ChildRun {
  requests: number
  inputs: number
  records: number
  load: number
}

async function session(o: VectorsOptions, tool: Tool, name: string): Promise<Record<Step, Measure>> {
  const dir = join(o.tmp, `vectors-qdrant-${name}`)
  const root = join(dir, 'docs')
  rmSync(dir, { recursive: true, force: true })
  cpSync(join(o.corpus.root, FOLDER), join(root, FOLDER), { recursive: true })
  const [store, api, db] = await Promise.all([
    startOfflineStore('qdrant', 1536),
    startServer({ latencyMs: o.latencyMs, rateLimits: false }),
    tool === 'langchain' ? startPGliteServer(join(dir, 'db')) : Promise.resolve(undefined as PGliteServer | undefined),
  ])
  const env: Record<string, string> = {
    QDRANT_URL: store.url,
    QDRANT_API_KEY: store.apiKey,
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: api.url,
    ...(db ? { DATABASE_URL: db.url } : {}),
  }
  const measures = {} as Record<Step, Measure>
  let collection = 'langchain'
  try {
    for (const step of STEPS) {
      if (step === 'changed') change(root, o.corpus.root)
      await api.reset()
      const args =
        tool === 'ours'
          ? [o.cli, 'sync', '--json', '--root', root, '--provider', 'qdrant', '--metadata', 'file']
          : [join(PEER, 'index.mjs'), root, '--qdrant']
      const run = await runNode(args, { cwd: root, env })
      if (run.code !== 0)
        throw new Error(`${tool} exited ${run.code}: ${run.stderr.trim().split('\n').slice(-15).join('\n')}`)
      if (tool === 'ours') {
        const result = JSON.parse(run.stdout) as { storeId: string; failed: { path: string; error: string }[] }
        if (result.failed.length) throw new Error(`ours failed ${result.failed[0]!.path}: ${result.failed[0]!.error}`)
        collection = result.storeId
      }
      const { requests, inputs } = await api.stats()
      const held = await store.stats(collection)
      const expected = listPages(root)
      const paths = new Set(held.paths ?? [])
      const missing = expected.filter(p => !paths.has(p))
      if (missing.length || paths.size !== expected.length)
        throw new Error(
          `${tool} after ${step}: ${paths.size} pages in the collection, ${expected.length} on disk (${missing.length} missing, e.g. ${missing[0]})`,
        )
      measures[step] = { ...run, requests, inputs, records: held.records ?? 0, load: loadavg()[0]! }
      o.log(
        `vectors-qdrant ${name} ${step}: ${formatMs(run.ms)}, ${requests} embedding requests, ${inputs} inputs, ${held.records} points, ${formatBytes(run.rss)}  (load ${o.load()})`,
      )
    }
  } finally {
    await Promise.all([store.close(), api.close(), db?.close()])
    rmSync(dir, { recursive: true, force: true })
  }
  return measures
}

export async function vectorsQdrantBench(o: VectorsOptions): Promise<{ rows: VectorsRow[]; notes: string[] }> {
  ensurePeer(o.log)
  const results: Record<Tool, Record<Step, Measure>[]> = { ours: [], langchain: [] }
  for (let run = 0; run < o.runs; run++) {
    const order = run % 2 ? [...TOOLS].reverse() : TOOLS
    for (const { tool } of order) results[tool].push(await session(o, tool, `${tool}-${run}`))
  }
  const n = listPages(join(o.corpus.root, FOLDER)).length
  const rows: VectorsRow[] = []
  for (const step of STEPS) {
    const peerMs = median(results.langchain.map(r => r[step].ms))
    for (const { tool, label } of TOOLS) {
      const runs = results[tool].map(r => r[step])
      const ms = median(runs.map(r => r.ms))
      const ratio = median(results[tool].map((r, i) => r[step].ms / results.langchain[i]![step].ms))
      const requests = median(runs.map(r => r.requests))
      const inputs = median(runs.map(r => r.inputs))
      const ours = tool === 'ours'
      const { allowed, met } = peerGoals(ours, step === 'first', ratio, requests, inputs)
      rows.push({
        scenario: `Vectors on Qdrant (offline server), ${LABELS[step]} (${n.toLocaleString('en')} pages): ${label}`,
        median: formatMs(ms),
        spread: spread(runs.map(r => r.ms)),
        reference: ours ? `LangChain ${formatMs(peerMs)}` : '-',
        ratio: formatRatio(ratio),
        perFile: `${requests} embedding requests, ${inputs} inputs; ${median(runs.map(r => r.records))} points`,
        rateLimited: '0',
        rss: formatBytes(median(runs.map(r => r.rss))),
        goal: ours
          ? `${step === 'first' ? '<= 0.5x LangChain, ' : ''}requests <= ceil(inputs / ${INPUTS_PER_REQUEST}) + 1 (${allowed})`
          : '-',
        met,
        load: median(runs.map(r => r.load)).toFixed(2),
      })
    }
  }
  const notes = [
    [
      '- **Vectors on Qdrant** (`--only vectors-qdrant`): the same pages and steps as the pgvector rows, into',
      '  the offline Qdrant server of `vectornator/testing` (a process of its own, fresh each run; it does not',
      '  index, so neither tool waits for an index): our CLI with `--provider qdrant`, and LangChain.js',
      '  `index()` with a `QdrantVectorStore` and a `PostgresRecordManager` (PGlite over the wire protocol),',
      `  cleanup \`full\`. Medians of ${o.runs}, tools alternating; each ratio the median of the runs' ratios.`,
      '  After every step the collection holds every page on disk and no other.',
    ].join('\n'),
  ]
  return { rows, notes }
}
