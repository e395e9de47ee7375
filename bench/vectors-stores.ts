/**
 * `npm run bench -- --only vectors-stores` (or one of them: `vectors-qdrant`, `vectors-chroma`,
 * `vectors-lancedb`, `vectors-pinecone`): the vectors scenario of bench/vectors.ts on the stores
 * that are not PostgreSQL. Our CLI (`sync --provider <store> --metadata file`) beside LangChain.js's
 * indexing API with that store's LangChain integration (bench/peer/index.mjs --<store>; its record
 * manager in PostgreSQL, as LangChain.js has no other that outlives a process).
 *
 * Stores: Qdrant and Pinecone, the offline servers of `vectornator/testing` (what it costs the
 * tools to talk to such a server, not what the real services cost); Chroma, a real server started
 * from npm (`chroma run`); LanceDB, embedded, a folder in the run's own directory. Each run of a
 * tool gets a fresh store, a fresh embeddings server and a fresh copy of the pages. Steps as
 * there: first sync, no-op, then pages edited, deleted and added; each a whole process; the tools
 * take turns run by run. After each step the store is read back: every page on disk is in it and
 * nothing else.
 */
import { cpSync, readFileSync, rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { runNode, type ChildRun } from './lib/child'
import { startChromaServer } from './lib/chroma-server'
import { startPGliteServer, type PGliteServer } from './lib/pglite-server'
import { startServer, type BenchServer } from './lib/server'
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

export type StoreName = 'qdrant' | 'chroma' | 'lancedb' | 'pinecone'
export const STORE_NAMES: StoreName[] = ['qdrant', 'chroma', 'lancedb', 'pinecone']

/** text-embedding-3-small's size: what the offline embeddings server returns and the Pinecone index is made with. */
const DIMENSION = 1536
/** The collection, table or namespace the peer writes to (bench/peer/index.mjs). */
const PEER_STORE = 'langchain'
const REPO = resolve(import.meta.dirname, '..')
/** Where LanceDB keeps our store: the provider's default folder under the root. */
const OUR_LANCEDB = join('.vectornator', 'lancedb')

const peerVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(PEER, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
    .dependencies[name] ?? '?'
/** The version of a store client our CLI runs with here, beside the peer's. */
const ourVersion = (name: string): string => {
  try {
    return (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version
  } catch {
    return 'not installed'
  }
}

interface StoreSpec {
  /** In the row's scenario: the store and what stands for it. */
  title: string
  peer: string
  records: string
  /** The note's line on this store: what the peer uses, and what to keep in mind. */
  note: () => string[]
  /** Why the peer fails where it is known to, said under its failures. */
  gap?: string[]
}

const STORES: Record<StoreName, StoreSpec> = {
  qdrant: {
    title: 'Qdrant (offline server)',
    peer: 'QdrantVectorStore',
    records: 'points',
    note: () => [
      `  - Qdrant: \`QdrantVectorStore\` (\`@langchain/qdrant\` ${peerVersion('@langchain/qdrant')}), collection \`${PEER_STORE}\`, against the offline`,
      '    Qdrant server of `vectornator/testing`, not Qdrant.',
    ],
  },
  chroma: {
    title: 'Chroma (real server from npm)',
    peer: 'Chroma',
    records: 'records',
    note: () => [
      `  - Chroma: \`Chroma\` (\`@langchain/community/vectorstores/chroma\` ${peerVersion('@langchain/community')}, the integration`,
      `    LangChain.js documents; there is no \`@langchain/chroma\`) with \`chromadb\` ${peerVersion('chromadb')} (ours ${ourVersion('chromadb')}), collection`,
      `    \`${PEER_STORE}\`, against a real Chroma server (\`chroma run\` of the chromadb package, a fresh data folder each`,
      '    run). It hands the client the `path` argument chromadb 3 deprecates: a warning on stderr, the same',
      '    connection.',
    ],
  },
  lancedb: {
    title: 'LanceDB (embedded)',
    peer: 'LanceDB',
    records: 'rows',
    note: () => [
      `  - LanceDB: \`LanceDB\` (\`@langchain/community/vectorstores/lancedb\` ${peerVersion('@langchain/community')}) with \`@lancedb/lancedb\``,
      `    ${peerVersion('@lancedb/lancedb')} (ours ${ourVersion('@lancedb/lancedb')}), table \`${PEER_STORE}\` in a folder of the run (ours: its default`,
      '    `.vectornator/lancedb` under the root). Made without a table, it creates one in "overwrite" mode at',
      "    the first add of each process, dropping what earlier runs stored; so, as LangChain's LanceDB docs",
      '    do, the script opens the table when it exists and hands it over.',
    ],
    gap: [
      '    It cannot do that step: it has no `delete()` (LangChain\'s `VectorStore.delete` throws "Not',
      '    implemented.") and its `addVectors` drops the `ids` `index()` passes, so `index()` can remove neither',
      "    the chunks of deleted pages nor the old chunks of edited ones. LangChain's row is left out there,",
      '    and ours has no ratio.',
    ],
  },
  pinecone: {
    title: 'Pinecone (offline server)',
    peer: 'PineconeStore',
    records: 'records',
    note: () => [
      `  - Pinecone: \`PineconeStore\` (\`@langchain/pinecone\` ${peerVersion('@langchain/pinecone')}), namespace \`${PEER_STORE}\` of the`,
      '    index the offline Pinecone server of `vectornator/testing` serves (not Pinecone), found through its',
      `    control plane, with \`@pinecone-database/pinecone\` ${peerVersion('@pinecone-database/pinecone')}: \`@langchain/pinecone\` declares the`,
      `    client's ^5 and calls its API (\`upsert(records)\`, \`deleteMany(ids)\`), which ours (${ourVersion('@pinecone-database/pinecone')}) refuses: it`,
      '    takes objects there (`upsert({ records })`), and answers "Must pass in at least 1 record to upsert."',
      '    and "delete takes exactly one of ids, deleteAll or filter".',
    ],
  },
}

type Tool = 'ours' | 'langchain'
const TOOLS: Tool[] = ['ours', 'langchain']
type Step = 'first' | 'noop' | 'changed'
const STEPS: Step[] = ['first', 'noop', 'changed']
const LABELS: Record<Step, string> = { first: 'first sync', noop: 'no-op', changed: '20 edited + 5 deleted + 5 added' }

interface Measure extends ChildRun {
  requests: number
  inputs: number
  records: number
  load: number
}

/** One run of one tool: the steps it took, and the one it failed at (a peer's failure is reported, not thrown). */
interface Session {
  measures: Partial<Record<Step, Measure>>
  failed?: { step: Step; error: string }
}

interface Contents {
  paths: string[]
  records: number
}

/** A store for one run: the environment both tools need, and what a collection, table or namespace holds. */
interface OpenStore {
  env: Record<string, string>
  contents(tool: Tool, id: string): Promise<Contents>
  close(): Promise<void>
}

async function openStore(name: StoreName, dir: string, root: string): Promise<OpenStore> {
  if (name === 'chroma') {
    const server = await startChromaServer(join(dir, 'chroma'))
    return { env: { CHROMA_URL: server.url }, contents: (_, id) => chromaContents(server.url, id), close: server.close }
  }
  if (name === 'lancedb') {
    const peerDir = join(dir, 'lancedb')
    return {
      env: { LANCEDB_URI: peerDir },
      contents: (tool, id) =>
        tool === 'ours' ? lancedbContents(join(root, OUR_LANCEDB), id, 'path') : lancedbContents(peerDir, id, 'source'),
      close: async () => {},
    }
  }
  const store = await startOfflineStore(name, DIMENSION)
  return {
    env:
      name === 'qdrant'
        ? { QDRANT_URL: store.url, QDRANT_API_KEY: store.apiKey }
        : { PINECONE_API_KEY: store.apiKey, PINECONE_INDEX: store.index, PINECONE_CONTROLLER_HOST: store.url },
    async contents(_, id) {
      const held = await store.stats(id)
      return { paths: held.paths ?? [], records: held.records ?? 0 }
    },
    close: store.close,
  }
}

const CHROMA_PAGE = 1000

/** Every record's metadata, page by page: ours keep the path under `path`, LangChain under `source`. */
async function chromaContents(url: string, name: string): Promise<Contents> {
  const { ChromaClient } = await import('chromadb')
  const { hostname, port } = new URL(url)
  const client = new ChromaClient({ host: hostname, port: Number(port) })
  // Handed one, the client does not go looking for the collection's default embedder: the bench only reads.
  const embeddingFunction = {
    name: 'bench-read-only',
    generate: async () => {
      throw new Error('the bench never embeds')
    },
  }
  const collection = await client.getCollection({ name, embeddingFunction })
  const paths = new Set<string>()
  let records = 0
  for (let offset = 0; ; offset += CHROMA_PAGE) {
    const page = await collection.get({ include: ['metadatas'], limit: CHROMA_PAGE, offset })
    for (const metadata of page.metadatas) {
      const path = metadata?.path ?? metadata?.source
      if (typeof path === 'string') paths.add(path)
    }
    records += page.ids.length
    if (page.ids.length < CHROMA_PAGE) break
  }
  return { paths: [...paths], records }
}

async function lancedbContents(folder: string, table: string, column: string): Promise<Contents> {
  const lancedb = await import('@lancedb/lancedb')
  const db = await lancedb.connect(folder)
  try {
    const opened = await db.openTable(table)
    try {
      const records = await opened.countRows()
      const rows = await opened.query().select([column]).limit(records).toArray()
      if (rows.length !== records) throw new Error(`lancedb: read ${rows.length} of the ${records} rows of ${table}`)
      return { paths: [...new Set(rows.map(r => String(r[column])))], records }
    } finally {
      opened.close()
    }
  } finally {
    db.close()
  }
}

/** The error a failed child reports: its last `Error` line, else its last line. */
function failure(run: ChildRun): string {
  const lines = run.stderr.trim().split('\n')
  return (lines.findLast(l => /\bError\b/.test(l)) ?? lines.at(-1) ?? `exit ${run.code}`).trim().slice(0, 240)
}

async function session(o: VectorsOptions, name: StoreName, tool: Tool, label: string): Promise<Session> {
  const dir = join(o.tmp, `vectors-${name}-${label}`)
  const root = join(dir, 'docs')
  rmSync(dir, { recursive: true, force: true })
  cpSync(join(o.corpus.root, FOLDER), join(root, FOLDER), { recursive: true })
  const started = await Promise.allSettled([
    openStore(name, dir, root),
    startServer({ latencyMs: o.latencyMs, rateLimits: false }),
    tool === 'langchain' ? startPGliteServer(join(dir, 'db')) : Promise.resolve(undefined),
  ])
  const [store, api, db] = started.map(s => (s.status === 'fulfilled' ? s.value : undefined)) as [
    OpenStore | undefined,
    BenchServer | undefined,
    PGliteServer | undefined,
  ]
  const close = () => Promise.all([store?.close(), api?.close(), db?.close()])
  if (!store || !api || (tool === 'langchain' && !db)) {
    await close()
    throw (started.find(s => s.status === 'rejected') as PromiseRejectedResult).reason
  }
  const env: Record<string, string> = {
    ...store.env,
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: api.url,
    ...(db ? { DATABASE_URL: db.url } : {}),
  }
  const done: Session = { measures: {} }
  let id = PEER_STORE
  try {
    for (const step of STEPS) {
      if (step === 'changed') change(root, o.corpus.root)
      await api.reset()
      const args =
        tool === 'ours'
          ? [o.cli, 'sync', '--json', '--root', root, '--provider', name, '--metadata', 'file']
          : [join(PEER, 'index.mjs'), root, `--${name}`]
      const run = await runNode(args, { cwd: root, env })
      let problem: string | undefined
      if (run.code !== 0) problem = `exited ${run.code}: ${failure(run)}`
      else if (tool === 'ours') {
        const result = JSON.parse(run.stdout) as { storeId: string; failed: { path: string; error: string }[] }
        if (result.failed.length) problem = `failed ${result.failed[0]!.path}: ${result.failed[0]!.error}`
        id = result.storeId
      }
      const { requests, inputs } = await api.stats()
      const held = problem ? undefined : await store.contents(tool, id)
      if (held) {
        const expected = listPages(root)
        const paths = new Set(held.paths)
        const missing = expected.filter(p => !paths.has(p))
        if (missing.length || paths.size !== expected.length)
          problem = `${paths.size} pages in the store, ${expected.length} on disk (${missing.length} missing, e.g. ${missing[0]})`
      }
      if (problem) {
        // Ours must do every step; a peer that cannot is a finding, reported under the table.
        if (tool === 'ours') throw new Error(`ours on ${name} after ${step}: ${problem}`)
        done.failed = { step, error: problem }
        o.log(`vectors-${name} ${label} ${step}: FAILED, ${problem}`)
        break
      }
      done.measures[step] = { ...run, requests, inputs, records: held!.records, load: loadavg()[0]! }
      o.log(
        `vectors-${name} ${label} ${step}: ${formatMs(run.ms)}, ${requests} embedding requests, ${inputs} inputs, ${held!.records} ${STORES[name].records}, ${formatBytes(run.rss)}  (load ${o.load()})`,
      )
    }
  } finally {
    await close()
    rmSync(dir, { recursive: true, force: true })
  }
  return done
}

async function storeBench(o: VectorsOptions, name: StoreName): Promise<{ rows: VectorsRow[]; failures: string[] }> {
  const spec = STORES[name]
  const results: Record<Tool, Session[]> = { ours: [], langchain: [] }
  for (let run = 0; run < o.runs; run++) {
    const order = run % 2 ? [...TOOLS].reverse() : TOOLS
    for (const tool of order) results[tool].push(await session(o, name, tool, `${tool}-${run}`))
  }
  const n = listPages(join(o.corpus.root, FOLDER)).length
  const rows: VectorsRow[] = []
  for (const step of STEPS) {
    // Each run's ratio against LangChain's figure in the same run: the load moves between runs more than between turns.
    const pairs = results.ours.flatMap((r, i) => {
      const peer = results.langchain[i]!.measures[step]
      return peer ? [r.measures[step]!.ms / peer.ms] : []
    })
    const peerRuns = results.langchain.map(r => r.measures[step]).filter((m): m is Measure => m !== undefined)
    // A LangChain figure from only some runs would compare unlike with like: none, or all.
    const peerComplete = peerRuns.length === o.runs
    for (const tool of TOOLS) {
      const ours = tool === 'ours'
      if (!ours && !peerComplete) continue
      const runs = ours ? results.ours.map(r => r.measures[step]!) : peerRuns
      const ratio = ours ? (peerComplete ? median(pairs) : Number.NaN) : 1
      const requests = median(runs.map(r => r.requests))
      const inputs = median(runs.map(r => r.inputs))
      const { allowed, met } = peerGoals(ours, step === 'first' && peerComplete, ratio, requests, inputs)
      rows.push({
        scenario: `Vectors on ${spec.title}, ${LABELS[step]} (${n.toLocaleString('en')} pages): ${ours ? `vectornator sync --provider ${name}` : `LangChain index(), ${spec.peer}`}`,
        median: formatMs(median(runs.map(r => r.ms))),
        spread: spread(runs.map(r => r.ms)),
        reference: !ours
          ? '-'
          : peerComplete
            ? `LangChain ${formatMs(median(peerRuns.map(r => r.ms)))}`
            : 'LangChain failed',
        ratio: formatRatio(ratio),
        perFile: `${requests} embedding requests, ${inputs} inputs; ${median(runs.map(r => r.records))} ${spec.records}`,
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
  const failed = new Map<string, number>()
  for (const r of results.langchain)
    if (r.failed) {
      const key = `"${LABELS[r.failed.step]}": ${r.failed.error}`
      failed.set(key, (failed.get(key) ?? 0) + 1)
    }
  const failures = [...failed].map(([what, times]) => `    LangChain failed at ${what} (${times} of ${o.runs} runs).`)
  return { rows, failures: failures.length ? [...failures, ...(spec.gap ?? [])] : [] }
}

export async function vectorsStoresBench(
  names: StoreName[],
  o: VectorsOptions,
): Promise<{ rows: VectorsRow[]; notes: string[] }> {
  ensurePeer(o.log)
  const rows: VectorsRow[] = []
  const lines: string[] = []
  for (const name of names) {
    const done = await storeBench(o, name)
    rows.push(...done.rows)
    lines.push(...STORES[name].note(), ...done.failures)
  }
  const notes = [
    [
      `- **Vectors on other stores** (\`--only vectors-stores\`, or one: \`${names.map(n => `vectors-${n}`).join('`, `')}\`): the same`,
      '  pages and steps as the pgvector rows; our CLI (`sync --provider <store> --metadata file`) beside',
      "  LangChain.js's `index()` with the store's LangChain integration and a `PostgresRecordManager` (PGlite",
      `  over the wire protocol), cleanup \`full\`, \`@langchain/core\` ${peerVersion('@langchain/core')}. Every run of a tool: a fresh store,`,
      `  embeddings server (${o.latencyMs} ms per request) and copy of the pages. The offline Qdrant and Pinecone add no`,
      "  latency and build no index; Chroma is the real server, LanceDB the real library in the tool's own",
      `  process. Medians of ${o.runs}, tools alternating; each ratio the median of the runs' ratios. After every`,
      '  step the store is read back (the offline servers over IPC, Chroma with the chromadb client, LanceDB',
      '  with @lancedb/lancedb): it holds every page on disk and no other.',
      ...lines,
    ].join('\n'),
  ]
  return { rows, notes }
}
