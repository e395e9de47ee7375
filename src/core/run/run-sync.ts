import type { RemoteFile, VectorStoreProvider } from '../../providers/types'
import type { SyncResult } from '../../types'
import { UsageError } from '../../lib/errors'
import { planSize } from '../plan/plan'
import { commitRelation, sourceCommitOf, type SourceCommit } from '../scan/source'
import type { FileStatCache } from '../scan/stat-cache'
import { emptyState, UnpublishedError, type StateStore, type SyncState } from '../state'
import {
  guardDeletions,
  guardStoreSize,
  planFor,
  recordSettings,
  remoteName,
  settingsChanged,
  type SyncContext,
} from './context'
import { repairDrift, retireUntracked } from './drift'
import { prepare, remember, startQuickCheck, stateIsSummarised, type Prepared, type QuickCheck } from './prepare'
import { createProvider, releaseProvider } from './provider'
import { executeAndPublish } from './publish'
import { nothingDone, resultFromPlan } from './result'
import { done, sayRetries } from './done'
import { settleJournal } from './settle'
import { ELSEWHERE, forgetOldStore, guardLostState, openStore, storeDisagrees, storeExists } from './store'

/**
 * One sync, phase by phase (the lock is held by the caller):
 * 1. prepare: load the state (or prove it unchanged from its summary) while scanning, then plan;
 * 2. check the store: one request, its counts against the state's;
 * 3. ready the store: open or create it, settle a killed run's journal, repair drift;
 * 4. execute and publish (publish.ts), racing syncs included;
 * 5. report: retrieval checks, the result.
 */
export async function runSync(
  ctx: SyncContext,
  stateStore: StateStore,
  cache: FileStatCache | undefined,
): Promise<SyncResult> {
  const { options } = ctx
  const started = Date.now()
  if (options.newStore && options.vectorStoreId)
    throw new UsageError('--new-store creates a store, --store names one: pass one of them')
  const check = !options.newStore && !options.verify ? startQuickCheck(ctx, stateStore, cache) : undefined
  const early = check ? askStoreEarly(ctx, check) : undefined
  let provider: VectorStoreProvider | undefined
  try {
    const quick = await prepare(ctx, stateStore, cache, check)
    // A sync that turned out to have work keeps the provider it opened (the answer is not used).
    provider = early ? await early.provider.catch(() => undefined) : undefined
    let report: Prepared
    let drifted = false
    if (!('plan' in quick)) {
      provider ??= await createProvider(options)
      const asked = early ? await early.disagreement : NOT_ASKED
      const disagreement =
        asked !== NOT_ASKED ? asked : await storeDisagrees(ctx, provider, quick.storeId, quick.documents)
      if (!disagreement)
        return await done(
          ctx,
          nothingDone(quick.storeId, options.dryRun, quick.unchanged.length, quick.skipped),
          started,
        )
      if (disagreement !== ELSEWHERE) options.logger.warn(disagreement)
      drifted = true
      report = await prepare(ctx, stateStore, cache)
    } else report = quick
    return await runPlan({ ctx, stateStore, cache, prepared: report, drifted, started }, provider)
  } finally {
    provider ??= await early?.provider.catch(() => undefined)
    await releaseProvider(provider)
  }
}

/** The early answer when its request was never sent (the stored state is not the summarised one). */
const NOT_ASKED = Symbol('not asked')

/** The store's counts, asked before the scan ends (see runSync). */
interface EarlyAnswer {
  provider: Promise<VectorStoreProvider>
  disagreement: Promise<string | undefined | typeof NOT_ASKED>
}

/**
 * When the local summary expects a no-op, the one request a no-op makes (the store's counts) is
 * sent while the scan runs: its round trip, and the HTTP client's set-up, pass while this thread
 * stats the documents. It is sent only once the stored state is proven to be the summarised one
 * (its identity: a stat and a hash, or one git probe), so a state that is corrupt, edited or moved
 * on costs no request before it is read. The answer counts only for that summary, which prepare()
 * then confirms; a sync whose documents changed does not use it (its own checks run), and pays one
 * request more than it needed.
 */
