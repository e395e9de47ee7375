/**
 * How a document lives in a Pinecone namespace: one record per chunk, id `<fileId>#<ord>` (so a
 * document's records are listed by the prefix `<fileId>#`, as Pinecone advises for serverless
 * indexes), each carrying the document's attributes, the chunk's text and a few keys of this
 * provider's own (`_vn_*`). A document's first record (`#0`) stands for it in listings.
 */
import type { AttributeFilter, AttributeValue, Attributes, RemoteFile } from '../types'

export const FILE_KEY = '_vn_file'
export const ORD_KEY = '_vn_ord'
export const TEXT_KEY = '_vn_text'
const BYTES_KEY = '_vn_bytes'
const CREATED_KEY = '_vn_created'
const OWN_PREFIX = '_vn_'

/** Pinecone's limit on one record's metadata (JSON, in bytes). */
export const METADATA_BYTES = 40 * 1024

export type PineconeMetadata = Record<string, string | number | boolean | string[]>

/** Pinecone's filter language takes keys starting with `$` as operators; `_vn_` is this provider's. */
export function reservedKeyProblem(attributes: Attributes): string | undefined {
  const key = Object.keys(attributes).find(k => k.startsWith(OWN_PREFIX) || k.startsWith('$'))
  return key === undefined ? undefined : `Attribute key "${key}" is reserved in a Pinecone store: rename it.`
}

export const recordId = (fileId: string, ord: number) => `${fileId}#${ord}`
export const filePrefix = (fileId: string) => `${fileId}#`
export const isHead = (id: string) => id.endsWith('#0')

export interface DocumentInfo {
  fileId: string
  attributes: Attributes
  bytes: number
  /** Seconds since the epoch. */
  createdAt: number
}

/**
 * A chunk's metadata, its text cut (never split inside a character) so the whole stays within
 * Pinecone's 40 KB: the vector is of the whole chunk, the text is what a search shows of it.
 */
export function chunkMetadata(doc: DocumentInfo, ord: number, text: string): PineconeMetadata {
  const metadata: PineconeMetadata = {
    ...doc.attributes,
    [FILE_KEY]: doc.fileId,
    [ORD_KEY]: ord,
    [BYTES_KEY]: doc.bytes,
    [CREATED_KEY]: doc.createdAt,
  }
  return withText(metadata, text)
}

/** The metadata with `text` added, as much of it as fits. */
export function withText(metadata: PineconeMetadata, text: string): PineconeMetadata {
  const room = METADATA_BYTES - Buffer.byteLength(JSON.stringify({ ...metadata, [TEXT_KEY]: '' })) - 8
  let kept = text
  while (kept.length > 0 && Buffer.byteLength(JSON.stringify(kept)) - 2 > room) {
    const size = Buffer.byteLength(JSON.stringify(kept))
    kept = kept.slice(0, Math.max(0, Math.floor((kept.length * room) / size) - 1))
    if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1)
  }
  return { ...metadata, [TEXT_KEY]: kept }
}

/** The document's attributes: every key but this provider's own. */
export function attributesOf(metadata: PineconeMetadata | undefined): Attributes {
  const attributes: Attributes = {}
  for (const [key, value] of Object.entries(metadata ?? {}))
    if (
      !key.startsWith(OWN_PREFIX) &&
      (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    )
      attributes[key] = value
  return attributes
}

/** A chunk's metadata for new attributes: this provider's keys and the text kept, every attribute replaced. */
export function retagged(old: PineconeMetadata | undefined, next: Attributes): PineconeMetadata {
  const own: PineconeMetadata = {}
  for (const [key, value] of Object.entries(old ?? {}))
    if (key.startsWith(OWN_PREFIX) && key !== TEXT_KEY) own[key] = value
  return withText({ ...next, ...own }, typeof old?.[TEXT_KEY] === 'string' ? old[TEXT_KEY] : '')
}

export function toRemoteFile(id: string, metadata: PineconeMetadata | undefined): RemoteFile {
  const attributes = attributesOf(metadata)
  const fileId = typeof metadata?.[FILE_KEY] === 'string' ? metadata[FILE_KEY] : id.replace(/#\d+$/, '')
  return {
    fileId,
    path: typeof attributes.path === 'string' ? attributes.path : undefined,
    sha256: typeof attributes.sha256 === 'string' ? attributes.sha256 : undefined,
    attributes,
    // A record is searchable once its upsert is answered (serverless indexes are eventually
    // consistent for a moment; nothing stays pending).
    status: 'completed',
    createdAt: typeof metadata?.[CREATED_KEY] === 'number' ? metadata[CREATED_KEY] : undefined,
    bytes: typeof metadata?.[BYTES_KEY] === 'number' ? metadata[BYTES_KEY] : undefined,
  }
}

/**
 * An attribute filter in Pinecone's filter language, or `false` when it can match nothing (a key
 * given no values). `$in` takes strings and numbers only: a boolean among the values is an `$eq`.
 */
export function filterFor(filter: AttributeFilter | undefined): Record<string, unknown> | undefined | false {
  const conditions: Record<string, unknown>[] = []
  for (const [key, value] of Object.entries(filter ?? {})) {
    const values: AttributeValue[] = Array.isArray(value) ? value : [value]
    if (values.length === 0) return false
    const listed = values.filter(v => typeof v !== 'boolean')
    const flags = values.filter(v => typeof v === 'boolean')
    const parts: Record<string, unknown>[] = [
      ...(listed.length === 1 ? [{ [key]: { $eq: listed[0] } }] : listed.length ? [{ [key]: { $in: listed } }] : []),
      ...[...new Set(flags)].map(v => ({ [key]: { $eq: v } })),
    ]
    conditions.push(parts.length === 1 ? parts[0]! : { $or: parts })
  }
  if (conditions.length === 0) return undefined
  return conditions.length === 1 ? conditions[0] : { $and: conditions }
}
