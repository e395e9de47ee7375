import { join, relative } from 'node:path'
import type { SyncResult, VectornatorOptions } from '../types'
import type { FileMetadata, VectorStoreProvider } from '../providers/types'
import { attributeSettingsKey, buildAttributes } from './attributes'
import { UsageError } from './errors'
import { execute } from './execute'
import { fingerprint } from './fingerprint'
import { acquireLock, lockFileFor } from './lock'
import { resolveOptions, type ResolvedOptions } from './options'
import { type Plan, plan as makePlan, planSize } from './plan'
import { contentSettings, createProvider, providerLimits } from './provider'
import { summaryLine } from './report'
import { type LocalFile, scan, type ScanResult, type SkippedFile } from './scan'
import { readDocuments, sourceCommitOf } from './source'
import { FileStatCache, statCachePath } from './stat-cache'
import { settleJournal } from './settle'
import { emptyState, resolveStateStore, type StateStore, type SyncState } from './state'
import { filesDigest, summarize, summaryFor } from './state/summary'
import { reconcileStates } from './reconcile'
import { checksSummary, loadChecks, runChecks } from './checks'
import { CONVERTED, MDX_TEXT_VERSION, mdxToText } from './mdx-text'
import { createCheckpoints } from './checkpoints'

export interface PlanReport {
  plan: Plan<LocalFile>
  state: SyncState
  /** Documents skipped by the scanner, with why. */
  skipped: SkippedFile[]
  /** Bytes the sync would upload. */
  uploadBytes: number
  /** Documents in the store once the plan has run. */
  storeFilesAfter: number
  storeId: string
}

export interface StoreConnection {
  provider: VectorStoreProvider
  /** The stored state, or undefined when there is none. */
  state: SyncState | undefined
  storeId: string
  close(): Promise<void>
}

export interface Vectornator {
  options: ResolvedOptions
  /** The plan, changing nothing. */
  status(): Promise<PlanReport>
  /** Runs the plan and saves the state. */
  sync(): Promise<SyncResult>
  /**
   * The store the state (or the options) name, opened for reading: search, checks, verify.
   * Takes no lock and writes nothing.
   */
  connect(): Promise<StoreConnection>
}

/**
 * The core every face calls (plugin, CLI, Action, library): options are resolved and checked
 * once, here, before any I/O.
 */
export interface VectornatorExtras {
  /** Leading folders stripped from paths to get page routes (a build's output folder). */
  routePrefixes?: string[]
  /** Page routes a docs framework reported, by root-relative path (see AttributeSettings.routes). */
  routes?: Record<string, string>
  /** Files synced besides the scanned documents (files a build emitted); see filesFromPaths. */
  extraFiles?: () => Promise<LocalFile[]>
}

