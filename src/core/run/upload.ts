import { promises as fsp } from 'node:fs'
import type { FileMetadata, UploadItem, UploadResult } from '../../providers/types'
import type { LocalFile } from '../scan/scan'
import type { FileState } from '../state/types'
import { errorMessage } from '../../lib/errors'
import type { Work } from './work'
import { describe, uploadText } from './context'
import { journalUploads, removeJournal, retire, now } from './journal'
import { prefixSha256 } from '../../lib/sha256'

/** Upper bound on the content held in memory at once by one upload batch. */
const BATCH_BYTES = 32 * 1024 * 1024
/**
 * Upload batches in flight at once: the next batch's uploads start as soon as the last one's have
 * ended, while that one is still being attached and processed, so the store's processing never
 * holds the uploads back. Bounds the content held in memory to this many BATCH_BYTES.
 */
const BATCHES_IN_FLIGHT = 3
/** The most times one sync writes its whole state to journal the uploads it is about to make. */
const JOURNAL_FLUSHES = 20
/** Larger files are streamed to providers that can (`UploadItem.file`), never read whole. */
const STREAM_BYTES = 8 * 1024 * 1024
/** How much of a streamed file its attributes (front matter, title, user attributes) are read from. */
const HEAD_BYTES = 1024 * 1024

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await fsp.open(path, 'r')
  try {
    const buffer = Buffer.alloc(bytes)
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

function entryFor(file: LocalFile, fileId: string, metadata: FileMetadata, previous?: FileState): FileState {
  return {
    fileId,
    hash: prefixSha256(file.sha256),
    uploadedAt: now(),
    version: (previous?.version ?? 0) + 1,
    metadata: { path: file.path, size: file.size, lastModified: new Date(file.mtimeMs).toISOString() },
    attributes: metadata.attributes,
  }
}

export type Upload = { file: LocalFile; previous?: FileState }
type Item = UploadItem & { previous?: FileState; local: LocalFile }

/**
 * Uploads in batches bounded in count and bytes. The next batch's uploads start as soon as the
 * last one's have ended, while that one is still being attached and processed (at most
 * BATCHES_IN_FLIGHT at once), so the store's processing never holds the uploads back.
 */
export async function uploadAll(work: Work, uploads: Upload[]): Promise<void> {
  const inFlight: Promise<void>[] = []
  // Intent first: a run killed mid-batch leaves the journal that lets the next run settle it.
  // Each flush writes the whole state, so a large plan journals several batches at a time: at
  // most JOURNAL_FLUSHES such writes per sync, whatever its size (an entry for an upload never
  // started is dropped by the next run's settle, as one cut short by a kill).
  const ahead = Math.max(1, Math.ceil(uploads.length / JOURNAL_FLUSHES))
  let journaled = 0
  let offset = 0
  for (const chunk of chunksOf(uploads, work.provider.limits.maxBatchFiles)) {
    while (inFlight.length >= BATCHES_IN_FLIGHT) await inFlight.shift()
    // Chunks are consecutive slices of `uploads`: this one is uploads[offset, end).
    const end = (offset += chunk.length)
    if (end > journaled) {
      const next = uploads.slice(journaled, Math.max(end, journaled + ahead))
      journalUploads(work.state, next)
      journaled += next.length
      await work.flush()
    }
    const items = await readItems(work, chunk)
    const byPath = new Map(items.map(i => [i.metadata.path, i]))
    const settle = (r: UploadResult) => settleUpload(work, byPath.get(r.path), r)
    if (work.provider.uploadFiles && (items.length > 1 || items.some(i => i.file))) {
      const { uploaded, done } = sendBatch(work, items, settle)
      // Awaited below (or with the next batches); marked handled so a batch that fails while an
      // earlier one's error is being thrown is not an unhandled rejection.
      done.catch(() => {})
      inFlight.push(done)
      await Promise.race([uploaded, done])
    } else {
      await Promise.all(
        items.map(item =>
          work.limit(async () => {
            try {
              // A new version is a new document; the old one is retired, not removed (see above).
              await settle({
                path: item.metadata.path,
                fileId: await work.provider.uploadFile(item.metadata.path, item.content, item.metadata),
              })
            } catch (error) {
              await settle({ path: item.metadata.path, error: errorMessage(error) })
            }
          }),
        ),
      )
      work.checkpoint()
    }
  }
  await Promise.all(inFlight)
}

/** The content and metadata of each upload; one that cannot be read (or described) fails alone. */
async function readItems(work: Work, chunk: Upload[]): Promise<Item[]> {
  const items: Item[] = []
  await Promise.all(
    chunk.map(({ file, previous }) =>
      work.limit(async () => {
        try {
          if (
            file.size > STREAM_BYTES &&
            file.absPath &&
            work.provider.streamsFiles &&
            !uploadText(file, Buffer.alloc(0))
          ) {
            // Never held whole: attributes from its head, the content streamed from disk by the
            // provider (UploadItem.file).
            const metadata = await describe(work.ctx, work.provider, file, await readHead(file.absPath, HEAD_BYTES))
            items.push({ content: Buffer.alloc(0), file: file.absPath, metadata, previous, local: file })
            return
          }
          const content = await file.read()
          items.push({
            content: uploadText(file, content) ?? content,
            metadata: await describe(work.ctx, work.provider, file, content),
            previous,
            local: file,
          })
        } catch (error) {
          removeJournal(work.state, e => e.op === 'upload' && e.path === file.path)
          work.fail(previous ? 'update' : 'add', file.path, error)
        }
      }),
    ),
  )
  return items
}

/**
 * One batch through the provider's batch call; each file settled as the provider reports it.
 * `uploaded` resolves once every file of the batch has been uploaded or has failed (the next
 * batch may start), `done` once every file is settled.
 */
function sendBatch(
  work: Work,
  items: Item[],
  settle: (r: UploadResult) => Promise<void>,
): { uploaded: Promise<void>; done: Promise<void> } {
  const ended = new Set<string>()
  const settled = new Set<string>()
  const settling: Promise<void>[] = []
  let allEnded!: () => void
  const uploaded = new Promise<void>(resolve => {
    allEnded = resolve
  })
  const end = (path: string) => {
    ended.add(path)
    if (ended.size >= items.length) allEnded()
  }
  const call = work.provider.uploadFiles!(
    items.map(({ local: _local, previous: _previous, ...item }) => item),
    {
      onUploaded: (path, fileId) => {
        const entry = work.state.journal?.find(e => e.op === 'upload' && e.path === path)
        if (entry && entry.op === 'upload') entry.fileId = fileId
        work.checkpoint()
        end(path)
      },
      onSettled: r => {
        end(r.path)
        settled.add(r.path)
        settling.push(work.limit(() => settle(r)))
      },
    },
  )
  const done = call.then(async results => {
    for (const r of results) if (!settled.has(r.path)) settling.push(work.limit(() => settle(r)))
    await Promise.all(settling)
    // The next batch's journal flush (or the end of the sync) saves these results: the journal
    // already lets a run killed meanwhile settle them.
    work.checkpoint()
  })
  return { uploaded, done }
}

/** Records an upload's outcome: the new entry (the replaced version retired), or the failure. */
async function settleUpload(work: Work, item: Item | undefined, r: UploadResult): Promise<void> {
  const { result, state } = work
  if (!item) return
  if (r.fileId) {
    removeJournal(state, e => e.op === 'upload' && e.path === r.path)
    const entry = entryFor(item.local, r.fileId, item.metadata, item.previous)
    state.files[r.path] = entry
    work.uploaded?.set(r.path, entry)
    if (item.previous && item.previous.fileId !== r.fileId) retire(state, r.path, item.previous.fileId)
    ;(item.previous ? result.updated : result.added).push(r.path)
    work.onFile(item.previous ? 'update' : 'add', r.path)
  } else {
    // The journal entry goes once nothing is left behind. An upload that failed may have left a
    // File object (an attempt made, its answer lost): its entry stays for the next run (settle.ts).
    const cleaned = r.orphanFileId
      ? await work.provider.deleteFile(r.orphanFileId).then(
          () => true,
          () => false,
        )
      : false
    if (cleaned) removeJournal(state, e => e.op === 'upload' && e.path === r.path)
    work.fail(item.previous ? 'update' : 'add', r.path, r.error ?? 'the store did not accept the file')
  }
  work.checkpoint()
}

/** Splits uploads into batches bounded in count and in bytes held in memory. */
function* chunksOf<T extends { file: LocalFile }>(items: T[], maxFiles: number): Generator<T[]> {
  let chunk: T[] = []
  let bytes = 0
  for (const item of items) {
    if (chunk.length > 0 && (chunk.length >= maxFiles || bytes + item.file.size > BATCH_BYTES)) {
      yield chunk
      chunk = []
      bytes = 0
    }
    chunk.push(item)
    bytes += item.file.size
  }
  if (chunk.length > 0) yield chunk
}
