/**
 * `npm run bench`: what a sync adds to a docs build, measured the way a user runs it (`node
 * dist/cli.cjs sync`, one child process per sync, start-up included) against the offline
 * OpenAI-compatible server of `vectornator/testing`, in a process of its own on 127.0.0.1.
 *
 * Prints a Markdown table (also written to bench/results.md): each figure a median of several
 * runs, each comparison a ratio of figures measured in the same run.
 *
 *   npm run bench                         # everything (about 8 minutes on 2 cores)
 *   npm run bench -- --only noop,initial  # some scenarios: noop, initial, changed, git, large, limits, faults, vectors, embedded, retrieval
 *   npm run bench -- --only providers     # chroma, lancedb, postgres, qdrant, pinecone over the whole corpus (only when asked for)
 *   npm run bench -- --generated          # the generated corpus even when tldr-pages is present
 *   npm run bench -- --no-build           # use dist/ as it is
 *   npm run bench -- --cli OTHER/cli.cjs --out /tmp/b.md   # measure another build (A/B)
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { deflateSync } from 'node:zlib'
import { DEFAULT_RATE_LIMITS, type OpenAIServerOptions } from '../src/testing/index'
import { DEFAULT_CONCURRENCY } from '../src/core/options/options'
import { RACY_MS } from '../src/core/scan/stat-cache'
import { OPENAI_LIMITS } from '../src/providers/openai-files'
import { generateScaleCorpus } from './lib/corpus'
import { cleanupChildFiles, type ChildRun, runNode } from './lib/child'
import { embeddedRows } from './embedded'
import { type Corpus, prepareCorpus, writeLargeFile } from './lib/corpus'
import { type BenchServer, startServer } from './lib/server'
import { formatBytes, formatMs, formatRatio, markdownTable, median, spread } from './lib/stats'
import { vectorsBench } from './vectors'
import { STORE_NAMES, vectorsStoresBench } from './vectors-stores'
import { connectionsBench } from './connections'
import { providersBench } from './providers'
import { retrievalRows, retrievalTable } from './retrieval'

const REPO = resolve(import.meta.dirname, '..')
const BASELINE = join(REPO, 'bench', 'baseline.mjs')
const SDK_FLOOR = join(REPO, 'bench', 'sdk-floor.mjs')
const LATENCY_MS = 20
const MB = 2 ** 20

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string' },
    runs: { type: 'string' },
    'noop-runs': { type: 'string' },
    concurrency: { type: 'string' },
    'minute-ms': { type: 'string' },
    generated: { type: 'boolean' },
    'no-build': { type: 'boolean' },
    keep: { type: 'boolean' },
    out: { type: 'string' },
    cli: { type: 'string' },
    scale: { type: 'boolean' },
    'scale-files': { type: 'string' },
  },
})
const DIST = join(REPO, 'dist')
/**
 * The command measured: the built CLI, copied out of dist/ first (a build started meanwhile by
 * someone else empties dist/), or another build of it (`--cli`, for A/B comparisons). The copy
 * stays under node_modules/, so it resolves the same packages as dist/cli.cjs does.
 */