export function createVectornator(userOptions: VectornatorOptions = {}, overrides: VectornatorExtras = {}): Vectornator {
  const options = resolveOptions(userOptions)
  for (const glob of options.include)
    if (/(^|\/|\*)\.env/.test(glob)) options.logger.warn(`include "${glob}" names .env files: secrets files (.env, .env.*) are never uploaded`)
  const attributeSettings = { baseUrl: options.baseUrl, attributes: options.attributes, routePrefixes: overrides.routePrefixes, routes: overrides.routes }
  const limits = providerLimits(options)
  // The MDX conversion shapes what is stored for every provider: a new version re-indexes.
  const content = { ...contentSettings(options), mdxText: MDX_TEXT_VERSION }
  const contentFingerprint = fingerprint(content)
  const attributesFingerprint = fingerprint(attributeSettingsKey(attributeSettings))

  type Prepared = PlanReport & { loaded: SyncState | undefined, files: LocalFile[], sourceCommit?: string }
  /** A sync the state summary shows would change nothing: the state was never read. */
  interface Unchanged { unchanged: LocalFile[], skipped: SkippedFile[], storeId: string }

  async function prepare(store: StateStore, canRetag: boolean, cache: FileStatCache | undefined): Promise<Prepared>
  async function prepare(store: StateStore, canRetag: boolean, cache: FileStatCache | undefined, quick: true): Promise<Prepared | Unchanged>
  async function prepare(store: StateStore, canRetag: boolean, cache: FileStatCache | undefined, quick = false): Promise<Prepared | Unchanged> {
    // Started first: what identifying waits for (git processes, a hash in the thread pool) runs
    // while the scan keeps this thread busy.
    const summary = quick ? summaryFor(cache?.state, { storeId: options.vectorStoreId, provider: options.providerName, fingerprint: contentFingerprint, attributes: attributesFingerprint }) : undefined
    const identifying = summary && store.identify && store.identity ? store.identify(cache) : undefined
    identifying?.catch(() => {})
    // The scan needs nothing from the state: it runs while the state loads (a git fetch, a parse).
    const scanning = scanDocuments(cache)
    scanning.catch(() => {})
    const collect = async () => {
      const scanned = await scanning
      const files = overrides.extraFiles ? mergeFiles(scanned.files, await overrides.extraFiles()) : scanned.files
      return { files, skipped: scanned.skipped, commit: scanned.commit }
    }
    let loaded: SyncState | undefined
    try {
      if (summary && identifying && (await identifying) === summary.identity) {
        const local = await collect()
        if (filesDigest(local.files, f => f.path, f => f.sha256) === summary.files) {
          for (const s of local.skipped) options.logger.warn(`skipped ${s.path}: ${s.reason}`)
          options.onProgress({ type: 'scan', files: local.files.length })
          options.onProgress({ type: 'plan', add: 0, update: 0, delete: 0, unchanged: local.files.length, rename: 0, retag: 0 })
          return { unchanged: local.files, skipped: local.skipped, storeId: summary.storeId }
        }
      }
      loaded = await store.load()
      if (loaded) checkStateMatches(loaded, options, store)
    }
    catch (error) {
      await scanning.catch(() => {})
      throw error
    }
    if (loaded && cache) remember(cache, loaded, store)
    const state = loaded ?? emptyState(options.vectorStoreId ?? '')
    const { files, skipped, commit } = await collect()
    for (const s of skipped) options.logger.warn(`skipped ${s.path}: ${s.reason}`)
    options.onProgress({ type: 'scan', files: files.length })
    return { ...planFor(files, state, canRetag), skipped, loaded, files, sourceCommit: commit }
  }

  /** Keeps the summary of the state the store now holds, for the next sync's quick check. */
  function remember(cache: FileStatCache, state: SyncState, store: StateStore): void {
    const identity = store.identity?.()
    if (identity && cache.state?.identity !== identity) cache.state = summarize(state, identity)
  }

  /** The local stat cache, when documents come from the work tree (not from a git ref). */
  async function openStatCache(): Promise<FileStatCache | undefined> {
    return options.ref ? undefined : FileStatCache.load(statCachePath(options.root))
  }

  async function saveStatCache(cache: FileStatCache | undefined): Promise<void> {
    await cache?.save().catch(e => options.logger.debug(`could not save the stat cache: ${e.message}`))
  }

  /**
   * The documents, hashed through the local stat cache: a document whose size, mtime, ctime and
   * inode are those recorded is not read again.
   */
  async function scanDocuments(cache: FileStatCache | undefined): Promise<ScanResult & { commit?: string }> {
    // A git ref's documents come from git's objects, hashed as they stream: no cache to consult.
    if (options.ref) return readDocuments(options, options.maxFileSize ?? limits.maxFileBytes)
    return scan({
      root: options.root,
      include: options.include,
      exclude: options.exclude,
      gitignore: options.gitignore,
      maxFileBytes: options.maxFileSize ?? limits.maxFileBytes,
      concurrency: Math.max(16, options.concurrency * 2),
      cache,
    })
  }

  function planFor(files: LocalFile[], state: SyncState, canRetag: boolean) {
    const plan = makePlan(files, state, { canRetag, contentFingerprint, contentSettings: content, attributesFingerprint })
    options.onProgress({ type: 'plan', add: plan.add.length, update: plan.update.length, delete: plan.delete.length, unchanged: plan.unchanged.length, rename: plan.rename.length, retag: plan.retag.length })
    const uploadBytes = [...plan.add, ...plan.update.map(u => u.file)].reduce((n, f) => n + f.size, 0)
    const storeFilesAfter = Object.keys(state.files).length + plan.add.length - plan.delete.length
    return { plan, state, uploadBytes, storeFilesAfter, storeId: state.storeId || options.vectorStoreId || '' }
  }

  function guardDeletions(report: PlanReport): void {
    const stored = Object.keys(report.state.files).length
    const deletions = report.plan.delete.length
    if (stored === 0 || deletions === 0 || options.allowMassDelete) return
    if (deletions / stored > options.maxDeletions)
      throw new UsageError(`this sync would delete ${deletions} of the store's ${stored} documents (more than ${Math.round(options.maxDeletions * 100)}%): check the include globs and the root, or pass --allow-mass-delete if this is intended`)
  }

  const canRetagStatic = typeof options.provider === 'object' ? Boolean(options.provider.updateAttributes) : true

  async function withState<T>(fn: (store: StateStore) => Promise<T>, resolving = resolveStateStore(options, options.logger)): Promise<T> {
    const store = await resolving
    const release = options.dryRun
      ? async () => {}
      : await acquireLock(lockFileFor(options.root, store.kind, store.location), {
          onWait: pid => options.logger.info(`waiting for another vectornator run (pid ${pid}) on this state to finish`),
        })
    try { return await fn(store) }
    finally {
      await store.close()
      await release()
    }
  }

  async function connect(): Promise<StoreConnection> {
    const store = await resolveStateStore(options, options.logger)
    let state: SyncState | undefined
    try {
      state = await store.load()
      if (state) checkStateMatches(state, options, store)
    }
    finally { await store.close() }
    const storeId = options.vectorStoreId ?? state?.storeId
    if (!storeId)
      throw new UsageError(`no store to read: nothing has been synced from ${options.root} yet (run \`vectornator sync\`), or pass --store`)
    const provider = await createProvider(options)
    await provider.initialize({ storeId, storeName: options.storeName })
    await provider.connect()
    try {
      if (!(await provider.verifyStore()))
        throw new UsageError(`vector store ${storeId} was not found: check --store, or run \`vectornator sync\` to create one`)
    }
    catch (error) {
      await provider.cleanup().catch(() => {})
      throw error
    }
    return { provider, state, storeId, close: () => provider.cleanup() }
  }

  return {
    options,
    connect,

    status: () => withState(async (store) => {
      const { loaded: _loaded, files: _files, ...report } = await prepare(store, canRetagStatic, await openStatCache())
      return report
    }),

    sync: async () => {
      // The state's location is found (git processes, for a branch) while the cache is read.
      const resolving = resolveStateStore(options, options.logger)
      resolving.catch(() => {})
      const cache = await openStatCache()
      return withState(async (store) => {
        try { return await runSync(store, cache) }
        finally {
          // Saved whatever happened: the hashes computed are good for the next run.
          if (!options.dryRun) await saveStatCache(cache)
        }
      }, resolving)
    },
  }

  async function runSync(store: StateStore, cache: FileStatCache | undefined): Promise<SyncResult> {
    const started = Date.now()
    const prepared = await prepare(store, canRetagStatic, cache, true)
    if (!('plan' in prepared)) return unchangedResult(prepared, started)
    let report = prepared
    let provider: VectorStoreProvider | undefined
    // Crash safety: a journal left by a killed run is settled before anything is planned, and
    // the settled state saved, so the plan starts from what the store really holds.
    if (!options.dryRun && report.state.journal?.length) {
      provider = await createProvider(options)
      try {
        await openStore(provider, report.state, report.loaded)
        await settleJournal(report.state, provider, options.logger, report.files)
        await store.save(report.state)
      }
      catch (error) {
        await provider.cleanup().catch(() => {})
        throw error
      }
      report = { ...report, ...planFor(report.files, report.state, canRetagStatic) }
    }
    const { plan, state, skipped } = report
    guardDeletions(report)
    for (const reason of plan.reasons) options.logger.info(reason)

    const result = resultFromPlan(report, options.dryRun)
    const settingsChanged = state.fingerprint !== contentFingerprint || state.settings?.attributes !== attributesFingerprint
    const nothingToDo = planSize(plan) === 0 && !state.journal?.length
    if (options.dryRun || (nothingToDo && state.storeId)) {
      await provider?.cleanup().catch(() => {})
      if (!options.dryRun && settingsChanged) {
        recordSettings(state)
        await store.finish(state, { message: 'vectornator: record settings', changed: true })
      }
      else if (!options.dryRun) await store.finish(state, { message: '', changed: false })
      result.durationMs = Date.now() - started
      if (options.checks && !options.dryRun) await checkAfterSync(result)
      options.onProgress({ type: 'done', result })
      return result
    }

    if (!provider) {
      provider = await createProvider(options)
      try {
        const created = !(options.vectorStoreId ?? (state.storeId || undefined))
        await openStore(provider, state, report.loaded)
        // A store just created is recorded at once: a run killed now leaves no store unknown to the state.
        if (created) await store.save(state)
        else if (!report.loaded) await guardLostState(provider, store)
      }
      catch (error) {
        await provider.cleanup().catch(() => {})
        throw error
      }
    }
    const saves = createCheckpoints(store, state, options.logger)
    try {
      result.storeId = state.storeId

      const total = planSize(plan)
      let done = 0
      const executed = await execute(plan, {
        provider,
        state,
        checkpoint: saves.checkpoint,
        flush: saves.flush,
        concurrency: options.concurrency,
        describe: (file, buffer) => describe(provider!, file, buffer),
        uploadText: (file, buffer) => (CONVERTED.test(file.path) ? Buffer.from(mdxToText(buffer.toString('utf8'))) : undefined),
        onFile: (op, path, error) => {
          done++
          options.onProgress({ type: 'file', op, path, ok: !error, error, done, total })
        },
      })
      Object.assign(result, executed, { unchanged: plan.unchanged.length, skipped })
      state.lastSync = new Date().toISOString()
      recordSettings(state)
      const source = report.sourceCommit ? { commit: report.sourceCommit, dirty: false } : await sourceCommitOf(options.root)
      if (source) state.sourceCommit = source.commit
      else delete state.sourceCommit
      await saves.flush()
      result.durationMs = Date.now() - started
      await store.finish(state, {
        message: `${summaryLine(result)}${source ? ` from ${source.commit.slice(0, 12)}${source.dirty ? ' with uncommitted changes' : ''}` : ''}`,
        changed: true,
        reconcile: (theirs, mine) => reconcileStates(theirs, mine, provider!),
      })
      if (cache) remember(cache, state, store)
    }
    catch (error) {
      // A sync that fails still leaves its last state (and journal) saved for the next run, and
      // writes nothing once the lock is released.
      await saves.abandon()
      throw error
    }
    finally {
      await provider.cleanup().catch(() => {})
    }
    if (options.checks && !options.dryRun) await checkAfterSync(result)
    result.durationMs = Date.now() - started
    options.onProgress({ type: 'done', result })
    return result
  }

  /** The result of a sync the state summary showed would change nothing. */
  async function unchangedResult(prepared: Unchanged, started: number): Promise<SyncResult> {
    const result: SyncResult = {
      storeId: prepared.storeId,
      dryRun: options.dryRun,
      added: [],
      updated: [],
      deleted: [],
      renamed: [],
      retagged: [],
      unchanged: prepared.unchanged.length,
      failed: [],
      skipped: prepared.skipped,
      durationMs: Date.now() - started,
    }
    if (options.checks && !options.dryRun) await checkAfterSync(result)
    options.onProgress({ type: 'done', result })
    return result
  }

  /** Runs the retrieval checks against the store just synced and adds them to the result. */
  async function checkAfterSync(result: SyncResult): Promise<void> {
    const { file, checks } = await loadChecks(options.root, typeof options.checks === 'string' ? options.checks : undefined)
    const connection = await connect()
    try {
      result.checks = await runChecks(connection.provider, file, checks)
      const log = result.checks.failed > 0 ? options.logger.error : options.logger.info
      log(checksSummary(result.checks))
    }
    finally { await connection.close() }
  }

  function recordSettings(state: SyncState): void {
    state.provider = options.providerName
    state.fingerprint = contentFingerprint
    state.settings = { content, attributes: attributesFingerprint }
  }

  async function describe(provider: VectorStoreProvider, file: LocalFile, buffer: Buffer): Promise<FileMetadata> {
    const attributes = await buildAttributes({ path: file.path, sha256: file.sha256, content: buffer.toString('utf8') }, attributeSettings, provider.limits)
    return { path: file.path, sha256: file.sha256, size: file.size, lastModified: new Date(file.mtimeMs).toISOString(), attributes }
  }

  /**
   * No state, but a store that already holds documents this tool wrote: uploading everything again
   * would store each document twice. The state is rebuilt from the store instead (verify --repair).
   */
  async function guardLostState(provider: VectorStoreProvider, store: StateStore): Promise<void> {
    const ours = (await provider.listFiles()).filter(f => f.path !== undefined && f.sha256 !== undefined).length
    if (ours > 0)
      throw new UsageError(`store ${provider.storeId} already holds ${ours} document${ours === 1 ? '' : 's'} synced by vectornator, but there is no sync state in ${store.location}: run \`vectornator verify --repair\` to rebuild the state from the store (syncing now would upload every document again)`)
  }

  /** Selects the store: the one asked for, else the one in the state, else a new one. */
  async function openStore(provider: VectorStoreProvider, state: SyncState, loaded: SyncState | undefined): Promise<void> {
    const wanted = options.vectorStoreId ?? (state.storeId || undefined)
    await provider.initialize({ storeId: wanted, storeName: options.storeName })
    await provider.connect()
    if (wanted) {
      if (!(await provider.verifyStore())) {
        const from = options.vectorStoreId ? 'the store id given (--store / VECTORNATOR_STORE_ID)' : `the state (${loaded ? 'recorded earlier' : ''})`
        throw new UsageError(`vector store ${wanted} was not found (from ${from}): check the id, or drop it to create a new store`)
      }
      state.storeId = wanted
      return
    }
    state.storeId = await provider.createStore(options.storeName)
    options.logger.info(`created ${provider.name} store ${state.storeId} ("${options.storeName}"); its id is kept in the sync state`)
    if (options.provider === 'postgres' && !options.connectionString) {
      const where = relative(process.cwd(), join(options.root, '.vectornator', 'store')) || '.vectornator/store'
      options.logger.info(`the embedded store is in ${where} (no API key needed); search it with \`vectornator search "your question"\`${(provider as { notice?: string }).notice ? ` — ${(provider as { notice?: string }).notice}` : ''}`)
    }
  }
}

