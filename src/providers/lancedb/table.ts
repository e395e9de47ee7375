/**
 * The embedded LanceDB database: one table a store (its name the store id), one row a chunk.
 * Each row repeats its document's id, path, sha256 and attributes (JSON), so every document
 * operation is a predicate on `file_id`, and the first chunk (`ord = 0`) stands for the document
 * when listing. `@lancedb/lancedb` and `apache-arrow` are imported only when a database is opened.
 */
import { existsSync } from 'node:fs'
import type { Connection, Table } from '@lancedb/lancedb'
import { UsageError } from '../../lib/errors'
import type { Attributes, RemoteFile } from '../types'
import type { ChunkedDocument } from '../shared/chunked'

export type { Connection, Table }
export type LanceDB = typeof import('@lancedb/lancedb')

export interface Row {
  id: string
  file_id: string
  ord: number
  path: string
  sha256: string
  attributes: string
  bytes: number
  created_at: number
  text: string
  vector?: number[]
}

/** The columns a listing reads (never the text or the vector). */
export const DOCUMENT_COLUMNS = ['file_id', 'path', 'sha256', 'attributes', 'bytes', 'created_at']

async function importOptional<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND')
      throw new UsageError(
        'lancedb: the LanceDB client is not installed: run `npm install @lancedb/lancedb apache-arrow`',
      )
    throw error
  }
}

export const loadLanceDB = () => importOptional(() => import('@lancedb/lancedb'))

export async function openDatabase(dir: string): Promise<{ lancedb: LanceDB; db: Connection }> {
  const lancedb = await loadLanceDB()
  // Every read checks for a newer version: a server (MCP) kept open sees what a sync wrote since.
  return { lancedb, db: await lancedb.connect(dir, { readConsistencyInterval: 0 }) }
}

/** True when the folder holds no database yet (so asking about a store must not create it). */
export const databaseMissing = (dir: string) => !existsSync(dir)

/** Creates an empty table for chunks, with a vector column of `dimensions` when there is an embedder. */
export async function createChunkTable(db: Connection, name: string, dimensions: number | undefined): Promise<Table> {
  const arrow = await importOptional(() => import('apache-arrow'))
  const fields: import('apache-arrow').Field[] = [
    new arrow.Field('id', new arrow.Utf8(), false),
    new arrow.Field('file_id', new arrow.Utf8(), false),
    new arrow.Field('ord', new arrow.Int32(), false),
    new arrow.Field('path', new arrow.Utf8(), false),
    new arrow.Field('sha256', new arrow.Utf8(), false),
    new arrow.Field('attributes', new arrow.Utf8(), false),
    new arrow.Field('bytes', new arrow.Float64(), false),
    new arrow.Field('created_at', new arrow.Float64(), false),
    new arrow.Field('text', new arrow.Utf8(), false),
  ]
  if (dimensions)
    fields.push(
      new arrow.Field(
        'vector',
        new arrow.FixedSizeList(dimensions, new arrow.Field('item', new arrow.Float32(), true)),
        false,
      ),
    )
  return db.createEmptyTable(name, new arrow.Schema(fields), { mode: 'create' })
}

/**
 * The vector column made to take what is written: added (empty for the rows already there) when an
 * embedder comes to a store made without one, made nullable when rows come without vectors. The
 * next sync after an embedder change re-embeds every document anyway (the fingerprint names it).
 */
export async function fitVectorColumn(table: Table, dimensions: number | undefined): Promise<void> {
  const field = (await table.schema()).fields.find(f => f.name === 'vector')
  if (dimensions && !field)
    await table.addColumns([{ name: 'vector', valueSql: `arrow_cast(NULL, 'FixedSizeList(${dimensions}, Float32)')` }])
  else if (!dimensions && field && !field.nullable) await table.alterColumns([{ path: 'vector', nullable: true }])
}

/** The length of the table's vectors, or undefined when it has none (a full-text only store). */
export async function vectorDimensions(table: Table): Promise<number | undefined> {
  const field = (await table.schema()).fields.find(f => f.name === 'vector')
  return (field?.type as { listSize?: number } | undefined)?.listSize
}

export function rowsOf(doc: ChunkedDocument, createdAt: number): Row[] {
  const attributes = JSON.stringify(doc.attributes)
  return doc.chunks.map((chunk, ord) => ({
    id: `${doc.fileId}#${ord}`,
    file_id: doc.fileId,
    ord,
    path: doc.path,
    sha256: doc.sha256 ?? '',
    attributes,
    bytes: doc.bytes,
    created_at: createdAt,
    text: chunk.text,
    ...(doc.vectors ? { vector: doc.vectors[ord]! } : {}),
  }))
}

export function toRemoteFile(row: Record<string, unknown>): RemoteFile {
  const attributes = JSON.parse(String(row.attributes)) as Attributes
  return {
    fileId: String(row.file_id),
    path: typeof attributes.path === 'string' ? attributes.path : String(row.path),
    sha256: typeof attributes.sha256 === 'string' ? attributes.sha256 : String(row.sha256) || undefined,
    attributes,
    // Rows are searchable once written (and indexed, before the write resolves).
    status: 'completed',
    createdAt: Math.floor(Number(row.created_at)),
    bytes: Number(row.bytes),
  }
}

/** A SQL string literal; ids are generated, but a caller's id is quoted all the same. */
export const literal = (value: string) => `'${value.replace(/'/g, "''")}'`
