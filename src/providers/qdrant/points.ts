/**
 * How a document lives in a Qdrant collection: one point per chunk, its payload carrying the
 * chunk (`text`, `ord`), the document's id (`file_id`) and the document's attributes under
 * `attributes` (path, sha256, title, url, version, locale and the others), so every document
 * operation is a filter: list = the first chunks, delete = `file_id`, rename = a new `attributes`.
 */
import { createHash } from 'node:crypto'
import type { AttributeFilter, AttributeValue, Attributes, RemoteFile } from '../types'
import type { ChunkedDocument } from '../shared/chunked'

export const FILE_KEY = 'file_id'
export const ORD_KEY = 'ord'
export const ATTRIBUTES_KEY = 'attributes'
/** What a listing reads of a point (never its text or vector). */
export const DOCUMENT_PAYLOAD = [FILE_KEY, ATTRIBUTES_KEY, 'bytes', 'created_at']

export interface ChunkPayload {
  [key: string]: unknown
  file_id: string
  ord: number
  text: string
  bytes: number
  /** Seconds since the epoch. */
  created_at: number
  attributes: Attributes
}

/**
 * A point id for a chunk: Qdrant takes only unsigned integers and UUIDs, so it is a UUID made from
 * the document id and the chunk's place (version 8, the RFC 9562 form for names hashed by choice).
 */
export function pointId(fileId: string, ord: number): string {
  const h = createHash('sha256').update(`${fileId}#${ord}`).digest()
  h[6] = (h[6]! & 0x0f) | 0x80
  h[8] = (h[8]! & 0x3f) | 0x80
  const hex = h.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function pointsOf(doc: ChunkedDocument, createdAt: number) {
  return doc.chunks.map((chunk, ord) => ({
    id: pointId(doc.fileId, ord),
    vector: doc.vectors![ord]!,
    payload: {
      file_id: doc.fileId,
      ord,
      text: chunk.text,
      bytes: doc.bytes,
      created_at: createdAt,
      attributes: doc.attributes,
    } satisfies ChunkPayload,
  }))
}

export function toRemoteFile(payload: Record<string, unknown> | null | undefined): RemoteFile {
  const attributes: Attributes = {}
  const given = payload?.[ATTRIBUTES_KEY]
  if (given && typeof given === 'object')
    for (const [key, value] of Object.entries(given))
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[key] = value
  return {
    fileId: String(payload?.[FILE_KEY]),
    path: typeof attributes.path === 'string' ? attributes.path : undefined,
    sha256: typeof attributes.sha256 === 'string' ? attributes.sha256 : undefined,
    attributes,
    // A point is searchable once an upsert with wait=true returns: there is no processing to wait for.
    status: 'completed',
    createdAt: typeof payload?.created_at === 'number' ? payload.created_at : undefined,
    bytes: typeof payload?.bytes === 'number' ? payload.bytes : undefined,
  }
}

/** Qdrant's key paths split on `.` and `[`: any other key is written quoted. A `"` cannot be. */
export function reservedKeyProblem(attributes: Attributes): string | undefined {
  const key = Object.keys(attributes).find(k => k.includes('"') || k === '')
  return key === undefined ? undefined : `Attribute key "${key}" cannot be a Qdrant payload key: rename it.`
}

const attributePath = (key: string) => `${ATTRIBUTES_KEY}.${/^[A-Za-z0-9_-]+$/.test(key) ? key : `"${key}"`}`

type Condition = Record<string, unknown>
export interface QdrantFilter {
  must?: Condition[]
  should?: Condition[]
}

export const byFile = (fileId: string, first = false): QdrantFilter => ({
  must: [{ key: FILE_KEY, match: { value: fileId } }, ...(first ? [{ key: ORD_KEY, match: { value: 0 } }] : [])],
})

export const FIRST_CHUNKS: QdrantFilter = { must: [{ key: ORD_KEY, match: { value: 0 } }] }

/**
 * An attribute filter in Qdrant's filter language (every key a `must`; a key's values, a `should`
 * of `match: { value }`, `match: { any }` per type, and a range for a fractional number, which
 * `match` does not take), or `false` when it can match nothing (a key given no values). Values
 * compare with their type, so `"2"` and `2` stay different, as in the OpenAI API.
 */
export function filterFor(filter: AttributeFilter | undefined): QdrantFilter | undefined | false {
  const must: Condition[] = []
  for (const [key, value] of Object.entries(filter ?? {})) {
    const values = Array.isArray(value) ? value : [value]
    if (values.length === 0) return false
    const path = attributePath(key)
    const strings = values.filter((v): v is string => typeof v === 'string')
    const integers = values.filter((v): v is number => typeof v === 'number' && Number.isInteger(v))
    const others = values.filter(v => !strings.includes(v as string) && !integers.includes(v as number))
    const options: Condition[] = [
      ...matchOf(path, strings),
      ...matchOf(path, integers),
      ...others.map((v: AttributeValue) =>
        typeof v === 'boolean' ? { key: path, match: { value: v } } : { key: path, range: { gte: v, lte: v } },
      ),
    ]
    must.push(options.length === 1 ? options[0]! : { should: options })
  }
  return must.length ? { must } : undefined
}

function matchOf(key: string, values: (string | number)[]): Condition[] {
  if (values.length === 0) return []
  return [values.length === 1 ? { key, match: { value: values[0] } } : { key, match: { any: [...new Set(values)] } }]
}