/** Refuses a state written for another store or provider than the one asked for. */
function checkStateMatches(state: SyncState, options: ResolvedOptions, store: StateStore): void {
  if (options.vectorStoreId && state.storeId && state.storeId !== options.vectorStoreId)
    throw new UsageError(`the sync state in ${store.location} is for store ${state.storeId}, not ${options.vectorStoreId}: pass --store ${state.storeId}, or keep this store's state apart (metadata.key or --branch)`)
  if (state.provider && state.provider !== options.providerName)
    throw new UsageError(`the sync state in ${store.location} is for provider ${state.provider}, not ${options.providerName}: pass --provider ${state.provider}, or keep this provider's state apart (metadata.key or --branch)`)
}

/** Emitted build files join the scanned documents; a path found twice is kept once. */
function mergeFiles(scanned: LocalFile[], extra: LocalFile[]): LocalFile[] {
  const byPath = new Map(scanned.map(f => [f.path, f]))
  for (const f of extra) byPath.set(f.path, f)
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** What a sync of this plan would report before it runs (the `--json` object of a dry run). */
export function resultFromPlan(report: PlanReport, dryRun: boolean): SyncResult {
  const { plan } = report
  return {
    storeId: report.storeId,
    dryRun,
    added: plan.add.map(f => f.path),
    updated: plan.update.map(u => u.file.path),
    deleted: plan.delete.map(d => d.path),
    renamed: plan.rename.map(r => ({ from: r.from, to: r.file.path })),
    retagged: plan.retag.map(r => r.file.path),
    unchanged: plan.unchanged.length,
    failed: [],
    skipped: report.skipped,
    durationMs: 0,
  }
}

/** Runs one sync. */
export function sync(options: VectornatorOptions = {}): Promise<SyncResult> {
  return createVectornator(options).sync()
}

/** The plan of a sync, changing nothing. */
export function status(options: VectornatorOptions = {}): Promise<PlanReport> {
  return createVectornator(options).status()
}
