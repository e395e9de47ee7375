import { promises as fsp } from 'node:fs'
import pLimit from 'p-limit'
import type { FileMetadata, UploadItem, UploadResult, VectorStoreProvider } from '../providers/types'
import type { SyncFailure } from '../types'
import type { Plan } from './plan'
import type { LocalFile } from './scan'
import type { FileState, JournalEntry, SyncState } from './state/types'
import { errorMessage } from './errors'

export type FileOp = 'add' | 'update' | 'delete' | 'rename' | 'retag'

export interface ExecuteContext {
  provider: VectorStoreProvider
  /** Mutated as work completes; checkpointed through `checkpoint`. */
  state: SyncState
  /** Asks for the state to be saved soon (coalesced). */
  checkpoint: () => void
  /** Saves the state now and waits for it (before remote mutations that must be journaled). */
  flush: () => Promise<void>
  concurrency: number
  /** The full metadata of a document; reads its content. May throw (e.g. attribute limits). */
  describe: (file: LocalFile, content: Buffer) => Promise<FileMetadata>
  /**
   * The text uploaded for a document whose source is not what a store should read as is (MDX);
   * undefined keeps the bytes. Attributes and the hash still come from the source.
   */
  uploadText?: (file: LocalFile, content: Buffer) => Buffer | undefined
  onFile: (op: FileOp, path: string, error?: string) => void
}

export interface ExecuteResult {
  added: string[]
  updated: string[]
  deleted: string[]
  renamed: { from: string, to: string }[]
  retagged: string[]
  failed: SyncFailure[]
}

/** Upper bound on the content held in memory at once by one upload batch. */
const BATCH_BYTES = 32 * 1024 * 1024
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
  }
  finally { await handle.close() }
}

const now = () => new Date().toISOString()

function entryFor(file: LocalFile, fileId: string, metadata: FileMetadata, previous?: FileState): FileState {
  return {
    fileId,
    hash: `sha256:${file.sha256}`,
    uploadedAt: now(),
    version: (previous?.version ?? 0) + 1,
    metadata: { path: file.path, size: file.size, lastModified: new Date(file.mtimeMs).toISOString() },
    attributes: metadata.attributes,
  }
}

function removeJournal(state: SyncState, predicate: (e: JournalEntry) => boolean): void {
  const journal = state.journal
  if (!journal) return
  // In place: called once per document, and a copy of a 500-entry journal each time adds up.
  for (let i = journal.length - 1; i >= 0; i--) if (predicate(journal[i]!)) journal.splice(i, 1)
  if (journal.length === 0) delete state.journal
}

/**
 * Runs a plan through the provider. New content is stored before anything is removed, so search
 * never loses a document; per-file failures are collected while the rest goes on; every remote
 * mutation is journaled in the state first, so a killed run is completed by the next.
 */
