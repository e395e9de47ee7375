import { createHash } from 'node:crypto'
import { badRequest, invalidType, notFound } from './errors'
import { checkPurpose, createFile, expiresAt } from './files'
import { formFile } from './multipart'
import type { Context, Route } from './router'
import { newId, unixSeconds } from './state'
import { checkInteger, isObject, onlyKnown, optionalString, requireString, stringArray } from './validate'
import type { UploadObject, UploadRecord } from './records'
export type { UploadObject, UploadRecord } from './records'

/** `FileExpirationAfter`, checked when the Upload is created and applied when its File is. */
function readExpiry(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined
  if (!isObject(value)) throw invalidType('expires_after', 'an object', value)
  onlyKnown(value, ['anchor', 'seconds'], 'expires_after')
  expiresAt(value.anchor, value.seconds)
  return Number(value.seconds)
}

/** createUpload: "an Upload can accept at most 8 GB in total and expires after an hour". */
const MAX_UPLOAD_BYTES = 8 * 2 ** 30
const UPLOAD_LIFETIME_S = 3600
/** addUploadPart: "Each Part can be at most 64 MB". */
const MAX_PART_BYTES = 64 * 2 ** 20

const byUser = { kind: 'uploads' as const, key: (ctx: Pick<Context, 'apiKey'>) => ctx.apiKey }

function pending(ctx: Context): UploadRecord {
  const id = ctx.params.upload_id!
  const upload = ctx.state.uploads.get(id)
  if (!upload) throw notFound(`No such Upload object: ${id}`, 'upload_id')
  if (upload.object.status === 'pending' && unixSeconds() >= upload.object.expires_at) upload.object.status = 'expired'
  if (upload.object.status !== 'pending') {
    throw badRequest(`Upload ${id} is ${upload.object.status}; only a pending Upload accepts this.`, 'upload_id')
  }
  return upload
}

export const uploadRoutes: Route[] = [
  {
    method: 'POST',
    path: '/uploads',
    limit: byUser,
    async handle(ctx) {
      const body = await ctx.json()
      onlyKnown(body, ['filename', 'purpose', 'bytes', 'mime_type', 'expires_after'])
      const filename = requireString(body, 'filename')
      const purpose = checkPurpose(optionalString(body, 'purpose'))
      const bytes = checkInteger(body.bytes, 0, MAX_UPLOAD_BYTES, 'bytes')
      const mimeType = requireString(body, 'mime_type')
      const expiresAfterSeconds = readExpiry(body.expires_after)
      const now = unixSeconds()
      const object: UploadObject = {
        id: newId('upload_', 24),
        object: 'upload',
        bytes,
        created_at: now,
        filename,
        purpose,
        status: 'pending',
        expires_at: now + UPLOAD_LIFETIME_S,
        file: null,
      }
      ctx.state.uploads.set(object.id, { object, mimeType, parts: new Map(), expiresAfterSeconds })
      return object
    },
  },
  {
    method: 'POST',
    path: '/uploads/{upload_id}/parts',
    limit: byUser,
    async handle(ctx) {
      const upload = pending(ctx)
      const { content } = await formFile(await ctx.form(), 'data')
      if (content.length > MAX_PART_BYTES)
        throw badRequest('Part is too large: the maximum size of a Part is 64 MB.', 'data')
      const id = newId('part_', 24)
      upload.parts.set(id, content)
      return { id, object: 'upload.part', created_at: unixSeconds(), upload_id: upload.object.id }
    },
  },
  {
    method: 'POST',
    path: '/uploads/{upload_id}/complete',
    limit: byUser,
    async handle(ctx) {
      const upload = pending(ctx)
      const body = await ctx.json()
      onlyKnown(body, ['part_ids', 'md5'])
      const partIds = stringArray(body.part_ids, 'part_ids', 0, 10_000)
      const md5 = optionalString(body, 'md5')
      const parts = partIds.map(id => {
        const part = upload.parts.get(id)
        if (!part) throw badRequest(`Part ${id} does not belong to Upload ${upload.object.id}.`, 'part_ids')
        return part
      })
      const content = Buffer.concat(parts)
      if (content.length !== upload.object.bytes) {
        throw badRequest(
          `The Upload declared ${upload.object.bytes} bytes but its parts hold ${content.length}.`,
          'part_ids',
        )
      }
      if (md5 !== undefined && createHash('md5').update(content).digest('hex') !== md5.toLowerCase()) {
        throw badRequest('The md5 checksum does not match the uploaded bytes.', 'md5')
      }
      const expiry =
        upload.expiresAfterSeconds === undefined ? undefined : expiresAt('created_at', upload.expiresAfterSeconds)
      const file = createFile(
        ctx.state,
        upload.object.filename,
        upload.object.purpose,
        content,
        expiry,
        MAX_UPLOAD_BYTES,
      )
      upload.object.status = 'completed'
      upload.object.file = file.object
      upload.parts.clear()
      return upload.object
    },
  },
  {
    method: 'POST',
    path: '/uploads/{upload_id}/cancel',
    limit: byUser,
    handle(ctx) {
      const upload = pending(ctx)
      upload.object.status = 'cancelled'
      upload.parts.clear()
      return upload.object
    },
  },
]
