/**
 * `npm run bench -- --only providers`: every provider that holds its own vectors, run by our built
 * CLI over the whole corpus (`node <cli> sync --provider <name> --metadata file`), each step a whole
 * process timed from spawn to exit: the first sync, a no-op, then 1% of the pages edited.
 *
 * Stores: Chroma, a real server started from npm (`chroma run`, a fresh data folder each run);
 * LanceDB, its embedded folder; PostgreSQL, PGlite with pgvector behind the wire protocol (as in
 * bench/vectors.ts), for reference; Qdrant and Pinecone, the offline servers of
 * `vectornator/testing` (not the real services). Embeddings come from the offline
 * OpenAI-compatible server, which counts requests and inputs. Every run starts with fresh stores,
 * embeddings server and copy of the pages; the providers take turns run by run. After each step
 * the store is read back: `vectornator verify --json` (the provider's own listing against the
 * state), and where the store is ours to read (PGlite, the offline servers) its distinct paths.
 *
 * VECTORNATOR_BENCH_PROVIDERS=qdrant,pinecone measures some of them only.
 */
import { cpSync, appendFileSync, readdirSync, rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join, relative, sep } from 'node:path'
import { runNode, type ChildRun } from './lib/child'
import { startChromaServer } from './lib/chroma-server'
import type { Corpus } from './lib/corpus'
import { startPGliteServer } from './lib/pglite-server'
import { startServer } from './lib/server'
import { formatBytes, formatMs, formatRatio, median, spread } from './lib/stats'
import { startOfflineStore } from './lib/store-server'
import { cpuMs } from './lib/proc-cpu'
import type { VectorsRow } from './vectors'
import { RACY_MS } from '../src/core/scan/stat-cache'

/** text-embedding-3-small's size: what the offline server returns and the Pinecone index is made with. */
const DIMENSION = 1536

export interface ProvidersOptions {
  cli: string
  corpus: Corpus
  tmp: string
  runs: number
  /** Added to every embeddings request. */
  latencyMs: number
  log: (line: string) => void
  load: () => string
}

type Provider = 'chroma' | 'lancedb' | 'postgres' | 'qdrant' | 'pinecone'
const PROVIDERS: { provider: Provider; label: string }[] = [
  { provider: 'chroma', label: 'chroma (real server from npm)' },
  { provider: 'lancedb', label: 'lancedb (embedded folder)' },
  { provider: 'postgres', label: 'postgres (PGlite socket server)' },
  { provider: 'qdrant', label: 'qdrant (our offline server, not Qdrant)' },
  { provider: 'pinecone', label: 'pinecone (our offline server, not Pinecone)' },
]
type Step = 'first' | 'noop' | 'changed'

interface Measure extends ChildRun {
  embeddingRequests: number
  inputs: number
  /** CPU time of the store's server process during the step (NaN for the embedded LanceDB). */
  storeCpuMs: number
  /** Requests the store answered; undefined where they cannot be counted. */
  storeRequests?: number
  /** Whether the store held exactly the corpus' documents after the step, and if not why. */
  exact: true | string
  load: number
}

/** A store for one run: the environment the CLI needs, what it holds, and its end. */
interface Store {
  env: Record<string, string>
  /** The server's process, when the store is one. */
  pid?: number
  /** Requests since the last reset, where countable, and the same by route. */
  requests?: () => Promise<{ total: number; byRoute: Record<string, number> }>
  reset?: () => Promise<void>
  /** Distinct paths in the store, where the bench can read it directly. */
  paths?: (storeId: string) => Promise<string[]>
  close: () => Promise<void>
}

