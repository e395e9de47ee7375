import { openAsBlob } from 'node:fs'
import OpenAI, { toFile } from 'openai'
import type { FileMetadata, UploadItem } from '../types'
import type { OpenAIContext } from './context'
import { again, ignoreNotFound, isRateLimited, isTransient } from './retry'
import { uploadName } from '../openai-files'

/** Part size of a large file's upload through the Uploads API: what one upload holds in memory. */
const PART_BYTES = 8 * 1024 * 1024

/** An upload made after attempts that may have made a File object too (see removeDuplicates). */
export interface Suspect {
  file: OpenAI.Files.FileObject
  attempts: [number, number][]
}

export interface Uploader {
  /** Uploads one document; resolves to its File object's id. */
  createFile(item: UploadItem, metadata: FileMetadata, suspects?: Suspect[]): Promise<string>
  /** Deletes the File objects the suspects' failed attempts may have left. */
  removeDuplicates(suspects: Suspect[]): Promise<void>
}

/** What one provider's uploads share: the File objects it made, and the store's clock offset. */
interface Uploads {
  ctx: OpenAIContext
  /** Ids of the File objects this provider uploaded: never taken for another upload's duplicate. */
  mine: Set<string>
  /**
   * The store's clock less ours, in seconds, narrowed by every upload: a file's `created_at`
   * (whole seconds, store clock) was taken while its request was in flight (local clock).
   */
  clock: { low: number; high: number }
}

export function createUploader(ctx: OpenAIContext): Uploader {
  const uploads: Uploads = { ctx, mine: new Set(), clock: { low: -Infinity, high: Infinity } }
  return {
    createFile: (item, metadata, suspects) => createFile(uploads, item, metadata, suspects),
    removeDuplicates: suspects => removeDuplicates(uploads, suspects),
  }
}

/**
 * A large local file goes up through the Uploads API, one part at a time read from disk as it
 * is sent: memory stays at one part whatever the file's size (fetch holds a whole body, even a
 * stream, in memory). createUpload: parts of up to 64 MB, 8 GB in all (openai-openapi.yaml).
 */
async function uploadInParts({ ctx: { client }, mine }: Uploads, path: string, name: string): Promise<string> {
  const blob = await openAsBlob(path)
  const size = blob.size
  const upload = await again(() =>
    client.uploads.create({ bytes: size, filename: name, mime_type: 'text/markdown', purpose: 'assistants' }),
  )
  const partIds: string[] = []
  for (let offset = 0; offset < size; offset += PART_BYTES) {
    const data = new File([blob.slice(offset, Math.min(size, offset + PART_BYTES))], name)
    const part = await again(() => client.uploads.parts.create(upload.id, { data }))
    partIds.push(part.id)
  }
  const done = await again(() => client.uploads.complete(upload.id, { part_ids: partIds }))
  if (!done.file) throw new Error(`the upload of ${name} completed without a file`)
  mine.add(done.file.id)
  return done.file.id
}

/**
 * Uploads with attempts of our own instead of the SDK's, so we know when an attempt failed in a
 * way that may come after the upload was made (a lost connection, a timeout, a 5xx): only then
 * can a second File object exist. Such uploads are handed to `suspects` (or, without it, checked
 * at once) for removeDuplicates.
 */
async function createFile(
  uploads: Uploads,
  item: UploadItem,
  metadata: FileMetadata,
  suspects?: Suspect[],
): Promise<string> {
  const { ctx, mine, clock } = uploads
  const name = uploadName(metadata.path, ctx.store())
  if (item.file) return uploadInParts(uploads, item.file, name)
  /** Local times (ms) of the attempts that may have made a File object: sent, failed. */
  const uncertain: [number, number][] = []
  let sent = 0
  const file = await again(
    async () => {
      sent = Date.now()
      try {
        return await ctx.client.files.create(
          { file: await toFile(item.content, name), purpose: 'assistants' },
          { maxRetries: 0 },
        )
      } catch (error) {
        if (isTransient(error) && !isRateLimited(error)) uncertain.push([sent, Date.now()])
        throw error
      }
    },
    { attempts: ctx.uploadAttempts },
  )
  const answered = Date.now()
  mine.add(file.id)
  clock.low = Math.max(clock.low, file.created_at - answered / 1000)
  clock.high = Math.min(clock.high, file.created_at + 1 - sent / 1000)
  if (uncertain.length) {
    if (suspects) suspects.push({ file, attempts: uncertain })
    else await removeDuplicates(uploads, [{ file, attempts: uncertain }])
  }
  return file.id
}

/**
 * Deletes the File objects that attempts which may have been applied left: same name and size
 * as the upload that succeeded, created (store clock, through `clock`) while such an attempt was
 * in flight. Matching by name alone would take another store's document of the same path
 * (another project in the same account) for a leftover; this leaves only a File object of the
 * same name and size made in the same second or two. Best effort: what it cannot look for,
 * `vectornator prune` removes.
 */
async function removeDuplicates(uploads: Uploads, suspects: Suspect[]): Promise<void> {
  if (suspects.length === 0) return
  const { ctx } = uploads
  try {
    const duplicates = await findDuplicates(uploads, suspects)
    for (const id of duplicates) await again(() => ctx.client.files.delete(id)).catch(ignoreNotFound)
    if (duplicates.size) ctx.logger?.debug(`removed ${duplicates.size} file object(s) left by retried uploads`)
  } catch (error) {
    ctx.logger?.warn(
      `could not look for file objects left by retried uploads (\`vectornator prune\` removes them): ${(error as Error).message}`,
    )
  }
}

/** The File objects, newest first down to the earliest uncertain attempt, that match a suspect. */
async function findDuplicates({ ctx, mine, clock }: Uploads, suspects: Suspect[]): Promise<Set<string>> {
  const low = Number.isFinite(clock.low) ? clock.low : 0
  const high = Number.isFinite(clock.high) ? clock.high : 0
  const windows = suspects.map(({ file, attempts }) => ({
    file,
    spans: attempts.map(([from, to]) => [Math.floor(from / 1000 + low), Math.floor(to / 1000 + high)] as const),
  }))
  const earliest = Math.min(...windows.flatMap(w => w.spans.map(s => s[0])))
  const duplicates = new Set<string>()
  await again(async () => {
    duplicates.clear()
    for await (const f of ctx.client.files.list({ purpose: 'assistants', order: 'desc', limit: 10_000 })) {
      if (f.created_at < earliest) break
      if (mine.has(f.id)) continue
      const match = windows.some(
        ({ file, spans }) =>
          f.filename === file.filename &&
          f.bytes === file.bytes &&
          spans.some(([from, to]) => f.created_at >= from && f.created_at <= to),
      )
      if (match) duplicates.add(f.id)
    }
  })
  return duplicates
}
