import pLimit from 'p-limit'
import { errorMessage } from '../../lib/errors'
import { silentLogger } from '../../lib/logger'
import type { RemoteFile, VectorStoreProvider } from '../../providers/types'
import type { SyncResult } from '../../types'
import type { Plan } from '../plan/plan'
import { planSize } from '../plan/plan'
import type { LocalFile } from '../scan/scan'
import type { SourceCommit } from '../scan/source'
import { CLEANUP_SUBJECT, UnpublishedError, type FileState, type StateStore, type SyncState } from '../state'
import { createCheckpoints } from './checkpoints'
import { planFor, recordSettings, remoteName, type SyncContext } from './context'
import { execute } from './execute'
import { adoptTheirs, forgetVanished, judge, removeRetired, restoreTouched, reuseUploads } from './race'
import { retireUntracked } from './drift'
import { commitMessage, mergeExecuted } from './result'
import { plural } from '../../lib/plural'

export interface PublishInput {
  stateStore: StateStore
  provider: VectorStoreProvider
  /** The state the plan was made against; changed in place as the work is done, and checkpointed. */
  state: SyncState
  plan: Plan<LocalFile>
  /** The documents: a re-plan against another sync's state plans them again. */
  files: LocalFile[]
  source: SourceCommit | undefined
  /** Filled in as the work is done. */
  result: SyncResult
  started: number
  /** Documents of the store no state named when this sync began (drift.ts): retired again after a re-plan. */
  untracked?: readonly RemoteFile[]
}

/**
 * Runs the plan and publishes the state; when another sync of the same state published first,
 * plans again against its state or yields to it (race.ts says which), then removes what the
 * published state retired. Resolves to true when this sync's state is the one published.
 */
export async function executeAndPublish(ctx: SyncContext, input: PublishInput): Promise<boolean> {
  const { options } = ctx
  const { stateStore, provider, state, result } = input
  const saves = createCheckpoints(stateStore, state, options.logger)
  const uploaded = new Map<string, FileState>()
  const touched = new Map<string, FileState['attributes']>()
  const progress = { total: planSize(input.plan), done: 0 }

  /** One round of work, then the state as it is to be published; resolves to its commit message. */
  const round = async (work: Plan<LocalFile>): Promise<string> => {
    progress.total = progress.done + planSize(work)
    const executed = await execute(ctx, work, {
      provider,
      state,
      checkpoint: saves.checkpoint,
      flush: saves.flush,
      uploaded,
      touched,
      onFile: (op, path, error) => {
        progress.done++
        options.onProgress({ type: 'file', op, path, ok: !error, error, done: progress.done, total: progress.total })
      },
    })
    mergeExecuted(result, executed)
    result.unchanged = work.unchanged.length
    stamp(ctx, state, input.source)
    // The finish (or the re-plan's publication) writes this state next.
    await saves.drain()
    return commitMessage(result, input.source, input.started)
  }

  let yielded = false
  let published = false
  try {
    const message = await round(input.plan)
    await stateStore.finish(state, {
      message,
      changed: true,
      resolve: async theirs => {
        const verdict = await judge(options.root, input.source, theirs, remoteName(options))
        await forgetVanished(provider, uploaded)
        adoptTheirs(state, theirs, uploaded)
        retireUntracked(state, input.untracked ?? [], silentLogger)
        await saves.flush()
        if (verdict.yield) {
          result.race = { outcome: 'yielded', theirs: theirs.sourceCommit, reason: verdict.reason }
          await restoreTouched(provider, touched, theirs)
          await removeRetired(provider, state, options.concurrency, options.logger.warn)
          yielded = true
          return undefined
        }
        result.race = { outcome: 'replanned', theirs: theirs.sourceCommit, reason: verdict.reason }
        const again = planFor(ctx, input.files, state).plan
        reuseUploads(again, state, uploaded)
        return { state, message: await round(again) }
      },
    })
    published = true
    if (!yielded) await retireAfterPublish(ctx, stateStore, state, provider)
  } catch (error) {
    // A sync that fails still leaves its last state (and journal) saved for the next run, and
    // writes nothing once the lock is released.
    if (!(error instanceof UnpublishedError)) {
      await saves.abandon()
      throw error
    }
    // Nothing more is saved: the state store went back to the published state.
    await saves.drain()
    // Not published: the store goes back to what the published state describes (this run's
    // uploads removed, what it retired kept), so every clone's next sync starts from a true state.
    // (Once the state is published, only the removal of what it retired waits for a later sync.)
    if (!published) await rollBack(provider, uploaded, options.concurrency, options.logger.warn)
    options.logger.warn(
      published ? error.message : `${error.message}. The store is left as the published state describes`,
    )
    return published && !yielded
  }
  return !yielded
}

/** Removes the documents this run stored (none of which a published state names). */
async function rollBack(
  provider: VectorStoreProvider,
  uploaded: Map<string, FileState>,
  concurrency: number,
  warn: (message: string) => void,
): Promise<void> {
  const limit = pLimit(concurrency)
  await Promise.all(
    [...uploaded].map(([path, entry]) =>
      limit(() =>
        provider
          .deleteFile(entry.fileId)
          .catch((error: unknown) =>
            warn(`could not remove ${path} (${entry.fileId}): ${errorMessage(error)}; the next sync removes it`),
          ),
      ),
    ),
  )
}

/** The state as published: when, with which settings, from which source commit. */
function stamp(ctx: SyncContext, state: SyncState, source: SourceCommit | undefined): void {
  state.lastSync = new Date().toISOString()
  recordSettings(ctx, state)
  if (source) {
    state.sourceCommit = source.commit
    if (source.dirty) state.sourceDirty = true
    else delete state.sourceDirty
  } else {
    delete state.sourceCommit
    delete state.sourceDirty
  }
}

/**
 * Once a state is published, what it replaced is removed, and the state is published again
 * without the list of removals; unless another sync has built on it meanwhile (its state is then
 * kept: it carries that list and removes what is left of it).
 */
async function retireAfterPublish(
  ctx: SyncContext,
  stateStore: StateStore,
  state: SyncState,
  provider: VectorStoreProvider,
): Promise<void> {
  if (!state.journal?.some(e => e.fileId)) return
  const removed = await removeRetired(provider, state, ctx.options.concurrency, ctx.options.logger.warn)
  await stateStore.finish(state, {
    message: `${CLEANUP_SUBJECT}${plural(removed, 'replaced document')}`,
    changed: true,
    resolve: async () => undefined,
  })
}