async function openStore(provider: Provider, dir: string): Promise<Store> {
  if (provider === 'chroma') {
    const chroma = await startChromaServer(join(dir, 'chroma'))
    return { env: { CHROMA_URL: chroma.url }, pid: chroma.pid, close: chroma.close }
  }
  if (provider === 'lancedb') return { env: {}, close: async () => {} }
  if (provider === 'postgres') {
    const db = await startPGliteServer(join(dir, 'db'))
    return {
      env: { DATABASE_URL: db.url },
      pid: db.pid,
      paths: async () =>
        (await db.query<{ path: string }>('SELECT DISTINCT path FROM vectornator.documents')).map(r => r.path),
      close: db.close,
    }
  }
  const store = await startOfflineStore(provider, DIMENSION)
  const env: Record<string, string> =
    provider === 'qdrant'
      ? { QDRANT_URL: store.url, QDRANT_API_KEY: store.apiKey }
      : { PINECONE_API_KEY: store.apiKey, PINECONE_INDEX: store.index, PINECONE_CONTROLLER_HOST: store.url }
  return {
    env,
    pid: store.pid,
    requests: async () => {
      const { requests, byRoute } = await store.stats()
      return { total: requests, byRoute }
    },
    reset: store.reset,
    paths: async storeId => (await store.stats(storeId)).paths ?? [],
    close: store.close,
  }
}