function askStoreEarly(ctx: SyncContext, check: QuickCheck): EarlyAnswer {
  const { storeId, documents } = check.summary
  const provider = createProvider(ctx.options)
  const disagreement = stateIsSummarised(check).then(async same =>
    same ? storeDisagrees(ctx, await provider, storeId, documents) : NOT_ASKED,
  )
  // Awaited where they are used; a scan that fails first must not leave them unhandled.
  provider.catch(() => {})
  disagreement.catch(() => {})
  return { provider, disagreement }
}

/** A sync whose plan is made, on its way through the phases that follow (the caller holds the lock). */
interface PlannedSync {
  ctx: SyncContext
  stateStore: StateStore
  cache: FileStatCache | undefined
  prepared: Prepared
  /** The store's counts disagreed with the state's: its documents are compared one by one. */
  drifted: boolean
  /** When the sync began (Date.now()), for its duration. */
  started: number
}

/** A planned sync that changes the store: its provider, and the commit its documents were read from. */
interface SyncRun extends PlannedSync {
  provider: VectorStoreProvider
  source: SourceCommit | undefined
}

async function runPlan(planned: PlannedSync, opened: VectorStoreProvider | undefined): Promise<SyncResult> {
  const { ctx, prepared, started } = planned
  const { options } = ctx
  // A first sync with nothing to store creates nothing: an empty store, recorded and billed,
  // is never what a user whose globs miss wanted.
  if (prepared.files.length === 0 && !(options.vectorStoreId ?? (prepared.state.storeId || undefined)))
    throw new UsageError(
      `no document matched ${options.include.map(g => JSON.stringify(g)).join(', ')} under ${options.root}: nothing synced and no store created; check --include (and --root, .gitignore)`,
    )
  const source = prepared.sourceCommit
    ? { commit: prepared.sourceCommit, dirty: false }
    : await sourceCommitOf(options.root)
  const newer = await newerInStore(ctx, prepared.loaded, source)
  if (newer) return keptNewer(ctx, prepared, newer, started)
  // Before the store is opened (a first sync would create it): a refused plan changes nothing.
  guardStoreSize(ctx, prepared)
  if (options.dryRun) return done(ctx, resultFromPlan(prepared, true), started)

  const provider = opened ?? (await createProvider(options))
  try {
    return await syncWith({ ...planned, provider, source })
  } finally {
    // A provider opened here is released here (one handed in is released by its opener).
    if (!opened) await releaseProvider(provider)
  }
}

async function syncWith(run: SyncRun): Promise<SyncResult> {
  const { ctx, stateStore, cache, provider, source, started } = run
  const { options } = ctx
  const { report, repaired, untracked, settled } = await readyStore(run)
  guardDeletions(options, report)
  for (const reason of report.plan.reasons) options.logger.info(reason)
  const result = resultFromPlan(report, false)
  if (repaired.length) result.repaired = repaired.sort()
  const { state } = report

  if (planSize(report.plan) === 0 && !state.journal?.length && state.storeId) {
    const changed = settingsChanged(ctx, state) || repaired.length > 0 || settled
    if (changed) recordSettings(ctx, state)
    const message = !changed
      ? ''
      : repaired.length
        ? `vectornator: repaired ${repaired.length} documents`
        : settled
          ? 'vectornator: completed an interrupted sync'
          : 'vectornator: record settings'
    // Publishes what an earlier run could not (a commit left unpushed) as well.
    const published = await stateStore.finish(state, { message, changed }).then(
      () => true,
      (error: unknown) => {
        if (!(error instanceof UnpublishedError)) throw error
        options.logger.warn(error.message)
        return false
      },
    )
    if (published) remember(cache, state, stateStore)
    return done(ctx, result, started)
  }

  result.storeId = state.storeId
  Object.assign(result, { added: [], updated: [], deleted: [], renamed: [], retagged: [], failed: [] })
  const published = await executeAndPublish(ctx, {
    stateStore,
    provider,
    state,
    plan: report.plan,
    files: report.files,
    source,
    result,
    started,
    untracked,
  })
  if (published) remember(cache, state, stateStore)
  sayRetries(ctx, provider, result)
  return done(ctx, result, started)
}

