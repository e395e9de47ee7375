import { badRequest, invalidValue } from './errors'
import { formFile, formString, tooLarge } from './multipart'
import { FILE_LIST, paginate } from './pagination'
import { Reply, type Route } from './router'
import { newId, type State, unixSeconds } from './state'
import type { FileObject, FileRecord } from './records'
export type { FileObject, FileRecord } from './records'

/** createFile: "Individual files can be up to 512 MB". */
export const MAX_FILE_BYTES = 512 * 2 ** 20

/** The purposes `CreateFileRequest` accepts. */
const PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals']

export function createFile(
  state: State,
  filename: string,
  purpose: string,
  content: Buffer,
  expiresAt?: number,
  maxBytes = MAX_FILE_BYTES,
): FileRecord {
  // The exact message the real API gives for a zero-byte upload.
  if (content.length === 0) throw badRequest('File is empty.', 'file')
  if (content.length > maxBytes) throw tooLarge(maxBytes)
  const id = newId('file-')
  const seq = state.nextSeq()
  const object: FileObject = {
    id,
    object: 'file',
    bytes: content.length,
    created_at: unixSeconds(),
    filename,
    purpose,
    status: 'processed',
    ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
  }
  const record = { id, seq, object, content }
  state.files.set(id, record)
  state.fileSeqs.set(id, seq)
  return record
}

export function checkPurpose(purpose: string | undefined): string {
  if (purpose === undefined)
    throw badRequest(`Missing required parameter: 'purpose'.`, 'purpose', 'missing_required_parameter')
  if (!PURPOSES.includes(purpose)) {
    throw invalidValue(
      'purpose',
      `expected one of ${PURPOSES.map(p => `'${p}'`).join(', ')}, but got '${purpose}' instead.`,
    )
  }
  return purpose
}

/** `FileExpirationAfter`: anchor `created_at`, 3600..2592000 seconds. */
export function expiresAt(anchor: unknown, seconds: unknown): number | undefined {
  if (anchor === undefined && seconds === undefined) return undefined
  if (anchor !== 'created_at') throw invalidValue('expires_after.anchor', `expected 'created_at'.`)
  const value = Number(seconds)
  if (!Number.isInteger(value) || value < 3600 || value > 2_592_000) {
    throw invalidValue('expires_after.seconds', 'expected an integer between 3600 and 2592000.')
  }
  return unixSeconds() + value
}

/** Deleting a File also takes it out of every vector store (deleteFile: "remove it from all vector stores"). */
export function deleteFile(state: State, id: string): void {
  state.file(id)
  state.files.delete(id)
  for (const store of state.stores.values()) store.files.delete(id)
}

export const fileRoutes: Route[] = [
  {
    method: 'POST',
    path: '/files',
    limit: { kind: 'uploads', key: ctx => ctx.apiKey },
    async handle(ctx) {
      const form = await ctx.form()
      const { filename, content } = await formFile(form, 'file')
      const purpose = checkPurpose(formString(form, 'purpose'))
      const expiry = expiresAt(formString(form, 'expires_after[anchor]'), formString(form, 'expires_after[seconds]'))
      return createFile(ctx.state, filename, purpose, content, expiry).object
    },
  },
  {
    method: 'GET',
    path: '/files',
    handle(ctx) {
      const purpose = ctx.query.get('purpose')
      const files = [...ctx.state.files.values()].filter(file => !purpose || file.object.purpose === purpose)
      return paginate(
        files,
        ctx.query,
        id => ctx.state.fileSeqs.get(id),
        FILE_LIST,
        file => file.object,
      )
    },
  },
  {
    method: 'GET',
    path: '/files/{file_id}',
    handle: ctx => ctx.state.file(ctx.params.file_id!).object,
  },
  {
    method: 'DELETE',
    path: '/files/{file_id}',
    handle(ctx) {
      const id = ctx.params.file_id!
      deleteFile(ctx.state, id)
      return { id, object: 'file', deleted: true }
    },
  },
  {
    method: 'GET',
    path: '/files/{file_id}/content',
    handle(ctx) {
      const file = ctx.state.file(ctx.params.file_id!)
      // The real API refuses to hand back what was uploaded for the Assistants/file_search tools.
      if (file.object.purpose === 'assistants')
        throw badRequest('Not allowed to download files of purpose: assistants.', 'file_id')
      return new Reply(file.content, 200, { 'content-type': 'application/octet-stream' })
    },
  },
]
