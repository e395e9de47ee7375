/**
 * Documents and their chunks: validating what is sent, turning it into rows, and the SQL that
 * writes, reads and removes them.
 */
import { randomBytes } from 'node:crypto'
import { chunkText, type Chunk } from './chunk'
import type { Attributes, FileMetadata, ProviderLimits, RemoteFile, RemoteFileStatus } from '../types'
import type { Queryable } from './db'
import { toVectorLiteral } from './embed'
import type { Tables } from './schema'
import { OPENAI_LIMITS } from '../openai-files'

/** OpenAI's attribute limits, kept so one state works with either provider. */
export const POSTGRES_LIMITS: ProviderLimits = {
  ...OPENAI_LIMITS,
  maxFileBytes: 10 * 1024 * 1024,
  // One call's documents share full embedding requests (upload.ts); the core still bounds a call's bytes.
  maxBatchFiles: 8192,
}

/** A document the store refuses as it is (empty, binary, too large): retrying will not help. */
export class RefusedError extends Error {
  override name = 'RefusedError'
}

export interface PreparedDocument {
  fileId: string
  path: string
  sha256?: string
  attributes: Attributes
  bytes: number
  chunks: Chunk[]
  /** The file this one replaces, removed in the transaction that inserts this one. */
  replaces?: string
  /** One per chunk, once embedded. */
  vectors?: number[][]
  /** The length of its vectors, once embedded (the index is made for it). */
  dimensions?: number
}

export const newFileId = () => `pgf_${randomBytes(12).toString('hex')}`
export const newStoreId = () => `pgs_${randomBytes(12).toString('hex')}`

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Checks and chunks one document; throws RefusedError with the reason the caller will show. */
export function prepareDocument(
  path: string,
  content: Buffer,
  metadata: FileMetadata,
  chunking: { chunkSize: number; chunkOverlap: number },
  replaces?: string,
): PreparedDocument {
  if (content.length > POSTGRES_LIMITS.maxFileBytes)
    throw new RefusedError(`File is too large: ${content.length} bytes, the limit is ${POSTGRES_LIMITS.maxFileBytes}.`)
  // NUL is valid UTF-8 but PostgreSQL text cannot hold it, and no text document contains one.
  if (content.includes(0)) throw new RefusedError('File is binary: only UTF-8 text documents can be indexed.')
  let text: string
  try {
    text = utf8.decode(content)
  } catch {
    throw new RefusedError('File is not valid UTF-8: only UTF-8 text documents can be indexed.')
  }
  if (text.trim() === '') throw new RefusedError('File is empty.')

  const attributes = withIdentity(metadata, path)
  const problem = checkAttributes(attributes)
  if (problem) throw new RefusedError(problem)

  return {
    fileId: newFileId(),
    path: typeof attributes.path === 'string' ? attributes.path : path,
    sha256: typeof attributes.sha256 === 'string' ? attributes.sha256 : metadata.sha256,
    attributes,
    bytes: content.length,
    chunks: chunkText(text, { path, size: chunking.chunkSize, overlap: chunking.chunkOverlap }),
    replaces,
  }
}

/** The attributes as given, with `path` and `sha256` added when the caller left them out. */
export function withIdentity(metadata: FileMetadata, path = metadata.path): Attributes {
  const attributes = { ...metadata.attributes }
  attributes.path ??= metadata.path ?? path
  if (metadata.sha256) attributes.sha256 ??= metadata.sha256
  return attributes
}

/** The first attribute problem, worded like the OpenAI API's, or undefined. */
export function checkAttributes(attributes: Attributes): string | undefined {
  const entries = Object.entries(attributes)
  const limits = POSTGRES_LIMITS
  if (entries.length > limits.maxAttributes)
    return `Too many attributes: ${entries.length}, the limit is ${limits.maxAttributes}.`
  for (const [key, value] of entries) {
    if (key.length > limits.maxAttributeKeyLength)
      return `Attribute key "${key.slice(0, 20)}…" is longer than ${limits.maxAttributeKeyLength} characters.`
    if (typeof value === 'string' && value.length > limits.maxAttributeValueLength)
      return `Attribute "${key}" is longer than ${limits.maxAttributeValueLength} characters.`
    if (!['string', 'number', 'boolean'].includes(typeof value))
      return `Attribute "${key}" must be a string, number or boolean.`
  }
  return undefined
}

