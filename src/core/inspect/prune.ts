import type { RemoteFileStatus, VectorStoreProvider } from '../../providers/types'
import { errorMessage, UsageError } from '../../lib/errors'
import type { FileObjectRef } from '../run/orphans'
import { refuseForeignState, type SyncContext } from '../run/context'
import { settleJournal } from '../run/settle'
import type { StateStore } from '../state'
import { inspect, localPaths } from './verify'
import { releaseProvider } from '../run/provider'
import { openStoreById } from '../run/store'

export interface PruneResult {
  storeId: string
  dryRun: boolean
  /** Documents this tool wrote (`path` and `sha256` attributes) that the state does not track. */
  documents: { path: string; fileId: string; status: RemoteFileStatus }[]
  /** File objects uploaded under a document's name that nothing is attached to or tracks. */
  fileObjects: FileObjectRef[]
  /** How many of the above were deleted (0 with dryRun). */
  deleted: number
  /** Deletions that failed (retried by the next prune). */
  failed: { fileId: string; error: string }[]
  /** Operations of an interrupted sync settled first (not with dryRun). */
  settled: number
}

/**
 * `vectornator prune [--dry-run]`: deletes what this tool created in the store and nothing tracks:
 * documents carrying its `path` and `sha256` attributes that the state does not track (with their
 * File objects), and File objects uploaded under the name it gives a document
 * (`provider.fileObjectName`) that are attached to nothing in the store and tracked by nothing.
 * A document without those attributes, or a File object under any other name, is never touched.
 * Needs a readable state: without one every document would look untracked (`verify --repair`
 * rebuilds it first).
 */
export async function pruneStore(
  ctx: SyncContext,
  stateStore: StateStore,
  { dryRun = false }: { dryRun?: boolean } = {},
): Promise<PruneResult> {
  const { options } = ctx
  const logger = options.logger
  let provider: VectorStoreProvider | undefined
  try {
    const state = await stateStore.load()
    if (!state) {
      throw new UsageError(
        `there is no sync state in ${stateStore.location}, so nothing is known to be tracked and prune would delete every document: run \`vectornator verify --repair --store ID\` to rebuild the state from the store first`,
      )
    }
    refuseForeignState(state, options, stateStore)
    const storeId = options.vectorStoreId ?? state.storeId
    if (!storeId) throw new UsageError(`the sync state in ${stateStore.location} names no store yet: nothing to prune`)
    provider = await openStoreById(ctx, storeId)

    let settled = 0
    if (!dryRun && state.journal?.length) {
      settled = state.journal.length
      await settleJournal(state, provider, logger)
      await stateStore.save(state)
    }
    const drift = await inspect(provider, state, 'ok', await localPaths(options))
    const result: PruneResult = {
      storeId,
      dryRun,
      documents: drift.untracked.map(({ path, fileId, status }) => ({ path, fileId, status })),
      fileObjects: drift.orphanFileObjects,
      deleted: 0,
      failed: [],
      settled,
    }
    if (!dryRun) {
      for (const doc of result.documents) {
        try {
          await provider.deleteFile(doc.fileId)
          result.deleted++
        } catch (error) {
          result.failed.push({ fileId: doc.fileId, error: errorMessage(error) })
        }
      }
      for (const object of result.fileObjects) {
        try {
          await provider.deleteFileObject!(object.fileId)
          result.deleted++
        } catch (error) {
          result.failed.push({ fileId: object.fileId, error: errorMessage(error) })
        }
      }
    }
    if (settled > 0)
      await stateStore.finish(state, {
        message: `vectornator: prune (${settled} interrupted operations settled)`,
        changed: true,
      })
    return result
  } finally {
    await releaseProvider(provider)
  }
}