export async function execute(plan: Plan<LocalFile>, ctx: ExecuteContext): Promise<ExecuteResult> {
  const result: ExecuteResult = { added: [], updated: [], deleted: [], renamed: [], retagged: [], failed: [] }
  const { provider, state } = ctx
  const limit = pLimit(ctx.concurrency)
  const fail = (op: FileOp, path: string, error: unknown) => {
    const message = errorMessage(error)
    result.failed.push({ path, error: message })
    ctx.onFile(op, path, message)
  }

  const uploads: { file: LocalFile, previous?: FileState }[] = [
    ...plan.add.map(file => ({ file })),
    ...plan.update.map(({ file, entry }) => ({ file, previous: entry })),
  ]
  // A deletion's journal entry stays when it fails: the next run finishes it (settle.ts).
  const deleteOld = async (path: string, fileId: string) => {
    state.journal = [...(state.journal ?? []), { op: 'delete', path, fileId, at: now() }]
    await provider.deleteFile(fileId)
    removeJournal(state, e => e.op === 'delete' && e.fileId === fileId)
    ctx.checkpoint()
  }

  for (const chunk of chunksOf(uploads, provider.limits.maxBatchFiles)) {
    // Intent first: a run killed mid-batch leaves the journal that lets the next run settle it.
    state.journal = [...(state.journal ?? []), ...chunk.map(({ file, previous }) => ({
      op: 'upload' as const, path: file.path, hash: file.sha256, at: now(), ...(previous ? { replaces: previous.fileId } : {}),
    }))]
    await ctx.flush()

    const items: (UploadItem & { previous?: FileState, local: LocalFile })[] = []
    await Promise.all(chunk.map(({ file, previous }) => limit(async () => {
      try {
        if (file.size > STREAM_BYTES && file.absPath && provider.streamsFiles && !ctx.uploadText?.(file, Buffer.alloc(0))) {
          // Never held whole: attributes from its head, the content streamed from disk by the
          // provider (UploadItem.file).
          const metadata = await ctx.describe(file, await readHead(file.absPath, HEAD_BYTES))
          items.push({ content: Buffer.alloc(0), file: file.absPath, metadata, previous, local: file })
          return
        }
        const content = await file.read()
        items.push({ content: ctx.uploadText?.(file, content) ?? content, metadata: await ctx.describe(file, content), previous, local: file })
      }
      catch (error) {
        removeJournal(state, e => e.op === 'upload' && e.path === file.path)
        fail(previous ? 'update' : 'add', file.path, error)
      }
    })))
    const byPath = new Map(items.map(i => [i.metadata.path, i]))

    const settle = async (r: UploadResult, oldRemoved = false) => {
      const item = byPath.get(r.path)
      if (!item) return
      if (r.fileId) {
        removeJournal(state, e => e.op === 'upload' && e.path === r.path)
        state.files[r.path] = entryFor(item.local, r.fileId, item.metadata, item.previous)
        if (item.previous && item.previous.fileId !== r.fileId && !oldRemoved) {
          try { await deleteOld(r.path, item.previous.fileId) }
          catch (error) { ctx.onFile('update', r.path, `new version stored; removing the old one failed: ${errorMessage(error)}`) }
        }
        ;(item.previous ? result.updated : result.added).push(r.path)
        ctx.onFile(item.previous ? 'update' : 'add', r.path)
      }
      else {
        // The journal entry goes once nothing is left behind. An upload that failed may have left a
        // File object (an attempt made, its answer lost): its entry stays for the next run (settle.ts).
        const cleaned = r.orphanFileId ? await provider.deleteFile(r.orphanFileId).then(() => true, () => false) : false
        if (cleaned) removeJournal(state, e => e.op === 'upload' && e.path === r.path)
        fail(item.previous ? 'update' : 'add', r.path, r.error ?? 'the store did not accept the file')
      }
      ctx.checkpoint()
    }

    if (provider.uploadFiles && (items.length > 1 || items.some(i => i.file))) {
      const results = await provider.uploadFiles(items.map(({ local: _local, previous: _previous, ...item }) => item), {
        concurrency: ctx.concurrency,
        onUploaded: (path, fileId) => {
          const entry = state.journal?.find(e => e.op === 'upload' && e.path === path)
          if (entry && entry.op === 'upload') entry.fileId = fileId
          ctx.checkpoint()
        },
      })
      await Promise.all(results.map(r => limit(() => settle(r))))
    }
    else {
      await Promise.all(items.map(item => limit(async () => {
        try {
          // updateFile stores the new version before it removes the old (zero downtime).
          const fileId = item.previous
            ? await provider.updateFile(item.previous.fileId, item.content, item.metadata)
            : await provider.uploadFile(item.metadata.path, item.content, item.metadata)
          // updateFile already removed the old version: do not remove it twice.
          await settle({ path: item.metadata.path, fileId }, true)
        }
        catch (error) {
          await settle({ path: item.metadata.path, error: errorMessage(error) })
        }
      })))
    }
    // The next batch's journal flush (or the end of the sync) saves these results: the journal
    // already lets a run killed meanwhile settle them.
    ctx.checkpoint()
  }

  // A rename rewrites the document's `path` attribute: journaled so a run killed between the store
  // and the state has the attribute put back by the next (settle.ts).
  if (plan.rename.length > 0) {
    state.journal = [...(state.journal ?? []), ...plan.rename.map(({ file, entry }) => ({
      op: 'upload' as const, path: file.path, hash: file.sha256, at: now(), fileId: entry.fileId,
    }))]
    await ctx.flush()
  }
  await Promise.all([
    ...plan.rename.map(({ file, from, entry }) => limit(async () => {
      try {
        const content = await file.read()
        const metadata = await ctx.describe(file, content)
        await provider.updateAttributes!(entry.fileId, metadata)
        delete state.files[from]
        state.files[file.path] = { ...entry, metadata: { path: file.path, size: file.size, lastModified: new Date(file.mtimeMs).toISOString() }, attributes: metadata.attributes }
        removeJournal(state, e => e.op === 'upload' && e.path === file.path && e.fileId === entry.fileId)
        result.renamed.push({ from, to: file.path })
        ctx.onFile('rename', file.path)
        ctx.checkpoint()
      }
      catch (error) { fail('rename', file.path, error) }
    })),
    ...plan.retag.map(({ file, entry }) => limit(async () => {
      try {
        const content = await file.read()
        const metadata = await ctx.describe(file, content)
        if (JSON.stringify(metadata.attributes) === JSON.stringify(entry.attributes)) return
        await provider.updateAttributes!(entry.fileId, metadata)
        state.files[file.path] = { ...entry, attributes: metadata.attributes }
        result.retagged.push(file.path)
        ctx.onFile('retag', file.path)
        ctx.checkpoint()
      }
      catch (error) { fail('retag', file.path, error) }
    })),
  ])

  // Every deletion is journaled, and the journal saved, before the first one is sent.
  if (plan.delete.length > 0) {
    state.journal = [...(state.journal ?? []), ...plan.delete.map(({ path, entry }) => ({ op: 'delete' as const, path, fileId: entry.fileId, at: now() }))]
    await ctx.flush()
  }
  await Promise.all(plan.delete.map(({ path, entry }) => limit(async () => {
    try {
      await provider.deleteFile(entry.fileId)
      delete state.files[path]
      removeJournal(state, e => e.op === 'delete' && e.fileId === entry.fileId)
      ctx.checkpoint()
      result.deleted.push(path)
      ctx.onFile('delete', path)
    }
    catch (error) { fail('delete', path, error) }
  })))
  await ctx.flush()
  return result
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
