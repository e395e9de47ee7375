/**
 * How a document lives in a Chroma collection: one record per chunk, each carrying the document's
 * attributes plus a few keys of this provider's own (`_vn_*`), so every document operation is a
 * `where` on them: list = the first chunks, delete = `_vn_file`, rename = new metadata on its chunks.
 */
import type { Metadata, Where } from 'chromadb'
import type { AttributeFilter, AttributeValue, Attributes, RemoteFile } from '../types'
import type { ChunkedDocument } from '../shared/chunked'

export const FILE_KEY = '_vn_file'
export const ORD_KEY = '_vn_ord'
const BYTES_KEY = '_vn_bytes'
const CREATED_KEY = '_vn_created'
const OWN_PREFIX = '_vn_'

/** Chroma reserves keys starting with `#` and `$`; `_vn_` is this provider's. */
export function reservedKeyProblem(attributes: Attributes): string | undefined {
  const key = Object.keys(attributes).find(k => k.startsWith(OWN_PREFIX) || k.startsWith('#') || k.startsWith('$'))
  return key === undefined ? undefined : `Attribute key "${key}" is reserved in a Chroma store: rename it.`
}

export const recordId = (fileId: string, ord: number) => `${fileId}#${ord}`

export interface DocumentInfo {
  fileId: string
  attributes: Attributes
  bytes: number
  /** Seconds since the epoch. */
  createdAt: number
}

export function chunkMetadata(doc: DocumentInfo, ord: number): Metadata {
  return {
    ...doc.attributes,
    [FILE_KEY]: doc.fileId,
    [ORD_KEY]: ord,
    [BYTES_KEY]: doc.bytes,
    [CREATED_KEY]: doc.createdAt,
  }
}

export function documentInfo(doc: ChunkedDocument, createdAt: number): DocumentInfo {
  return { fileId: doc.fileId, attributes: doc.attributes, bytes: doc.bytes, createdAt }
}

/** The document's attributes: every key but this provider's own. */
export function attributesOf(metadata: Metadata | null | undefined): Attributes {
  const attributes: Attributes = {}
  for (const [key, value] of Object.entries(metadata ?? {}))
    if (
      !key.startsWith(OWN_PREFIX) &&
      (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    )
      attributes[key] = value
  return attributes
}

export function toRemoteFile(metadata: Metadata | null | undefined): RemoteFile {
  const attributes = attributesOf(metadata)
  return {
    fileId: String(metadata?.[FILE_KEY]),
    path: typeof attributes.path === 'string' ? attributes.path : undefined,
    sha256: typeof attributes.sha256 === 'string' ? attributes.sha256 : undefined,
    attributes,
    // A record is searchable as soon as it is written: there is no processing to wait for.
    status: 'completed',
    createdAt: typeof metadata?.[CREATED_KEY] === 'number' ? metadata[CREATED_KEY] : undefined,
    bytes: typeof metadata?.[BYTES_KEY] === 'number' ? metadata[BYTES_KEY] : undefined,
  }
}

/** The new metadata for a chunk on rename: the new attributes, and null (Chroma's "remove") for keys dropped. */
export function replacedMetadata(old: Metadata | null | undefined, next: Attributes): Metadata {
  const out: Metadata = { ...next }
  for (const key of Object.keys(old ?? {})) if (!key.startsWith(OWN_PREFIX) && !(key in next)) out[key] = null
  return out
}

/**
 * An attribute filter in Chroma's `where` language, or `false` when it can match nothing (a key
 * given no values). Values compare with their type, so `"2"` and `2` stay different, as in the
 * OpenAI API.
 */
export function whereFor(filter: AttributeFilter | undefined): Where | undefined | false {
  const conditions: Where[] = []
  for (const [key, value] of Object.entries(filter ?? {})) {
    const values = Array.isArray(value) ? value : [value]
    if (values.length === 0) return false
    // `$in` takes values of one type: a mixed list is one `$in` per type.
    const byType = new Map<string, AttributeValue[]>()
    for (const v of values) byType.set(typeof v, [...(byType.get(typeof v) ?? []), v])
    const parts: Where[] = [...byType.values()].map(vs =>
      vs.length === 1 ? { [key]: { $eq: vs[0]! } } : { [key]: { $in: vs } },
    )
    conditions.push(parts.length === 1 ? parts[0]! : { $or: parts })
  }
  return all(conditions)
}

/** Conditions joined by `$and` (which Chroma refuses with fewer than two). */
export function all(conditions: Where[]): Where | undefined {
  if (conditions.length === 0) return undefined
  return conditions.length === 1 ? conditions[0] : { $and: conditions }
}
