import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { badRequest, invalidType, missingParam } from './errors'

/**
 * Parses multipart/form-data with the platform's own parser (undici's `Request.formData()`), so
 * the server needs no dependency and reads exactly what the SDK's `FormData` encoder writes.
 */
export async function readForm(req: IncomingMessage, maxBytes: number): Promise<FormData> {
  const type = req.headers['content-type'] ?? ''
  if (!type.startsWith('multipart/form-data')) {
    throw badRequest(`Invalid Content-Type header (${type || 'none'}), expected multipart/form-data.`)
  }
  const length = Number(req.headers['content-length'])
  if (Number.isFinite(length) && length > maxBytes) throw tooLarge(maxBytes)
  const request = new Request('http://localhost/', {
    method: 'POST',
    headers: { 'content-type': type },
    body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit)
  try {
    return await request.formData()
  } catch {
    throw badRequest('Could not parse multipart form: the body is malformed.')
  }
}

export function tooLarge(maxBytes: number) {
  return badRequest(`File is too large: the maximum size is ${maxBytes / 2 ** 20} MB.`, 'file', 'file_too_large')
}

/** A required file field: its name and bytes. */
export async function formFile(form: FormData, name: string): Promise<{ filename: string; content: Buffer }> {
  const value = form.get(name)
  if (value === null) throw missingParam(name)
  if (typeof value === 'string') throw invalidType(name, 'a file', value)
  return { filename: value.name || 'upload', content: Buffer.from(await value.arrayBuffer()) }
}

export function formString(form: FormData, name: string): string | undefined {
  const value = form.get(name)
  if (value === null) return undefined
  if (typeof value !== 'string') throw invalidType(name, 'a string', value)
  return value
}
