import { join, relative } from 'node:path'
import type { SyncResult, VectornatorOptions } from '../types'
import type { FileMetadata, VectorStoreProvider } from '../providers/types'
import { attributeSettingsKey, buildAttributes } from './scan/attributes'
import { UsageError } from '../lib/errors'
import { execute, type ExecuteResult } from './run/execute'
import { fingerprint } from './plan/fingerprint'
import { acquireLock, lockFileFor } from './run/lock'
import { resolveOptions, type ResolvedOptions } from './options/options'
import { type Plan, plan as makePlan, planSize } from './plan/plan'
import { contentSettings, createProvider, providerLimits } from './run/provider'
import { summaryLine, type PlanReport } from './plan/report'
import { type LocalFile, scan, type ScanResult, type SkippedFile } from './scan/scan'
import { commitRelation, readDocuments, sourceCommitOf, type SourceCommit } from './scan/source'
import { FileStatCache, statCachePath } from './scan/stat-cache'
import { settleJournal } from './run/settle'
import { CLEANUP_SUBJECT, emptyState, resolveStateStore, type FileState, type StateStore, type SyncState } from './state'
import { filesDigest, summarize, summaryFor } from './state/summary'
import { adoptTheirs, judge, removeRetired, restoreTouched, reuseUploads } from './run/race'
import { countsDisagree, repairDrift, storeGone } from './run/drift'
import pLimit from 'p-limit'
import { checksSummary, loadChecks, runChecks } from './inspect/checks'
import { createCheckpoints } from './run/checkpoints'

export type { PlanReport } from './plan/report'

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
  /** Files synced besides the scanned documents (files a build emitted); see filesFromPaths. */
  extraFiles?: () => Promise<LocalFile[]>
}

