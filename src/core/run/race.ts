/*
 * Racing syncs of one state (two pushes whose CI jobs overlap, a rerun racing a new push).
 * The guarantee: every published state describes exactly one source commit's tree, and the store
 * holds exactly the published state. A sync that loses the push either re-plans its own tree
 * against the winner's state and publishes that, or yields to it:
 * - the winner synced a newer commit (ours is its ancestor), or the same clean commit: yield;
 * - the winner synced an older commit: re-plan, this tree wins;
 * - unrelated commits (or unknown, or uncommitted changes): re-plan, the last to publish wins.
 * What makes it safe: nothing a published state names is removed before the state that stops
 * naming it is published (execute.ts retires instead of deleting), and a re-plan reuses only
 * documents the winner's state names or that this run stored itself.
 */
import pLimit from 'p-limit'
import type { VectorStoreProvider } from '../../providers/types'
import type { RaceReport } from '../../types'
import type { Plan, PlanFile } from '../plan/plan'
import { commitRelation, type SourceCommit } from '../scan/source'
import type { FileState, SyncState } from '../state/types'
import { retire } from './journal'
import { errorMessage } from '../../lib/errors'
import { prefixSha256, stripSha256 } from '../../lib/sha256'

export type { RaceReport }

export type Verdict = { yield: boolean; reason: string }

const short = (commit?: string) => commit?.slice(0, 12) ?? 'an unknown commit'

/** Whether a sync of `mine` gives way to a published state of `theirs`. */
export async function judge(
  root: string,
  mine: SourceCommit | undefined,
  theirs: SyncState,
  remote?: string,
): Promise<Verdict> {
  if (!mine || !theirs.sourceCommit) return { yield: false, reason: 'source commit unknown: the last to publish wins' }
  const relation = await commitRelation(root, mine.commit, theirs.sourceCommit, remote)
  if (relation === 'same') {
    return mine.dirty || theirs.sourceDirty
      ? {
          yield: false,
          reason: `the same commit ${short(mine.commit)} with uncommitted changes: the last to publish wins`,
        }
      : { yield: true, reason: `it published the same commit ${short(mine.commit)}` }
  }
  if (relation === 'ancestor')
    return {
      yield: true,
      reason: `it published ${short(theirs.sourceCommit)}, a newer commit than ${short(mine.commit)}`,
    }
  if (relation === 'descendant')
    return {
      yield: false,
      reason: `it published ${short(theirs.sourceCommit)}, an older commit than ${short(mine.commit)}`,
    }
  return {
    yield: false,
    reason: `${short(theirs.sourceCommit)} and ${short(mine.commit)} are unrelated commits: the last to publish wins`,
  }
}

/**
 * Makes `state` (the object the run's checkpoints save) the winner's state, plus an upload entry
 * in the journal for every document this run stored that the winner's state does not name: a run
 * killed from here on has them removed by the next (settle.ts), and removeRetired removes the
 * ones the re-plan does not use.
 */
export function adoptTheirs(state: SyncState, theirs: SyncState, uploaded: Map<string, FileState>): void {
  const copy = structuredClone(theirs)
  for (const key of Object.keys(state)) delete (state as unknown as Record<string, unknown>)[key]
  Object.assign(state, copy)
  const named = new Set(Object.values(state.files).map(f => f.fileId))
  const journal = state.journal ?? []
  for (const [path, entry] of uploaded) {
    if (named.has(entry.fileId) || journal.some(e => e.op === 'upload' && e.fileId === entry.fileId)) continue
    journal.push({
      op: 'upload',
      path,
      hash: stripSha256(entry.hash),
      at: entry.uploadedAt,
      fileId: entry.fileId,
    })
  }
  if (journal.length > 0) state.journal = journal
}

/**
 * Forgets the uploads of this run that are no longer stored: the sync that published first
 * removed the documents its state did not name (retireUntracked), which may include uploads of
 * this run made before that state was published. Only they are checked, with one listing: a
 * re-plan is rare, and naming a removed document would make the published state false.
 */
export async function forgetVanished(provider: VectorStoreProvider, uploaded: Map<string, FileState>): Promise<void> {
  if (uploaded.size === 0) return
  const stored = new Set((await provider.listFiles()).map(f => f.fileId))
  for (const [path, entry] of uploaded) if (!stored.has(entry.fileId)) uploaded.delete(path)
}

/**
 * Takes out of a re-plan the uploads this run already made: a document stored earlier in the run
 * with the same path and content is recorded instead of uploaded again.
 */
export function reuseUploads<F extends PlanFile>(
  plan: Plan<F>,
  state: SyncState,
  uploaded: Map<string, FileState>,
): { reused: string[] } {
  const reused: string[] = []
  const mine = (file: F) => {
    const entry = uploaded.get(file.path)
    return entry && entry.hash === prefixSha256(file.sha256) ? entry : undefined
  }
  const take = (file: F, entry: FileState) => {
    state.files[file.path] = entry
    if (state.journal) {
      state.journal = state.journal.filter(e => !(e.op === 'upload' && e.fileId === entry.fileId))
      if (state.journal.length === 0) delete state.journal
    }
    reused.push(file.path)
  }
  plan.add = plan.add.filter(file => {
    const entry = mine(file)
    if (entry) take(file, entry)
    return !entry
  })
  plan.update = plan.update.filter(({ file, entry: old }) => {
    const entry = mine(file)
    if (!entry) return true
    take(file, entry)
    if (old.fileId !== entry.fileId) retire(state, file.path, old.fileId)
    return false
  })
  return { reused }
}

/**
 * A yielding sync rewrote the attributes of documents in place (renames, re-tags) that the
 * winner's state still names: they get back the attributes that state records.
 */
export async function restoreTouched(
  provider: VectorStoreProvider,
  touched: Map<string, FileState['attributes']>,
  theirs: SyncState,
): Promise<void> {
  if (!provider.updateAttributes || touched.size === 0) return
  for (const [path, entry] of Object.entries(theirs.files)) {
    if (!touched.has(entry.fileId) || !entry.attributes) continue
    const sha256 = stripSha256(entry.hash)
    await provider.updateAttributes(entry.fileId, {
      path,
      sha256,
      size: entry.metadata.size,
      lastModified: entry.metadata.lastModified,
      attributes: entry.attributes,
    })
  }
}

/**
 * After a state is published: removes what it retired (replaced versions, deleted documents) and
 * the documents this run stored that it does not name. Only entries with a known id are handled;
 * one whose removal fails stays in the journal for the next run. Resolves to what was removed.
 */
export async function removeRetired(
  provider: VectorStoreProvider,
  state: SyncState,
  concurrency: number,
  onError: (message: string) => void,
): Promise<number> {
  const journal = state.journal ?? []
  const named = new Set(Object.values(state.files).map(f => f.fileId))
  const limit = pLimit(concurrency)
  const done = new Set<number>()
  let removed = 0
  await Promise.all(
    journal.map((e, i) =>
      limit(async () => {
        const id = e.fileId
        if (!id) return
        if (named.has(id)) {
          done.add(i)
          return
        }
        try {
          await provider.deleteFile(id)
          done.add(i)
          removed++
        } catch (error) {
          onError(`could not remove ${e.path} (${id}): ${errorMessage(error)}; the next sync removes it`)
        }
      }),
    ),
  )
  const left = journal.filter((_, i) => !done.has(i))
  if (left.length > 0) state.journal = left
  else delete state.journal
  return removed
}