function listPages(root: string): string[] {
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

/** 1% of the pages, strided (the same ones every run), each with a line appended. */
function editPages(root: string, pages: string[]): string[] {
  const count = Math.round(pages.length / 100)
  const picked = new Set<string>()
  for (let i = 0; picked.size < count; i++) picked.add(pages[(i * 97) % pages.length]!)
  for (const page of picked) appendFileSync(join(root, page), '\n- Edited for the benchmark:\n\n`bench --edited`\n')
  return [...picked]
}

interface SyncJson {
  added: string[]
  updated: string[]
  deleted: string[]
  unchanged: number
  failed: { path: string; error: string }[]
  storeId: string
}

interface VerifyJson {
  tracked: number
  remote: number
  drift: boolean
  missing: unknown[]
  untracked: unknown[]
  stale: unknown[]
  failed: unknown[]
}

/** Does the store hold exactly `pages`? `true`, or what differs. */
async function checkStore(
  provider: Provider,
  cli: string,
  root: string,
  env: Record<string, string>,
  store: Store,
  storeId: string,
  pages: string[],
): Promise<true | string> {
  const run = await runNode([cli, 'verify', '--json', '--root', root, '--provider', provider, '--metadata', 'file'], {
    cwd: root,
    env,
  })
  let verify: VerifyJson
  try {
    verify = JSON.parse(run.stdout) as VerifyJson
  } catch {
    return `verify exited ${run.code}: ${run.stderr.trim().split('\n').slice(-3).join(' ')}`
  }
  const problems: string[] = []
  if (verify.drift || verify.remote !== pages.length || verify.tracked !== pages.length)
    problems.push(
      `verify: ${verify.remote} documents in the store, ${verify.tracked} tracked, ${pages.length} on disk; ${verify.missing.length} missing, ${verify.untracked.length} untracked, ${verify.stale.length} stale, ${verify.failed.length} failed`,
    )
  if (store.paths) {
    const held = new Set(await store.paths(storeId))
    const absent = pages.filter(p => !held.has(p))
    if (absent.length || held.size !== pages.length)
      problems.push(`${held.size} distinct paths in the store, ${absent.length} pages absent (e.g. ${absent[0]})`)
  }
  return problems.length ? problems.join('; ') : true
}

/** One run of one provider: fresh pages, embeddings server and store; the steps in order. */
async function session(o: ProvidersOptions, provider: Provider, run: number, steps: Step[]): Promise<Measure[]> {
  const dir = join(o.tmp, `providers-${provider}-${run}`)
  const root = join(dir, 'pages')
  rmSync(dir, { recursive: true, force: true })
  cpSync(o.corpus.root, root, { recursive: true, filter: src => !src.includes('.vectornator') })
  const pages = listPages(root)
  const started = await Promise.allSettled([
    openStore(provider, dir),
    startServer({ latencyMs: o.latencyMs, rateLimits: false }),
  ])
  const [store, api] = started.map(s => (s.status === 'fulfilled' ? s.value : undefined)) as [
    Store | undefined,
    Awaited<ReturnType<typeof startServer>> | undefined,
  ]
  if (!store || !api) {
    await Promise.all([store?.close(), api?.close()])
    throw (started.find(s => s.status === 'rejected') as PromiseRejectedResult).reason
  }
  const env = { ...store.env, OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: api.url }
  const measures: Measure[] = []
  try {
    // The copy's files are older than the stat cache's racy window by the first sync, as a
    // checkout is by the time a build runs.
    await new Promise(r => setTimeout(r, RACY_MS))
    for (const step of steps) {
      let edited: string[] = []
      if (step === 'changed') {
        edited = editPages(root, pages)
        await new Promise(r => setTimeout(r, RACY_MS))
      }
      await api.reset()
      await store.reset?.()
      const args = [o.cli, 'sync', '--json', '--root', root, '--provider', provider, '--metadata', 'file']
      const cpuBefore = cpuMs(store.pid)
      const measured = await runNode(args, { cwd: root, env })
      const storeCpuMs = cpuMs(store.pid) - cpuBefore
      const storeCounts = await store.requests?.()
      const storeRequests = storeCounts?.total
      const { requests, inputs } = await api.stats()
      let result: SyncJson
      try {
        result = JSON.parse(measured.stdout) as SyncJson
      } catch {
        throw new Error(
          `${provider} ${step} exited ${measured.code}: ${measured.stderr.trim().split('\n').slice(-10).join('\n')}`,
        )
      }
      if (measured.code !== 0 || result.failed.length)
        throw new Error(
          `${provider} ${step} exited ${measured.code}, ${result.failed.length} failed, e.g. ${result.failed[0]?.path}: ${result.failed[0]?.error}`,
        )
      const expected =
        step === 'first'
          ? result.added.length === pages.length
          : step === 'noop'
            ? result.unchanged === pages.length && !result.added.length && !result.updated.length
            : result.updated.length === edited.length && !result.added.length && !result.deleted.length
      if (!expected)
        throw new Error(
          `${provider} ${step}: added ${result.added.length}, updated ${result.updated.length}, deleted ${result.deleted.length}, unchanged ${result.unchanged} of ${pages.length}`,
        )
      const exact = await checkStore(provider, o.cli, root, env, store, result.storeId, pages)
      measures.push({
        ...measured,
        embeddingRequests: requests,
        inputs,
        storeRequests,
        storeCpuMs,
        exact,
        load: loadavg()[0]!,
      })
      o.log(
        `providers ${provider} run ${run + 1} ${step}: ${formatMs(measured.ms)}, ${requests} embedding requests (${inputs} inputs), ${storeRequests ?? '-'} store requests, store CPU ${formatMs(storeCpuMs)}, ${formatBytes(measured.rss)}, store ${exact === true ? 'exact' : `INEXACT: ${exact}`}  (load ${o.load()})`,
      )
      if (storeCounts) o.log(`  ${provider} ${step} store requests by route: ${JSON.stringify(storeCounts.byRoute)}`)
    }
  } finally {
    await Promise.all([store.close(), api.close()])
    rmSync(dir, { recursive: true, force: true })
  }
  return measures
}

const STEPS: { step: Step; label: (k: number) => string }[] = [
  { step: 'first', label: () => 'first sync' },
  { step: 'noop', label: () => 'no-op' },
  { step: 'changed', label: k => `1% changed (${k} pages edited)` },
]

export async function providersBench(o: ProvidersOptions): Promise<{ rows: VectorsRow[]; notes: string[] }> {
  const n = o.corpus.files
  const k = Math.round(n / 100)
  // Per provider and step, one measure per run that took that step.
  const results = new Map<Provider, Map<Step, Measure[]>>(
    PROVIDERS.map(p => [p.provider, new Map(STEPS.map(s => [s.step, []]))]),
  )
  // Postgres's figure of the same run, for each ratio: the load moves between runs more than
  // between two providers' turns within one.
  const reference = new Map<Step, (Measure | undefined)[]>(STEPS.map(s => [s.step, []]))
  const failures: string[] = []
  const chosen = process.env.VECTORNATOR_BENCH_PROVIDERS?.split(',')
  const measured = PROVIDERS.filter(p => !chosen || chosen.includes(p.provider))
  for (let run = 0; run < o.runs; run++) {
    const order = measured.map((_, i) => measured[(i + run) % measured.length]!.provider)
    for (const provider of order) {
      try {
        const measures = await session(
          o,
          provider,
          run,
          STEPS.map(s => s.step),
        )
        for (const [i, { step }] of STEPS.entries()) {
          results.get(provider)!.get(step)!.push(measures[i]!)
          if (provider === 'postgres') reference.get(step)![run] = measures[i]
        }
      } catch (error) {
        const message = (error as Error).message.split('\n')[0]!.slice(0, 300)
        failures.push(`${provider} run ${run + 1}: ${message}`)
        o.log(`providers ${provider} run ${run + 1} failed: ${message}`)
      }
    }
  }

  const rows: VectorsRow[] = []
  for (const { step, label } of STEPS) {
    for (const { provider, label: providerLabel } of PROVIDERS) {
      const measures = results.get(provider)!.get(step)!
      if (measures.length === 0) continue
      const med = (pick: (m: Measure) => number) => median(measures.map(pick))
      const ms = med(m => m.ms)
      const refs = reference.get(step)!
      const ratios = measures.map((m, run) => (refs[run] ? m.ms / refs[run]!.ms : Number.NaN)).filter(Number.isFinite)
      const storeRequests =
        measures[0]!.storeRequests === undefined ? 'not counted' : String(med(m => m.storeRequests!))
      const inexact = measures.map(m => m.exact).filter((e): e is string => e !== true)
      const met: [string, boolean][] = [['store exact', inexact.length === 0]]
      if (step === 'noop') met.push(['0 embedding requests', med(m => m.embeddingRequests) === 0])
      rows.push({
        scenario: `Providers, ${label(k)} (${n.toLocaleString('en')} pages): ${providerLabel}`,
        median: formatMs(ms),
        spread: `${spread(measures.map(m => m.ms))} (${measures.length} run${measures.length === 1 ? '' : 's'})`,
        reference:
          provider === 'postgres'
            ? '-'
            : refs.some(Boolean)
              ? `postgres ${formatMs(median(refs.filter(Boolean).map(m => m!.ms)))}`
              : '-',
        ratio: provider === 'postgres' || ratios.length === 0 ? '-' : formatRatio(median(ratios)),
        perFile: `${med(m => m.embeddingRequests)} embedding requests, ${med(m => m.inputs)} inputs; store requests: ${storeRequests}; store CPU ${formatMs(med(m => m.storeCpuMs))}`,
        rateLimited: '0',
        rss: formatBytes(med(m => m.rss)),
        goal: step === 'noop' ? 'store exact, 0 embedding requests' : 'store exact',
        met,
        load: med(m => m.load).toFixed(2),
      })
      for (const problem of new Set(inexact)) failures.push(`${provider} ${step}: ${problem}`)
    }
  }

  const notes = [
    [
      `- **Providers** (\`--only providers\`): our CLI (\`sync --provider <name> --metadata file\`) over all`,
      `  ${n.toLocaleString('en')} pages, each step a whole process: first sync, no-op, then ${k} pages edited. Embeddings`,
      `  from the offline OpenAI-compatible server (${o.latencyMs} ms per request, text-embedding-3-small, ${DIMENSION}`,
      '  dimensions); Chroma a real server from npm (`chroma run`, a fresh data folder each run), LanceDB its',
      '  folder, postgres PGlite with pgvector behind the wire protocol; Qdrant and Pinecone our offline servers',
      '  (`createQdrantServer`, `createPineconeServer`, no added latency): their figures are against those, not',
      '  the real services. Every run has fresh stores, embeddings server and pages; providers take turns run',
      `  by run; medians of ${o.runs} runs. The ratio is the median of each run's`,
      "  figure over postgres's in the same run. Store requests are counted by the offline servers only; store",
      "  CPU is the store server process's user + system time during the step (/proc; none for the embedded",
      '  LanceDB, which runs inside the CLI). After',
      '  each step `vectornator verify --json` must find the state and the store agreeing on every page, and',
      '  where the bench can read the store (PGlite, the offline servers) its distinct paths must be the pages.',
      ...failures.map(f => `  - ${f}`),
    ].join('\n'),
  ]
  return { rows, notes }
}