export function createVectornator(userOptions: VectornatorOptions = {}, overrides: VectornatorExtras = {}): Vectornator {
  const options = resolveOptions(userOptions)
  for (const glob of options.include)
    if (/(^|\/|\*)\.env/.test(glob)) options.logger.warn(`include "${glob}" names .env files: secrets files (.env, .env.*) are never uploaded`)
  const attributeSettings = { baseUrl: options.baseUrl, attributes: options.attributes, routePrefixes: overrides.routePrefixes }
  const limits = providerLimits(options)
  const content = contentSettings(options)
  const contentFingerprint = fingerprint(content)
  const attributesFingerprint = fingerprint(attributeSettingsKey(attributeSettings))

  type Prepared = PlanReport & { loaded: SyncState | undefined, files: LocalFile[], sourceCommit?: string }
  /** A sync the state summary shows would change nothing: the state was never read. */
  interface Unchanged { unchanged: LocalFile[], skipped: SkippedFile[], storeId: string, documents?: number }

  async function prepare(store: StateStore, canRetag: boolean, cache: FileStatCache | undefined): Promise<Prepared>
  async function prepare(store: StateStore, canRetag: boolean, cache: FileStatCache | undefined, quick: boolean): Promise<Prepared | Unchanged>
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
          return { unchanged: local.files, skipped: local.skipped, storeId: summary.storeId, documents: summary.documents }
        }
      }
      loaded = await store.load()
      if (loaded) checkStateMatches(loaded, options, store)
    }
    catch (error) {
      await scanning.catch(() => {})
      throw error
    }
    // Not remembered here: a state this tree did not produce (another clone's, a race's) is
    // trusted by the quick check only after a full sync compared it with this tree and the store.
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
      dot: options.dot,
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
    const quick = await prepare(store, canRetagStatic, cache, !options.newStore && !options.verify)
    let provider: VectorStoreProvider | undefined
    try {
      let drifted = false
      let report: Prepared
      if (!('plan' in quick)) {
        // The state says nothing changed; the store is asked once whether it still holds it.
        provider = await createProvider(options)
        const disagreement = await storeDisagrees(provider, quick.storeId, quick.documents)
        if (!disagreement) return await unchangedResult(quick, started)
        options.logger.warn(disagreement)
        drifted = true
        report = await prepare(store, canRetagStatic, cache)
      }
      else report = quick
      return await runPlan(store, cache, report, provider, drifted, started)
    }
    finally { await provider?.cleanup().catch(() => {}) }
  }

  /** Opens the store the summary names and compares its counts: undefined when they agree. */
  async function storeDisagrees(provider: VectorStoreProvider, storeId: string, documents: number | undefined): Promise<string | undefined> {
    await provider.initialize({ storeId, storeName: options.storeName })
    await provider.connect()
    if (!provider.storeStatus) return undefined
    const status = await provider.storeStatus()
    if (!status) throw new UsageError(storeGone(storeId, provider.name))
    return countsDisagree(status, documents ?? -1)
  }

  async function runPlan(store: StateStore, cache: FileStatCache | undefined, prepared: Prepared, opened: VectorStoreProvider | undefined, drifted: boolean, started: number): Promise<SyncResult> {
    let report = prepared
    const source = report.sourceCommit ? { commit: report.sourceCommit, dirty: false } : await sourceCommitOf(options.root)
    const newer = await newerInStore(report.loaded, source)
    if (newer) return keptNewerResult(report, newer, started)
    if (options.newStore && !options.dryRun) report = { ...report, ...planFor(report.files, { ...emptyState(''), provider: options.providerName }, canRetagStatic), loaded: report.loaded }

    if (options.dryRun) {
      const result = resultFromPlan(report, true)
      result.durationMs = Date.now() - started
      options.onProgress({ type: 'done', result })
      return result
    }
    const provider = opened ?? await createProvider(options)
    const state = report.state
    const repaired: string[] = []
    const created = !(options.vectorStoreId ?? (state.storeId || undefined))
    const disagreement = await openStore(provider, state, report.loaded)
    // A store just created is recorded at once: a run killed now leaves no store unknown to the state.
    if (created) {
      await store.save(state)
      if (options.newStore && prepared.state.storeId) await forgetOldStore(provider, prepared.state)
    }
    else if (!report.loaded) await guardLostState(provider, store)
    // Crash safety: a journal left by a killed run is settled before anything is planned, and
    // the settled state saved, so the plan starts from what the store really holds.
    if (state.journal?.length) {
      await settleJournal(state, provider, options.logger, report.files)
      await store.save(state)
      report = { ...report, ...planFor(report.files, state, canRetagStatic) }
    }
    if (drifted || disagreement || options.verify) {
      if (disagreement && !drifted) options.logger.warn(disagreement)
      const repair = await repairDrift(provider, state, options.logger)
      repaired.push(...repair.forgotten, ...repair.adopted, ...repair.retagged)
      if (repaired.length) {
        await store.save(state)
        report = { ...report, ...planFor(report.files, state, canRetagStatic) }
      }
    }
    const { plan, skipped } = report
    guardDeletions(report)
    for (const reason of plan.reasons) options.logger.info(reason)

    const result = resultFromPlan(report, false)
    if (repaired.length) result.repaired = repaired.sort()
    const settingsChanged = state.fingerprint !== contentFingerprint || state.settings?.attributes !== attributesFingerprint
    if (planSize(plan) === 0 && !state.journal?.length && state.storeId) {
      if (settingsChanged || repaired.length) {
        recordSettings(state)
        await store.finish(state, { message: repaired.length ? `vectornator: repaired ${repaired.length} documents` : 'vectornator: record settings', changed: true })
      }
      else await store.finish(state, { message: '', changed: false })
      if (cache) remember(cache, state, store)
      result.durationMs = Date.now() - started
      if (options.checks) await checkAfterSync(result)
      options.onProgress({ type: 'done', result })
      return result
    }

    const saves = createCheckpoints(store, state, options.logger)
    const uploaded = new Map<string, FileState>()
    const touched = new Map<string, FileState['attributes']>()
    const total = { n: planSize(plan), done: 0 }
    const round = async (work: Plan<LocalFile>) => {
      total.n = total.done + planSize(work)
      const executed = await execute(work, {
        provider,
        state,
        checkpoint: saves.checkpoint,
        flush: saves.flush,
        concurrency: options.concurrency,
        describe: (file, buffer) => describe(provider, file, buffer),
        uploaded,
        touched,
        onFile: (op, path, error) => {
          total.done++
          options.onProgress({ type: 'file', op, path, ok: !error, error, done: total.done, total: total.n })
        },
      })
      mergeExecuted(result, executed)
      result.unchanged = work.unchanged.length
      state.lastSync = new Date().toISOString()
      recordSettings(state)
      if (source) {
        state.sourceCommit = source.commit
        if (source.dirty) state.sourceDirty = true
        else delete state.sourceDirty
      }
      else { delete state.sourceCommit; delete state.sourceDirty }
      await saves.flush()
      return commitMessage(result, source, started)
    }
    let yielded = false
    try {
      result.storeId = state.storeId
      Object.assign(result, { added: [], updated: [], deleted: [], renamed: [], retagged: [], failed: [], skipped })
      const message = await round(plan)
      await store.finish(state, {
        message,
        changed: true,
        resolve: async (theirs) => {
          const verdict = await judge(options.root, source, theirs, remoteName())
          adoptTheirs(state, theirs, uploaded)
          await saves.flush()
          if (verdict.yield) {
            result.race = { outcome: 'yielded', theirs: theirs.sourceCommit, reason: verdict.reason }
            await restoreTouched(provider, touched, theirs)
            await removeRetired(provider, state, options.concurrency, options.logger.warn)
            yielded = true
            return undefined
          }
          result.race = { outcome: 'replanned', theirs: theirs.sourceCommit, reason: verdict.reason }
          const again = planFor(report.files, state, canRetagStatic).plan
          reuseUploads(again, state, uploaded)
          return { state, message: await round(again) }
        },
      })
      if (!yielded) {
        await retireAfterPublish(store, state, provider)
        if (cache) remember(cache, state, store)
      }
    }
    catch (error) {
      // A sync that fails still leaves its last state (and journal) saved for the next run, and
      // writes nothing once the lock is released.
      await saves.abandon()
      throw error
    }
    if (options.checks) await checkAfterSync(result)
    result.durationMs = Date.now() - started
    options.onProgress({ type: 'done', result })
    return result
  }

  /**
   * Once a state is published, what it replaced is removed, and the state is published again
   * without the list of removals; unless another sync has built on it meanwhile (its state is then
   * kept: it carries that list and removes what is left of it).
   */
  async function retireAfterPublish(store: StateStore, state: SyncState, provider: VectorStoreProvider): Promise<void> {
    if (!state.journal?.some(e => e.fileId)) return
    const removed = await removeRetired(provider, state, options.concurrency, options.logger.warn)
    await store.finish(state, { message: `${CLEANUP_SUBJECT}${removed} replaced document${removed === 1 ? '' : 's'}`, changed: true, resolve: async () => undefined })
  }

  /** The source commit of the state the store holds, when it is newer than this checkout's (never moved backwards). */
  async function newerInStore(loaded: SyncState | undefined, source: SourceCommit | undefined): Promise<string | undefined> {
    if (!loaded?.sourceCommit || !source || options.ref || options.allowOlder || options.newStore) return undefined
    if (loaded.sourceCommit === source.commit) return undefined
    return await commitRelation(options.root, source.commit, loaded.sourceCommit, remoteName()) === 'ancestor' ? loaded.sourceCommit : undefined
  }

  function keptNewerResult(report: Prepared, newer: string, started: number): SyncResult {
    const result = resultFromPlan(report, options.dryRun)
    Object.assign(result, { added: [], updated: [], deleted: [], renamed: [], retagged: [], unchanged: report.files.length })
    result.race = { outcome: 'kept-newer', theirs: newer, reason: `the store holds the documents of ${newer.slice(0, 12)}, a newer commit than this checkout's` }
    options.logger.warn(`the store holds the documents of ${newer.slice(0, 12)}, a newer commit than this checkout's: nothing synced (pull first, or pass --allow-older to publish these documents)`)
    result.durationMs = Date.now() - started
    options.onProgress({ type: 'done', result })
    return result
  }

  /** The documents of a store left behind by --new-store: their File objects go when that store is gone. */
  async function forgetOldStore(provider: VectorStoreProvider, old: SyncState): Promise<void> {
    const ids = Object.values(old.files).map(f => f.fileId)
    if (ids.length === 0 || !provider.deleteFileObject) return
    options.logger.info(`removing the ${ids.length} file object${ids.length === 1 ? '' : 's'} of store ${old.storeId}, which no longer holds them`)
    const limit = pLimit(options.concurrency)
    await Promise.all(ids.map(id => limit(() => provider.deleteFileObject!(id).catch(() => {}))))
  }

  function remoteName(): string | undefined {
    return 'load' in options.metadata ? undefined : options.metadata.remote
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

  /**
   * Selects the store: the one asked for, else the one in the state, else a new one. Resolves to
   * why the store's counts disagree with the state, when they do (one request: see drift.ts).
   */
  async function openStore(provider: VectorStoreProvider, state: SyncState, loaded: SyncState | undefined): Promise<string | undefined> {
    const wanted = options.vectorStoreId ?? (state.storeId || undefined)
    await provider.initialize({ storeId: wanted, storeName: options.storeName })
    await provider.connect()
    if (wanted) {
      const status = provider.storeStatus ? await provider.storeStatus() : undefined
      if (!(provider.storeStatus ? status : await provider.verifyStore())) {
        if (options.vectorStoreId) throw new UsageError(`vector store ${wanted} was not found (the store id given with --store / VECTORNATOR_STORE_ID): check the id, or drop it to sync into the state's store`)
        throw new UsageError(storeGone(wanted, provider.name))
      }
      state.storeId = wanted
      return status && loaded ? countsDisagree(status, Object.keys(loaded.files).length) : undefined
    }
    state.storeId = await provider.createStore(options.storeName)
    options.logger.info(`created ${provider.name} store ${state.storeId} ("${options.storeName}"); its id is kept in the sync state`)
    if (options.provider === 'postgres' && !options.connectionString) {
      const where = relative(process.cwd(), join(options.root, '.vectornator', 'store')) || '.vectornator/store'
      options.logger.info(`the embedded store is in ${where} (no API key needed); search it with \`vectornator search "your question"\`${(provider as { notice?: string }).notice ? ` — ${(provider as { notice?: string }).notice}` : ''}`)
    }
    return undefined
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

/** Adds one round's work to the result (a re-planned sync runs more than one). */
function mergeExecuted(result: SyncResult, executed: ExecuteResult): void {
  const add = (into: string[], from: string[]) => { for (const p of from) if (!into.includes(p)) into.push(p) }
  add(result.added, executed.added)
  add(result.updated, executed.updated)
  add(result.deleted, executed.deleted)
  add(result.retagged, executed.retagged)
  result.renamed.push(...executed.renamed)
  result.failed.push(...executed.failed)
}

/** The state commit's message: the summary, and the source commit as a trailer for history and rollback. */
function commitMessage(result: SyncResult, source: SourceCommit | undefined, started: number): string {
  const line = summaryLine({ ...result, durationMs: Date.now() - started })
  if (!source) return line
  return `${line} from ${source.commit.slice(0, 12)}${source.dirty ? ' with uncommitted changes' : ''}\n\nVectornator-Source: ${source.commit}${source.dirty ? ' (with uncommitted changes)' : ''}`
}