const PRIVATE_DIST = join(REPO, 'node_modules', '.cache', 'vectornator-bench', `dist-${process.pid}`)
const CLI = flags.cli ? resolve(flags.cli) : join(PRIVATE_DIST, 'cli.cjs')
const only = flags.only ? new Set(flags.only.split(',')) : undefined
const want = (name: string) => !only || only.has(name)
const RUNS = Number(flags.runs ?? 3)
const NOOP_RUNS = Number(flags['noop-runs'] ?? 11)
const CHANGED_RUNS = Number(flags['runs'] ?? 5)
const CONCURRENCY = flags.concurrency ? Number(flags.concurrency) : DEFAULT_CONCURRENCY
const MINUTE_MS = Number(flags['minute-ms'] ?? 6000)
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`)

interface Row {
  scenario: string
  median: string
  /** min / median / max of the runs. */
  spread?: string
  reference: string
  ratio: string
  perFile: string
  rateLimited: string
  rss: string
  goal: string
  /** Each part of the goal and whether it was met. */
  met: [string, boolean][]
  /** os.loadavg() (1 min) when the scenario's runs ended: the machine is shared. */
  load?: string
}
const rows: Row[] = []
const addRow = (row: Row) => rows.push({ ...row, load: row.load ?? loadavg()[0]!.toFixed(2) })
const notes: string[] = []

// ── set-up ──────────────────────────────────────────────────────────────────────────────────

function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

function ensureBuild(): void {
  if (flags.cli) return
  const built = join(DIST, 'cli.cjs')
  const stale =
    !existsSync(built) ||
    statSync(built).mtimeMs < Math.max(newestMtime(join(REPO, 'src')), statSync(join(REPO, 'package.json')).mtimeMs)
  if (stale && !flags['no-build']) {
    log('dist/ is older than src/: npm run build')
    const run = spawnSync('npm', ['run', 'build'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] })
    if (run.status !== 0) throw new Error('npm run build failed')
  }
  rmSync(PRIVATE_DIST, { recursive: true, force: true })
  cpSync(DIST, PRIVATE_DIST, { recursive: true })
  const smoke = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' })
  if (smoke.status !== 0) throw new Error(`the copy of dist/ does not run (a build was under way?): ${smoke.stderr}`)
}

function machine(): string[] {
  const freeH = (() => {
    try {
      return execFileSync('free', ['-h'], { encoding: 'utf8' }).split('\n')[1]?.replace(/\s+/g, ' ').trim()
    } catch {
      return undefined
    }
  })()
  return [
    `CPU: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores (nproc)`,
    `Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(freemem() / 2 ** 30).toFixed(1)} GiB free${freeH ? ` (free -h: ${freeH})` : ''}`,
    `Node ${process.version}, ${process.platform} ${process.arch}`,
  ]
}

const load = () =>
  loadavg()
    .map(l => l.toFixed(2))
    .join(' ')

// ── helpers ─────────────────────────────────────────────────────────────────────────────────

interface SyncJson {
  added: string[]
  updated: string[]
  deleted: string[]
  unchanged: number
  failed: { path: string; error: string }[]
  storeId: string
}

async function cliSync(
  root: string,
  server: BenchServer,
  extra: string[] = [],
  apiKey = 'bench',
): Promise<ChildRun & { result?: SyncJson }> {
  const args = [CLI, 'sync', '--json', '--root', root, '--provider', 'openai', ...extra]
  if (flags.concurrency) args.push('--concurrency', String(CONCURRENCY))
  const run = await runNode(args, { cwd: root, env: { OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: server.url } })
  let result: SyncJson | undefined
  try {
    result = JSON.parse(run.stdout) as SyncJson
  } catch {}
  if (run.code !== 0 || !result)
    throw new Error(`sync in ${root} exited ${run.code}: ${run.stderr.trim().split('\n').slice(-25).join('\n')}`)
  if (result.failed.length)
    throw new Error(
      `sync failed ${result.failed.length} files, e.g. ${result.failed[0]!.path}: ${result.failed[0]!.error}`,
    )
  return { ...run, result }
}

const baseline = (root: string) => runNode([BASELINE, root], { cwd: root })

/** Sync and baseline alternately (order swapped each round), so both see the same machine. */
async function paired(rounds: number, sync: () => Promise<ChildRun>, reference: () => Promise<ChildRun>) {
  const a: ChildRun[] = []
  const b: ChildRun[] = []
  for (let i = 0; i < rounds; i++) {
    if (i % 2) {
      b.push(await reference())
      a.push(await sync())
    } else {
      a.push(await sync())
      b.push(await reference())
    }
  }
  return { sync: a, reference: b }
}

function mark(met: [string, boolean][]): string {
  const missed = met.filter(([, ok]) => !ok).map(([name]) => name)
  return met.length === 0 ? '-' : missed.length === 0 ? 'yes' : `**no** (${missed.join(', ')})`
}

const state = (root: string) => join(root, '.vectornator')

/** Appends to every line of a few pages, so their content (and hash) changes. */
function touchPages(files: string[], tag: string): void {
  for (const f of files) appendFileSync(f, `\n<!-- bench edit ${tag} -->\n`)
}

/** The Markdown pages the default globs take (no name starting with a dot, as in the globs). */
function listPages(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue
      if (e.isDirectory()) walk(join(dir, e.name))
      else if (e.name.endsWith('.md')) out.push(join(dir, e.name))
    }
  }
  walk(root)
  return out.sort()
}

// ── scenarios ───────────────────────────────────────────────────────────────────────────────

/** A server for one scenario: nothing left in it by another (files, rate-limit windows). */
const servers: BenchServer[] = []
async function freshServer(options: OpenAIServerOptions = {}): Promise<BenchServer> {
  await Promise.all(servers.splice(0).map(s => s.close()))
  const server = await startServer({ latencyMs: LATENCY_MS, rateLimits: false, ...options })
  servers.push(server)
  return server
}

async function initialAndNoop(corpus: Corpus): Promise<void> {
  const n = corpus.files
  let server = await freshServer()
  if (want('initial')) {
    const runs: (ChildRun & { requests: number })[] = []
    for (let i = 0; i < RUNS; i++) {
      rmSync(state(corpus.root), { recursive: true, force: true })
      if (i > 0) server = await freshServer()
      const run = await cliSync(corpus.root, server, ['--metadata', 'file'])
      if (run.result!.added.length !== n) throw new Error(`initial sync added ${run.result!.added.length} of ${n}`)
      const { requests } = await server.stats()
      runs.push({ ...run, requests })
      log(
        `initial sync ${i + 1}/${RUNS}: ${formatMs(run.ms)}, ${requests} requests, ${formatBytes(run.rss)}  (load ${load()})`,
      )
    }
    const bound = (n * LATENCY_MS) / CONCURRENCY
    const ms = median(runs.map(r => r.ms))
    const perFile = median(runs.map(r => r.requests)) / n
    addRow({
      scenario: `Initial sync, ${n.toLocaleString('en')} files, ${LATENCY_MS} ms latency`,
      median: formatMs(ms),
      spread: spread(runs.map(r => r.ms)),
      reference: `bound ${formatMs(bound)} (n x ${LATENCY_MS} ms / ${CONCURRENCY})`,
      ratio: formatRatio(ms / bound),
      perFile: perFile.toFixed(3),
      rateLimited: '0',
      rss: formatBytes(median(runs.map(r => r.rss))),
      goal: '<= 1.5x bound, <= 2.2 req/file, < 200 MB',
      met: [
        ['time', ms <= 1.5 * bound],
        ['requests', perFile <= 2.2],
        ['RSS', median(runs.map(r => r.rss)) < 200 * MB],
      ],
    })
  } else if (!existsSync(join(state(corpus.root), 'metadata.json'))) {
    await cliSync(corpus.root, server, ['--metadata', 'file'])
  }

  if (want('noop')) {
    // One sync to settle the local caches (as the previous build would have), and the cache's
    // racy window (a file changed less than RACY_MS ago is hashed again) left to pass, as it has
    // between two builds; then the measure.
    await cliSync(corpus.root, server, ['--metadata', 'file'])
    await new Promise(resolve => setTimeout(resolve, RACY_MS))
    await noopRows(`${n.toLocaleString('en')} files, file state`, corpus.root, server, n, ['--metadata', 'file'])
  }

  if (want('changed')) {
    const pages = listPages(corpus.root)
    const k = Math.round(n / 100)
    const runs: (ChildRun & { requests: number })[] = []
    const noops: ChildRun[] = []
    // Paired with a no-op sync of the same tree (the start-up, the scan and the state a sync cannot
    // avoid), alternating.
    for (let i = 0; i < CHANGED_RUNS; i++) {
      const changed = async () => {
        const chosen = Array.from({ length: k }, (_, j) => pages[(j * 97 + i * 31) % pages.length]!)
        touchPages(chosen, `${Date.now()}-${i}`)
        await server.reset()
        const run = await cliSync(corpus.root, server, ['--metadata', 'file'])
        if (run.result!.updated.length !== new Set(chosen).size)
          throw new Error(`1% sync updated ${run.result!.updated.length}, expected ${k}`)
        runs.push({ ...run, requests: (await server.stats()).requests })
        await new Promise(resolve => setTimeout(resolve, RACY_MS))
      }
      const noop = async () => {
        noops.push(await cliSync(corpus.root, server, ['--metadata', 'file']))
      }
      if (i % 2) {
        await noop()
        await changed()
      } else {
        await changed()
        await noop()
      }
      log(
        `1% changed ${i + 1}/${CHANGED_RUNS}: ${formatMs(runs.at(-1)!.ms)}, ${runs.at(-1)!.requests} requests; no-op ${formatMs(noops.at(-1)!.ms)}  (load ${load()})`,
      )
    }
    const requests = median(runs.map(r => r.requests))
    const perChanged = requests / k
    const ms = median(runs.map(r => r.ms))
    const need = median(noops.map(r => r.ms)) + (requests * LATENCY_MS) / CONCURRENCY
    addRow({
      scenario: `1% changed (${k} of ${n.toLocaleString('en')} files)`,
      median: formatMs(ms),
      spread: spread(runs.map(r => r.ms)),
      reference: `no-op ${formatMs(median(noops.map(r => r.ms)))} + ${requests} requests x ${LATENCY_MS} ms / ${CONCURRENCY} = ${formatMs(need)}`,
      ratio: formatRatio(ms / need),
      perFile: `${perChanged.toFixed(2)} per changed file`,
      rateLimited: '0',
      rss: formatBytes(median(runs.map(r => r.rss))),
      goal: '<= 4 req per changed file, <= 1.2x',
      met: [
        ['requests', perChanged <= 4],
        ['time', ms <= 1.2 * need],
      ],
    })
  }

  if (want('initial')) {
    // The memory floor, after the scenarios that use this server's store: the SDK alone uploading
    // the same files the same way (bench/sdk-floor.mjs), each run on a server of its own.
    const floor: ChildRun[] = []
    for (let i = 0; i < RUNS; i++) {
      const fresh = await freshServer()
      const run = await runNode([SDK_FLOOR, corpus.root], {
        cwd: corpus.root,
        env: { OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: fresh.url },
      })
      if (run.code !== 0)
        throw new Error(`bench/sdk-floor.mjs exited ${run.code}: ${run.stderr.trim().split('\n').slice(-5).join('\n')}`)
      floor.push(run)
      log(`SDK alone ${i + 1}/${RUNS}: ${formatMs(run.ms)}, ${formatBytes(run.rss)}  (load ${load()})`)
    }
    const row = rows.find(r => r.scenario.startsWith('Initial sync'))!
    row.rss = `${row.rss} (SDK alone ${formatBytes(median(floor.map(r => r.rss)))})`
  }
}

async function gitBranch(corpus: Corpus, tmp: string): Promise<void> {
  if (!existsSync(join(REPO, 'src', 'core', 'state', 'git-branch.ts'))) {
    notes.push('git-branch state: skipped, src/core/state/git-branch.ts is absent.')
    return
  }
  const root = join(tmp, 'git', 'pages')
  cpSync(corpus.root, root, { recursive: true, filter: src => !src.includes('.vectornator') })
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], {
      cwd: root,
      stdio: 'ignore',
    })
  git('init', '-q')
  git('add', '-A')
  git('commit', '-q', '-m', 'corpus')
  const server = await freshServer()
  try {
    await cliSync(root, server, ['--metadata', 'git-branch', '--no-push'])
    await cliSync(root, server, ['--metadata', 'git-branch', '--no-push'])
    await new Promise(resolve => setTimeout(resolve, RACY_MS))
  } catch (error) {
    notes.push(`git-branch state: skipped, the sync failed (${(error as Error).message.slice(0, 200)}).`)
    return
  }
  await noopRows(`${corpus.files.toLocaleString('en')} files, git-branch state`, root, server, corpus.files, [
    '--metadata',
    'git-branch',
    '--no-push',
  ])
}

/**
 * No-op syncs paired with the walk + SHA-256 script (A B A B ..., NOOP_RUNS pairs), with the
 * default globs and with one folder's glob (the script then walks that folder only).
 */
async function noopRows(label: string, root: string, server: BenchServer, n: number, extra: string[]): Promise<void> {
  const folder = 'linux'
  const inFolder = listPages(join(root, folder)).length
  for (const [globs, args, expected, scriptRoot] of [
    ['default globs', [], n, root],
    [`--include '${folder}/**/*.md'`, ['--include', `${folder}/**/*.md`], inFolder, join(`${root}-folder`, folder)],
  ] as const) {
    // The folder glob's state is its own: a copy of the tree (its own git repository when the
    // state is on a branch), first synced with that glob, then the measure.
    let where = root
    if (args.length) {
      where = `${root}-folder`
      cpSync(root, where, { recursive: true, filter: src => !src.includes('.vectornator') && !src.includes('.git') })
      if (extra.includes('git-branch')) {
        const git = (...a: string[]) =>
          execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...a], {
            cwd: where,
            stdio: 'ignore',
          })
        git('init', '-q')
        git('add', '-A')
        git('commit', '-q', '-m', 'corpus')
      }
      await cliSync(where, server, [...extra, ...args])
      await cliSync(where, server, [...extra, ...args])
      await new Promise(resolve => setTimeout(resolve, RACY_MS))
    }
    const before = (await server.stats()).requests
    // Node's own start-up, run beside each script run: what neither the sync nor the script can go below.
    const startup: ChildRun[] = []
    const { sync, reference } = await paired(
      NOOP_RUNS,
      async () => {
        const run = await cliSync(where, server, [...extra, ...args])
        if (run.result!.unchanged !== expected || run.result!.added.length || run.result!.deleted.length)
          throw new Error(`no-op sync (${globs}) saw ${run.result!.unchanged} unchanged of ${expected}`)
        return run
      },
      async () => {
        const run = await baseline(scriptRoot)
        startup.push(await runNode(['-e', '0'], { cwd: scriptRoot }))
        return run
      },
    )
    const requests = (await server.stats()).requests - before
    const ms = median(sync.map(r => r.ms))
    const ref = median(reference.map(r => r.ms))
    const rss = median(sync.map(r => r.rss))
    const refRss = median(reference.map(r => r.rss))
    log(
      `no-op ${label}, ${globs}: ${sync.map(r => Math.round(r.ms)).join(' ')} ms; script ${reference.map(r => Math.round(r.ms)).join(' ')} ms; node -e 0 ${startup.map(r => Math.round(r.ms)).join(' ')} ms  (load ${load()})`,
    )
    addRow({
      scenario: `No-op, ${label}, ${globs}`,
      median: formatMs(ms),
      spread: `${spread(sync.map(r => r.ms))} (script ${spread(reference.map(r => r.ms))})`,
      reference: `walk + SHA-256 script ${formatMs(ref)} (node -e 0: ${formatMs(median(startup.map(r => r.ms)))})`,
      ratio: formatRatio(ms / ref),
      perFile: `${requests / sync.length} request${requests === sync.length ? '' : 's'} per run`,
      rateLimited: '0',
      rss: `${formatBytes(rss)} (script ${formatBytes(refRss)})`,
      goal: '<= 0.6x, RSS <= 1.2x script, <= 1 request (the store check)',
      met: [
        ['time', ms <= 0.6 * ref],
        ['RSS', rss <= 1.2 * refRss],
        ['requests', requests <= sync.length],
      ],
    })
  }
}

async function largeFiles(tmp: string): Promise<void> {
  const rss: number[] = []
  for (const size of [50, 200]) {
    const server = await freshServer()
    const root = join(tmp, `large-${size}`)
    await writeLargeFile(join(root, 'large.md'), size * MB)
    const runs: ChildRun[] = []
    for (let i = 0; i < RUNS; i++) {
      rmSync(state(root), { recursive: true, force: true })
      runs.push(await cliSync(root, server, ['--metadata', 'file']))
    }
    rmSync(root, { recursive: true, force: true })
    const peak = median(runs.map(r => r.rss))
    rss.push(peak)
    log(
      `one ${size} MB file: ${runs.map(r => formatMs(r.ms)).join(' ')}, RSS ${runs.map(r => formatBytes(r.rss)).join(' ')}  (load ${load()})`,
    )
    const growth = size === 200 ? peak - rss[0]! : undefined
    addRow({
      scenario: `One ${size} MB Markdown file`,
      median: formatMs(median(runs.map(r => r.ms))),
      reference: growth === undefined ? '-' : `RSS +${formatBytes(Math.max(growth, 1))} for +150 MB of file`,
      ratio: '-',
      perFile: '-',
      rateLimited: '0',
      rss: formatBytes(peak),
      goal: growth === undefined ? '< 200 MB' : 'flat: < +32 MB for +150 MB',
      met:
        growth === undefined
          ? [['RSS', peak < 200 * MB]]
          : [
              ['flat', growth < 32 * MB],
              ['RSS', peak < 200 * MB],
            ],
    })
  }
}

/**
 * A first sync of the tldr `linux` folder under the API's real limits (the minute shortened),
 * with and without the server's `openai-poll-after-ms` hint, and with a realistic processing
 * time per file. Time to searchable: from the start of the sync until every document is
 * `completed` in the store (the sync returns only then; checked in the store after each run).
 */
async function rateLimited(corpus: Corpus): Promise<void> {
  const folder = 'linux'
  const include = `${folder}/**/*.md`
  const n = listPages(join(corpus.root, folder)).length
  const limits = DEFAULT_RATE_LIMITS
  // The floor the limits set: each limit's share of the work at its steady rate.
  const floor = MINUTE_MS * Math.max(n / limits.uploadsPerMinute, n / limits.attachedFilesPerMinute)
  const variants: [string, OpenAIServerOptions][] = [
    ['poll hint, 5 ms processing', { pollHint: true }],
    ['no poll hint, 5 ms processing', { pollHint: false }],
    ['no poll hint, 0.5-2 s processing per file', { pollHint: false, processingMs: { min: 500, max: 2000, seed: 1 } }],
  ]
  for (const [label, serverOptions] of variants) {
    const runs: (ChildRun & { requests: number; rateLimited: number })[] = []
    for (let i = 0; i < RUNS; i++) {
      // A fresh server each run: its windows (per key, per store, per organisation) start empty.
      const server = await freshServer({ ...serverOptions, rateLimits: { minuteMs: MINUTE_MS } })
      try {
        rmSync(state(corpus.root), { recursive: true, force: true })
        const run = await cliSync(corpus.root, server, ['--metadata', 'file', '--include', include])
        if (run.result!.added.length !== n)
          throw new Error(`rate-limited sync added ${run.result!.added.length} of ${n}`)
        const statuses = await server.statuses(run.result!.storeId)
        if (statuses.completed !== n)
          throw new Error(`after the sync the store had ${JSON.stringify(statuses)}, not ${n} completed`)
        const { requests, rateLimited } = await server.stats()
        runs.push({ ...run, requests, rateLimited })
        log(
          `rate-limited, ${label} ${i + 1}/${RUNS}: ${formatMs(run.ms)} (floor ${formatMs(floor)}), ${requests} requests, ${rateLimited} x 429  (load ${load()})`,
        )
      } finally {
        await server.close()
      }
    }
    rmSync(state(corpus.root), { recursive: true, force: true })
    const ms = median(runs.map(r => r.ms))
    const requests = median(runs.map(r => r.requests))
    const limited = median(runs.map(r => r.rateLimited))
    addRow({
      scenario: `First sync under the rate limits, ${n.toLocaleString('en')} files (minute = ${MINUTE_MS / 1000} s), ${label}: time to searchable`,
      median: formatMs(ms),
      spread: spread(runs.map(r => r.ms)),
      reference: `floor ${formatMs(floor)} (${n} uploads at ${limits.uploadsPerMinute}/min)`,
      ratio: formatRatio(ms / floor),
      perFile: (requests / n).toFixed(3),
      rateLimited: String(limited),
      rss: formatBytes(median(runs.map(r => r.rss))),
      goal: '<= 1.1x floor, <= 1% 429',
      met: [
        ['time', ms <= 1.1 * floor],
        ['429', limited <= requests / 100],
      ],
    })
  }
}

/**
 * `--scale`: 100,000 small generated documents (seeded, bench/lib/corpus.ts), git-branch state:
 * the initial sync against the offline server (no added latency), the no-op and 1% changed.
 */
async function scale(tmp: string): Promise<void> {
  const root = join(tmp, 'scale')
  const corpus = generateScaleCorpus(root, Number(flags['scale-files'] ?? 100_000))
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
  git('init', '-q')
  // No automatic gc (git would start one in the background after this commit), and the corpus
  // packed: what the syncs write is what grows.
  git('config', 'gc.auto', '0')
  git('add', '-A')
  git('commit', '-q', '-m', 'corpus')
  git('gc', '-q')
  const server = await freshServer({ latencyMs: 0 })
  const args = ['--metadata', 'git-branch', '--no-push']
  const growth = repositoryGrowth(root)
  const initial = await cliSync(root, server, args)
  log(`scale initial: ${formatMs(initial.ms)}, ${formatBytes(initial.rss)}  (load ${load()})`)
  const initialGrowth = growth()
  addRow({
    scenario: `Scale: initial sync, ${corpus.files.toLocaleString('en')} files, git-branch state`,
    median: formatMs(initial.ms),
    reference: '-',
    ratio: '-',
    perFile: ((await server.stats()).requests / corpus.files).toFixed(3),
    rateLimited: '0',
    rss: formatBytes(initial.rss),
    goal: '< 400 MB',
    met: [['RSS', initial.rss < 400 * MB]],
  })
  await cliSync(root, server, args)
  await new Promise(resolve => setTimeout(resolve, RACY_MS))
  const { sync, reference } = await paired(
    3,
    () => cliSync(root, server, args),
    () => baseline(root),
  )
  addRow({
    scenario: `Scale: no-op, ${corpus.files.toLocaleString('en')} files`,
    median: formatMs(median(sync.map(r => r.ms))),
    spread: spread(sync.map(r => r.ms)),
    reference: `walk + SHA-256 script ${formatMs(median(reference.map(r => r.ms)))}`,
    ratio: formatRatio(median(sync.map(r => r.ms)) / median(reference.map(r => r.ms))),
    perFile: '-',
    rateLimited: '0',
    rss: `${formatBytes(median(sync.map(r => r.rss)))} (script ${formatBytes(median(reference.map(r => r.rss)))})`,
    goal: '< 250 MB',
    met: [['RSS', median(sync.map(r => r.rss)) < 250 * MB]],
  })
  const pages = listPages(root)
  touchPages(
    pages.filter((_, i) => i % 100 === 0),
    'scale',
  )
  await server.reset()
  const changedGrowth = repositoryGrowth(root)
  const changed = await cliSync(root, server, args)
  for (const [what, grown] of [
    ['initial sync', initialGrowth],
    ['1% changed', changedGrowth()],
  ] as const) {
    log(`scale git growth, ${what}: ${formatBytes(grown.bytes)} for a state of ${formatBytes(grown.state)} compressed`)
    addRow({
      scenario: `Scale: repository growth, ${what}, ${corpus.files.toLocaleString('en')} files, git-branch state`,
      median: formatBytes(grown.bytes),
      reference: `state ${formatBytes(grown.state)} compressed`,
      ratio: formatRatio(grown.bytes / grown.state),
      perFile: '-',
      rateLimited: '-',
      rss: '-',
      goal: '< 2x the state compressed',
      met: [['growth', grown.bytes < 2 * grown.state]],
    })
  }
  addRow({
    scenario: `Scale: 1% changed (${changed.result!.updated.length} files)`,
    median: formatMs(changed.ms),
    reference: '-',
    ratio: '-',
    perFile: `${((await server.stats()).requests / changed.result!.updated.length).toFixed(2)} per changed file`,
    rateLimited: '0',
    rss: formatBytes(changed.rss),
    goal: '< 400 MB',
    met: [['RSS', changed.rss < 400 * MB]],
  })
}

/**
 * What a sync adds to the repository: the object database before and after (loose objects and
 * packs), against the state it leaves, compressed as git stores a blob (zlib).
 */
function repositoryGrowth(root: string): () => { bytes: number; state: number } {
  // Bytes of every object file and pack (count-objects reports disk blocks, 4 KiB for the smallest tree).
  const objects = () => {
    const dir = join(root, '.git', 'objects')
    let bytes = 0
    for (const sub of readdirSync(dir)) {
      if (!/^[0-9a-f]{2}$|^pack$/.test(sub)) continue
      for (const name of readdirSync(join(dir, sub))) bytes += statSync(join(dir, sub, name)).size
    }
    return bytes
  }
  const before = objects()
  return () => {
    const ref = execFileSync('git', ['for-each-ref', '--format=%(refname)', 'refs/heads/vectornator-metadata'], {
      cwd: root,
      encoding: 'utf8',
    }).trim()
    const tree = execFileSync('git', ['ls-tree', '-r', '--name-only', ref], { cwd: root, encoding: 'utf8' })
    const path = tree.split('\n').find(line => line.endsWith('metadata.json'))!
    const text = execFileSync('git', ['cat-file', 'blob', `${ref}:${path}`], { cwd: root, maxBuffer: 2 ** 30 })
    return { bytes: objects() - before, state: deflateSync(text).length }
  }
}

/** The faults of the hostile-input row: 15% of answers a server error, 10% a rate limit (retry after 20 ms). */
const FAULTS = { error5xx: 0.15, rateLimit429: 0.1, retryAfterMs: 20 }

/**
 * A first sync under faults, paired with a fault-free one of the same corpus (alternating, a fresh
 * server for each), each checked exact in the store afterwards: every file once, all completed.
 */
async function faulty(corpus: Corpus): Promise<void> {
  const clean: ChildRun[] = []
  const faults: (ChildRun & { retries: number })[] = []
  const once = async (withFaults: boolean, round: number) => {
    rmSync(state(corpus.root), { recursive: true, force: true })
    const server = await freshServer(withFaults ? { faults: { ...FAULTS, seed: round + 1 } } : {})
    const run = await cliSync(corpus.root, server, ['--metadata', 'file'])
    const statuses = await server.statuses(run.result!.storeId)
    if (
      run.result!.added.length !== corpus.files ||
      statuses.completed !== corpus.files ||
      Object.values(statuses).reduce((a, b) => a + b, 0) !== corpus.files
    )
      throw new Error(
        `${withFaults ? 'faulty' : 'clean'} sync left the store inexact: added ${run.result!.added.length} of ${corpus.files}, statuses ${JSON.stringify(statuses)}`,
      )
    if (withFaults)
      faults.push({ ...run, retries: (run.result as { retries?: { total: number } }).retries?.total ?? 0 })
    else clean.push(run)
    log(`${withFaults ? 'faults' : 'clean '} ${round + 1}/${RUNS}: ${formatMs(run.ms)}  (load ${load()})`)
  }
  for (let i = 0; i < RUNS; i++) {
    if (i % 2) {
      await once(true, i)
      await once(false, i)
    } else {
      await once(false, i)
      await once(true, i)
    }
  }
  const ms = median(faults.map(r => r.ms))
  const base = median(clean.map(r => r.ms))
  addRow({
    scenario: `Initial sync under faults (${FAULTS.error5xx * 100}% 5xx, ${FAULTS.rateLimit429 * 100}% 429 retry-after ${FAULTS.retryAfterMs} ms), ${corpus.files.toLocaleString('en')} files`,
    median: formatMs(ms),
    spread: spread(faults.map(r => r.ms)),
    reference: `fault-free ${formatMs(base)} (${spread(clean.map(r => r.ms))})`,
    ratio: formatRatio(ms / base),
    perFile: `${median(faults.map(r => r.retries))} retried`,
    rateLimited: '-',
    rss: formatBytes(median(faults.map(r => r.rss))),
    goal: '<= 2x fault-free, 0 failed, store exact',
    met: [['time', ms <= 2 * base]],
  })
}

// ── main ────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  ensureBuild()
  const started = new Date()
  const loadBefore = load()
  const tmp = mkdtempSync(join(tmpdir(), 'vectornator-bench-'))
  log(`corpus in ${tmp}`)
  const corpus = prepareCorpus(join(tmp, 'corpus'), { generated: flags.generated })
  log(`${corpus.source}: ${corpus.files} files, ${(corpus.bytes / MB).toFixed(1)} MB; load ${loadBefore}`)
  try {
    if (want('initial') || want('noop') || want('changed')) await initialAndNoop(corpus)
    if (want('git')) await gitBranch(corpus, tmp)
    if (want('large')) await largeFiles(tmp)
    if (want('limits')) await rateLimited(corpus)
    if (want('faults')) await faulty(corpus)
    if (want('embedded')) await embeddedRows({ cli: CLI, tmp, runs: RUNS, addRow, note: line => notes.push(line), log })
    if (flags.scale) await scale(tmp)
    // The sections that compare tools or settings: each gives rows and notes of its own.
    const section = { cli: CLI, corpus, tmp, runs: RUNS, latencyMs: LATENCY_MS, log, load }
    const add = ({ rows, notes: more }: { rows: Row[]; notes: string[] }) => {
      rows.forEach(addRow)
      notes.push(...more)
    }
    if (want('vectors')) add(await vectorsBench(section))
    // Only when asked for: `vectors-stores` runs every store, `vectors-<store>` one.
    const stores = STORE_NAMES.filter(s => only?.has('vectors-stores') || only?.has(`vectors-${s}`))
    if (stores.length) add(await vectorsStoresBench(stores, section))
    if (only?.has('connections')) add(await connectionsBench(section))
    if (only?.has('providers')) add(await providersBench({ ...section, runs: flags.runs ? RUNS : 2 }))
    // Retrieval quality is not a time: its own table, as a note under the rows.
    if (want('retrieval')) {
      const quality = await retrievalRows()
      notes.push(
        quality
          ? `Retrieval, recall@5:\n\n${retrievalTable(quality)}`
          : 'retrieval: no VitePress corpus, nothing measured',
      )
    }
  } finally {
    await Promise.all(servers.map(s => s.close()))
    cleanupChildFiles()
    if (!flags.cli) rmSync(PRIVATE_DIST, { recursive: true, force: true })
    if (!flags.keep) rmSync(tmp, { recursive: true, force: true })
  }

  const table = markdownTable(
    [
      'scenario',
      'median',
      'min / median / max',
      'baseline / bound',
      'ratio',
      'requests / file',
      '429s',
      'peak RSS',
      'goal',
      'met',
      'load (1 min)',
    ],
    rows.map(r => [
      r.scenario,
      r.median,
      r.spread ?? '-',
      r.reference,
      r.ratio,
      r.perFile,
      r.rateLimited,
      r.rss,
      r.goal,
      mark(r.met),
      r.load ?? '-',
    ]),
  )
  const text = [
    'What a sync adds to a docs build, measured as a user runs it: `node dist/cli.cjs sync` in a process of',
    'its own, start-up included, against the offline server of `vectornator/testing`.',
    '',
    table,
    '',
    '- **No-op**: the comparison is a five-line script that walks the tree and SHA-256-hashes every file',
    "  (`bench/baseline.mjs`). A no-op sync sends one request (the store's counts) and never reads the state:",
    '  it stats each document instead of reading it, through a local stat cache (size, mtime, ctime and',
    '  inode to SHA-256, kept in the git directory inside a repository, else in `.vectornator/`; never in',
    '  the state or the branch), which also keeps a summary of the state last synced (its content hash or',
    '  git blob id, its settings and a digest of its paths and hashes); when the state still has that',
    '  identity and the documents that digest, nothing can have changed. It loads only the `sync` command,',
    '  lists the documents in one synchronous walk, and starts git before it scans.',
    `- **Initial sync**: the bound is what ${CONCURRENCY} requests in flight at a time cannot beat: one upload per file`,
    `  at ${LATENCY_MS} ms each; attaches go ${OPENAI_LIMITS.maxBatchFiles} files to a batch request. "SDK alone" is`,
    `  \`bench/sdk-floor.mjs\`: the official SDK uploading the same files ${CONCURRENCY} at a time and attaching them`,
    `  ${OPENAI_LIMITS.maxBatchFiles} to a batch, keeping nothing: the memory a sync cannot go below.`,
    '- **Faults**: a first sync against a server answering 15% of requests with a 5xx and 10% with a 429',
    '  (`retry-after-ms: 20`), alternating with a fault-free one of the same corpus (a fresh server each);',
    '  each run must end with every document stored once and completed. Retries of a server error now and',
    '  then wait tens of milliseconds (health.ts); a burst of them, the full backoff.',
    '- **Rate limits**: the floor is the time the uploads limit (1,000 a minute, the minute shortened) takes',
    '  to let every file through; the figure is the time to searchable: the sync returns only once every',
    '  document is `completed`, checked in the store after each run. With a processing time per file the',
    "  last files' processing (up to 2 s) comes after the last upload whatever the design.",
    '- **1% changed**: requests follow the change (an upload, a share of one batch attach and poll, and the',
    "  old version's removal per changed page), not the size of the corpus. The reference is the time its",
    '  requests need at the default concurrency on top of what every sync pays (a no-op sync of the same',
    '  tree, run alternately with it).',
    '- Each no-op figure is from runs alternating with the script (A B A B ...); a figure that moved by',
    '  more than its min-max spread between two bench runs is noise. The load column is the 1-minute load',
    '  average when the scenario ended: this machine has 2 cores shared with other work.',
    '',
    `Corpus: ${corpus.source}, ${corpus.files.toLocaleString('en')} files, ${(corpus.bytes / MB).toFixed(1)} MB. ` +
      `Offline server (\`vectornator/testing\`) in a process of its own, ${LATENCY_MS} ms added to every request; ` +
      `sync concurrency ${CONCURRENCY}${flags.concurrency ? '' : ' (the default)'}. Medians of ${RUNS} runs (${NOOP_RUNS} for the no-op syncs, ` +
      'each paired with a run of the baseline script); every sync is `node dist/cli.cjs sync --json` in its own process, start-up included; ' +
      "peak RSS is the child's own `process.resourceUsage().maxRSS`.",
    ...notes.map(n => `\n${n}`),
    '',
    ...machine().map(l => `- ${l}`),
    `- Load average (1, 5, 15 min): ${loadBefore} at the start, ${load()} at the end; ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    'Reproduce: `npm run bench` (builds dist/ first when it is older than src/).',
    '',
  ].join('\n')
  process.stdout.write(`\n${text}`)
  const out = flags.out ?? join(REPO, 'bench', 'results.md')
  if (!only || flags.out) writeFileSync(out, `${text}`)
  else log(`partial run (--only): ${relative(REPO, out)} left as it was`)
}

main().catch(error => {
  process.stderr.write(`[bench] ${(error as Error).stack ?? error}\n`)
  process.exitCode = 1
})
