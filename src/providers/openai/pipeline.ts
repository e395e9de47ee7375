import type { LimitFunction } from 'p-limit'
import type { UploadHooks, UploadItem, UploadResult } from '../types'
import { attachRound, type Uploaded } from './attach'
import type { OpenAIContext } from './context'
import { ATTACH_ROUNDS } from './retry'
import type { Suspect, Uploader } from './upload'

/**
 * Files per batch request. A batch is created as soon as its files are uploaded and is polled
 * while later files upload, so the only wait after the last upload is the last batch's own
 * processing: small batches keep that short. 100 keeps attach requests (300 a minute per store)
 * far below uploads (1,000 a minute per user): one attach per 100 uploads.
 */
export const GROUP_FILES = 100

function* groupsOf<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}

/** Attaches uploaded files, attaching again (ATTACH_ROUNDS in all) those the store failed with an error of its own. */
async function attachGroup(
  ctx: OpenAIContext,
  files: Uploaded[],
  settle: (r: UploadResult) => Promise<void>,
): Promise<void> {
  let pending = files
  for (let round = 1; pending.length > 0; round++) {
    let outcomes
    try {
      outcomes = await attachRound(ctx, pending)
    } catch (error) {
      outcomes = new Map(
        pending.map(f => [f.fileId, { ok: false as const, error: (error as Error).message, transient: false }]),
      )
    }
    const retry: Uploaded[] = []
    for (const file of pending) {
      const path = file.metadata.path
      const outcome = outcomes.get(file.fileId) ?? { ok: false as const, error: 'not settled', transient: false }
      if (outcome.ok) await settle({ path, fileId: file.fileId })
      else if (outcome.transient && round < ATTACH_ROUNDS) retry.push(file)
      else await settle({ path, error: outcome.error, orphanFileId: file.fileId })
    }
    if (retry.length) ctx.logger?.debug(`attaching again ${retry.length} file(s) the store failed with a server error`)
    pending = retry
  }
}

/**
 * Uploads in order, started through `uploads` (shared by every call, so a caller may start the
 * next call while this one attaches), and attaches each group of GROUP_FILES as soon as
 * its uploads have ended. Each file is reported to `onSettled` as soon as it is stored or failed.
 */
export async function uploadAndAttach(
  ctx: OpenAIContext,
  uploader: Uploader,
  uploads: LimitFunction,
  items: UploadItem[],
  hooks: UploadHooks,
): Promise<UploadResult[]> {
  const results = new Map<string, UploadResult>()
  const settle = async (result: UploadResult) => {
    results.set(result.path, result)
    await hooks.onSettled?.(result)
  }
  const suspects: Suspect[] = []
  const attaching: Promise<void>[] = []
  await Promise.all(
    [...groupsOf(items, GROUP_FILES)].map(async group => {
      const uploaded: Uploaded[] = []
      await Promise.all(
        group.map(item =>
          uploads(async () => {
            const path = item.metadata.path
            let fileId: string
            try {
              fileId = await uploader.createFile(item, item.metadata, suspects)
            } catch (error) {
              return settle({ path, error: (error as Error).message })
            }
            uploaded.push({ fileId, metadata: item.metadata })
            await hooks.onUploaded?.(path, fileId)
          }),
        ),
      )
      if (uploaded.length > 0) attaching.push(attachGroup(ctx, uploaded, settle))
    }),
  )
  // Once every upload has narrowed the clock: the tightest windows.
  await uploader.removeDuplicates(suspects)
  await Promise.all(attaching)
  return items.map(i => results.get(i.metadata.path) ?? { path: i.metadata.path, error: 'not settled' })
}
