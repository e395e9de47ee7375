import OpenAI from 'openai'
import pLimit from 'p-limit'
import type { FileMetadata, RemoteFile } from '../types'
import { attachSpec, type OpenAIContext, toRemote, type VSFile } from './context'
import { getDocument, listBatchFiles } from './list'
import { pollUntilSettled, StillInProgress } from './poll'
import { again } from './retry'

export interface Uploaded {
  fileId: string
  metadata: FileMetadata
}

/** How one file of a batch ended: stored, or why not (and whether the store's failure may pass). */
export type Outcome = { ok: true } | { ok: false; error: string; transient: boolean }

/** Polls one vector store file until it settles or the processing timeout passes. */
export async function settleFile(ctx: OpenAIContext, fileId: string): Promise<VSFile> {
  const signal = AbortSignal.timeout(ctx.timeoutMs)
  try {
    return await pollUntilSettled(
      ctx,
      s => ctx.client.vectorStores.files.retrieve(fileId, { vector_store_id: ctx.store() }, { signal: s }),
      signal,
    )
  } catch (error) {
    if (error instanceof StillInProgress)
      throw new Error(`${error.message}: the store did not finish processing it (retried next run)`)
    throw error
  }
}

/** Attaches one file and waits until the store has processed it. */
export async function attachOne(ctx: OpenAIContext, fileId: string, metadata: FileMetadata): Promise<VSFile> {
  await again(() =>
    ctx.client.vectorStores.files.create(ctx.store(), { file_id: fileId, ...attachSpec(ctx, metadata) }),
  )
  return settleFile(ctx, fileId)
}

/** A processing failure of the store's own (`server_error`) may pass on another attach; a refused file will not. */
function outcomeOf(file: Pick<RemoteFile, 'status' | 'lastError'> & { code?: string }, timeoutMs: number): Outcome {
  if (file.status === 'completed') return { ok: true }
  if (file.status === 'in_progress')
    return {
      ok: false,
      error: `still in_progress after ${Math.round(timeoutMs / 1000)}s (retried next run)`,
      transient: false,
    }
  return {
    ok: false,
    error: file.lastError ?? `the store marked it ${file.status}`,
    transient: file.code === 'server_error',
  }
}

const outcomeOfVS = (file: VSFile, timeoutMs: number) =>
  outcomeOf({ status: file.status, lastError: file.last_error?.message, code: file.last_error?.code }, timeoutMs)

/**
 * One by one, for files a batch refused or lost; as many started at once as requests may be in
 * flight (fetch is the bound: this only keeps the rest from waiting inside the SDK's timeout).
 */
async function attachEach(ctx: OpenAIContext, files: Uploaded[], existing: boolean): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>()
  const limit = pLimit(ctx.concurrency)
  await Promise.all(
    files.map(({ fileId, metadata }) =>
      limit(async () => {
        try {
          // A file a batch lost may be attached after all (by a later batch): then only waited for.
          const found = existing ? await getDocument(ctx, fileId) : undefined
          const file = !found
            ? toRemote(await attachOne(ctx, fileId, metadata))
            : found.status === 'in_progress'
              ? toRemote(await settleFile(ctx, fileId))
              : found
          outcomes.set(fileId, outcomeOf(file, ctx.timeoutMs))
        } catch (error) {
          outcomes.set(fileId, { ok: false, error: (error as Error).message, transient: false })
        }
      }),
    ),
  )
  return outcomes
}

/**
 * One file batch (each file with its own attributes), polled at our interval, then asks only for
 * the files that did not complete: a clean batch costs a create and a few reads.
 */
export async function attachRound(ctx: OpenAIContext, files: Uploaded[]): Promise<Map<string, Outcome>> {
  const { client } = ctx
  let created: { data: OpenAI.VectorStores.FileBatches.VectorStoreFileBatch; response: Response }
  try {
    created = await again(() =>
      client.vectorStores.fileBatches
        .create(ctx.store(), {
          files: files.map(({ fileId, metadata }) => ({ file_id: fileId, ...attachSpec(ctx, metadata) })),
        })
        .withResponse(),
    )
  } catch (error) {
    // One bad file refuses the whole batch: attach one by one to keep the good ones.
    if (error instanceof OpenAI.APIError && error.status === 400) return attachEach(ctx, files, false)
    return new Map(files.map(f => [f.fileId, { ok: false, error: (error as Error).message, transient: false }]))
  }
  const signal = AbortSignal.timeout(ctx.timeoutMs)
  const id = created.data.id
  try {
    const batch = await pollUntilSettled(
      ctx,
      s => client.vectorStores.fileBatches.retrieve(id, { vector_store_id: ctx.store() }, { signal: s }),
      signal,
      created,
    )
    if (batch.file_counts.completed === files.length) return new Map(files.map(f => [f.fileId, { ok: true }]))
  } catch (error) {
    if (!(error instanceof StillInProgress))
      return new Map(files.map(f => [f.fileId, { ok: false, error: (error as Error).message, transient: false }]))
  }
  const outcomes = new Map<string, Outcome>()
  const byId = new Map(files.map(f => [f.fileId, f]))
  for (const file of await listBatchFiles(ctx, id))
    if (byId.has(file.id)) outcomes.set(file.id, outcomeOfVS(file, ctx.timeoutMs))
  // A file the batch lost (attached again by a later batch, or never taken): attached on its own.
  const lost = files.filter(f => !outcomes.has(f.fileId))
  for (const [fileId, outcome] of await attachEach(ctx, lost, true)) outcomes.set(fileId, outcome)
  return outcomes
}