/**
 * Opens (or creates) the store, settles what a killed run left in the journal, and repairs what
 * drifted in the store; the plan is made again whenever one of them changed the state.
 */
async function readyStore(
  run: SyncRun,
): Promise<{ report: Prepared; repaired: string[]; untracked: RemoteFile[]; settled: boolean }> {
  const { ctx, stateStore, provider, prepared, drifted } = run
  const { options } = ctx
  let report = prepared
  const old = prepared.state
  const oldGone = options.newStore && old.storeId ? !(await storeExists(ctx, provider, old.storeId)) : false
  // A state naming an embedded store that is not on this machine (the state came with a clone):
  // this machine builds its own instead of failing.
  const elsewhere =
    !options.newStore &&
    options.localStore &&
    !options.vectorStoreId &&
    Boolean(old.storeId) &&
    !(await storeExists(ctx, provider, old.storeId))
  if (elsewhere)
    options.logger.info(
      `the sync state names embedded store ${old.storeId}, which is not on this machine (deleted, or synced on another one): building this machine's own`,
    )
  if (options.newStore || elsewhere)
    report = { ...report, ...planFor(ctx, report.files, { ...emptyState(''), provider: options.providerName }) }
  const { state } = report
  const created = !(options.vectorStoreId ?? (state.storeId || undefined))
  const disagreement = await openStore(ctx, provider, state, report.loaded)
  // A store just created is recorded at once: a run killed now leaves no store unknown to the state.
  if (created) {
    await stateStore.save(state)
    if (oldGone) await forgetOldStore(ctx, provider, old)
  } else if (!report.loaded) await guardLostState(provider, stateStore)
  const replan = async () => {
    await stateStore.save(state)
    report = { ...report, ...planFor(ctx, report.files, state) }
  }
  // Crash safety: a journal left by a killed run is settled before anything is planned.
  const settled = Boolean(state.journal?.length)
  if (settled) {
    await settleJournal(state, provider, options.logger, report.files)
    await replan()
  }
  const repaired: string[] = []
  const untracked: RemoteFile[] = []
  if (drifted || disagreement || options.verify) {
    if (disagreement && !drifted) options.logger.warn(disagreement)
    const repair = await repairDrift(provider, state, options.logger)
    repaired.push(...repair.forgotten, ...repair.adopted, ...repair.retagged)
    if (repaired.length) await replan()
    retireUntracked(state, repair.untracked, options.logger)
    untracked.push(...repair.untracked)
  }
  return { report, repaired, untracked, settled }
}

/** The source commit of the state the store holds, when it is newer than this checkout's: the store never moves back. */
async function newerInStore(
  ctx: SyncContext,
  loaded: SyncState | undefined,
  source: SourceCommit | undefined,
): Promise<string | undefined> {
  const { options } = ctx
  if (!loaded?.sourceCommit || !source || options.ref || options.allowOlder || options.newStore) return undefined
  if (loaded.sourceCommit === source.commit) return undefined
  return (await commitRelation(options.root, source.commit, loaded.sourceCommit, remoteName(options))) === 'ancestor'
    ? loaded.sourceCommit
    : undefined
}

function keptNewer(ctx: SyncContext, report: Prepared, newer: string, started: number): Promise<SyncResult> {
  const result = nothingDone(report.storeId, ctx.options.dryRun, report.files.length, report.skipped)
  result.race = {
    outcome: 'kept-newer',
    theirs: newer,
    reason: `the store holds the documents of ${newer.slice(0, 12)}, a newer commit than this checkout's`,
  }
  ctx.options.logger.warn(
    `the store holds the documents of ${newer.slice(0, 12)}, a newer commit than this checkout's: nothing synced (pull first, or pass --allow-older to publish these documents)`,
  )
  return done(ctx, result, started)
}