/** Inserts the documents with their chunks, then removes the ones they replace. Call inside a transaction. */
export async function writeDocuments(
  tx: Queryable,
  tables: Tables,
  storeId: string,
  language: string,
  docs: PreparedDocument[],
): Promise<void> {
  for (const doc of docs) {
    await tx.query(
      `INSERT INTO ${tables.documents} (file_id, store_id, path, sha256, attributes, bytes)
       VALUES ($1, $2, $3, $4, $5::text::jsonb, $6)`,
      [doc.fileId, storeId, doc.path, doc.sha256 ?? null, JSON.stringify(doc.attributes), doc.bytes],
    )
    if (doc.chunks.length === 0) continue
    const vectors = doc.vectors && tables.vectorSchema ? doc.vectors : undefined
    await tx.query(
      `INSERT INTO ${tables.chunks} (file_id, store_id, ord, heading, text, tsv${vectors ? ', embedding' : ''})
       SELECT $1, $2, u.ord, u.heading, u.text, to_tsvector($3::regconfig, u.text)${vectors ? `, u.e::${tables.vectorSchema}.vector` : ''}
         FROM unnest($4::int[], $5::text[], $6::text[]${vectors ? ', $7::text[]' : ''}) AS u(ord, heading, text${vectors ? ', e' : ''})`,
      [
        doc.fileId,
        storeId,
        language,
        doc.chunks.map((_, i) => i),
        doc.chunks.map(c => c.heading ?? null),
        doc.chunks.map(c => c.text),
        ...(vectors ? [vectors.map(toVectorLiteral)] : []),
      ],
    )
  }
  const replaced = docs.map(d => d.replaces).filter((id): id is string => Boolean(id))
  if (replaced.length > 0) await deleteDocuments(tx, tables, storeId, replaced)
}

export async function deleteDocuments(q: Queryable, tables: Tables, storeId: string, fileIds: string[]): Promise<void> {
  await q.query(`DELETE FROM ${tables.documents} WHERE store_id = $1 AND file_id = ANY($2::text[])`, [storeId, fileIds])
}

export async function updateDocumentAttributes(
  q: Queryable,
  tables: Tables,
  storeId: string,
  fileId: string,
  path: string,
  sha256: string | undefined,
  attributes: Attributes,
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE ${tables.documents} SET path = $3, sha256 = COALESCE($4, sha256), attributes = $5::text::jsonb
      WHERE store_id = $1 AND file_id = $2 RETURNING file_id`,
    [storeId, fileId, path, sha256 ?? null, JSON.stringify(attributes)],
  )
  return rows.length > 0
}

interface DocumentRow {
  file_id: string
  path: string | null
  sha256: string | null
  attributes: Attributes | string
  status: string
  last_error: string | null
  bytes: number
  created_at: number
}

const SELECT_DOCUMENT = `SELECT file_id, path, sha256, attributes, status, last_error, bytes,
  extract(epoch FROM created_at)::float8 AS created_at`

/** One page of the store's documents after `cursor`, in id order (stable under concurrent inserts). */
export async function listDocuments(
  q: Queryable,
  tables: Tables,
  storeId: string,
  cursor: string,
  pageSize: number,
): Promise<RemoteFile[]> {
  const rows = await q.query<DocumentRow>(
    `${SELECT_DOCUMENT} FROM ${tables.documents} WHERE store_id = $1 AND file_id > $2 ORDER BY file_id LIMIT $3`,
    [storeId, cursor, pageSize],
  )
  return rows.map(toRemoteFile)
}

export async function getDocument(
  q: Queryable,
  tables: Tables,
  storeId: string,
  fileId: string,
): Promise<RemoteFile | undefined> {
  const rows = await q.query<DocumentRow>(
    `${SELECT_DOCUMENT} FROM ${tables.documents} WHERE store_id = $1 AND file_id = $2`,
    [storeId, fileId],
  )
  return rows[0] && toRemoteFile(rows[0])
}

function toRemoteFile(row: DocumentRow): RemoteFile {
  const attributes = typeof row.attributes === 'string' ? (JSON.parse(row.attributes) as Attributes) : row.attributes
  return {
    fileId: row.file_id,
    path: typeof attributes.path === 'string' ? attributes.path : (row.path ?? undefined),
    sha256: typeof attributes.sha256 === 'string' ? attributes.sha256 : (row.sha256 ?? undefined),
    attributes,
    status: row.status as RemoteFileStatus,
    ...(row.last_error ? { lastError: row.last_error } : {}),
    createdAt: Math.floor(Number(row.created_at)),
    bytes: Number(row.bytes),
  }
}
