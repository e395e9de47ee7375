import type { Plan } from '../plan/plan'
import type { LocalFile } from '../scan/scan'
import type { FileState } from '../state/types'
import { journalUploads, removeJournal, retire } from './journal'
import { uploadAll } from './upload'
import { createWork, type ExecuteResult, type ExecuteRun, type Work } from './work'
import { describe, type SyncContext } from './context'

export type { ExecuteResult, ExecuteRun, FileOp } from './work'

/**
 * Runs a plan through the provider. New content is stored before anything is removed, so search
 * never loses a document; per-file failures are collected while the rest goes on; every remote
 * mutation is journaled in the state first, so a killed run is completed by the next.
 *
 * Nothing a published state names is removed here: replaced versions and deleted documents are
 * only retired (journaled), and removed after the state is published (see removeRetired). Another
 * sync racing this one may publish a state that still names them, and that state must stay true.
 */
export async function execute(ctx: SyncContext, plan: Plan<LocalFile>, run: ExecuteRun): Promise<ExecuteResult> {
  const work = createWork(ctx, run)
  const { result } = work
  await uploadAll(work, [
    ...plan.add.map(file => ({ file })),
    ...plan.update.map(({ file, entry }) => ({ file, previous: entry })),
  ])
  await rewriteAttributes(work, plan)
  for (const { path, entry } of plan.delete) {
    delete work.state.files[path]
    retire(work.state, path, entry.fileId)
    result.deleted.push(path)
    work.onFile('delete', path)
  }
  // Saved by the publication that follows (or by the save made when a sync fails): retiring
  // changes nothing remote, so nothing waits for this save.
  work.checkpoint()
  return result
}

/**
 * Renames and re-tags: attributes rewritten in place, nothing uploaded. A rename is journaled so
 * a run killed between the store and the state has the attribute put back by the next (settle.ts).
 */
async function rewriteAttributes(work: Work, plan: Plan<LocalFile>): Promise<void> {
  const { result, state, provider } = work
  if (plan.rename.length > 0) {
    journalUploads(
      state,
      plan.rename.map(({ file, entry }) => ({ file, fileId: entry.fileId })),
    )
    await work.flush()
  }
  const rewrite = async (file: LocalFile, entry: FileState) => {
    const metadata = await describe(work.ctx, work.provider, file, await file.read())
    if (JSON.stringify(metadata.attributes) === JSON.stringify(entry.attributes) && file.path === entry.metadata.path)
      return undefined
    if (!work.touched?.has(entry.fileId)) work.touched?.set(entry.fileId, entry.attributes)
    await provider.updateAttributes!(entry.fileId, metadata)
    return metadata
  }
  await Promise.all([
    ...plan.rename.map(({ file, from, entry }) =>
      work.limit(async () => {
        try {
          const metadata = (await rewrite(file, entry))!
          delete state.files[from]
          state.files[file.path] = {
            ...entry,
            metadata: { path: file.path, size: file.size, lastModified: new Date(file.mtimeMs).toISOString() },
            attributes: metadata.attributes,
          }
          removeJournal(state, e => e.op === 'upload' && e.path === file.path && e.fileId === entry.fileId)
          result.renamed.push({ from, to: file.path })
          work.onFile('rename', file.path)
          work.checkpoint()
        } catch (error) {
          work.fail('rename', file.path, error)
        }
      }),
    ),
    ...plan.retag.map(({ file, entry }) =>
      work.limit(async () => {
        try {
          const metadata = await rewrite(file, entry)
          if (!metadata) return
          state.files[file.path] = { ...entry, attributes: metadata.attributes }
          result.retagged.push(file.path)
          work.onFile('retag', file.path)
          work.checkpoint()
        } catch (error) {
          work.fail('retag', file.path, error)
        }
      }),
    ),
  ])
}
