import { existsSync, promises as fsp, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StoreStatus } from '../types'
import type { Db } from './db'
import type { Tables } from './schema'

/**
 * The embedded database takes seconds to open, far more than a sync that changes nothing may
 * spend. Its counts are kept beside it in a small file instead, written when a session that
 * changed the database closes and removed before its first change, so the file only ever
 * describes a database that was closed cleanly after it was written. A missing file means
 * "unknown" (read the database); a missing database folder means the store is gone.
 */
export const STATUS_FILE = 'vectornator-status.json'

interface StatusFile {
  stores: Record<string, StoreStatus>
}

export type CachedStatus = { known: true; status: StoreStatus | undefined } | { known: false }

export function readCachedStatus(dataDir: string, storeId: string): CachedStatus {
  if (!existsSync(dataDir)) return { known: true, status: undefined }
  let text: string
  try {
    text = readFileSync(join(dataDir, STATUS_FILE), 'utf8')
  } catch {
    return { known: false }
  }
  try {
    const parsed = JSON.parse(text) as StatusFile
    if (!parsed || typeof parsed.stores !== 'object') return { known: false }
    return { known: true, status: parsed.stores[storeId] }
  } catch {
    return { known: false }
  }
}

export async function forgetCachedStatus(dataDir: string): Promise<void> {
  await fsp.rm(join(dataDir, STATUS_FILE), { force: true })
}

export async function writeCachedStatus(db: Db, tables: Tables, dataDir: string): Promise<void> {
  const stores: Record<string, StoreStatus> = {}
  for (const row of await db.query<{ id: string }>(`SELECT id FROM ${tables.stores}`))
    stores[row.id] = { files: 0, completed: 0, inProgress: 0, failed: 0, cancelled: 0 }
  for (const row of await countRows(db, tables)) if (stores[row.store_id]) stores[row.store_id] = toStatus(row)
  const temp = join(dataDir, `${STATUS_FILE}.${process.pid}.tmp`)
  await fsp.writeFile(temp, JSON.stringify({ stores } satisfies StatusFile))
  await fsp.rename(temp, join(dataDir, STATUS_FILE))
}

interface CountRow {
  store_id: string
  files: number
  completed: number
  in_progress: number
  failed: number
  cancelled: number
}

function countRows(db: Db, tables: Tables, storeId?: string): Promise<CountRow[]> {
  return db.query<CountRow>(
    `SELECT store_id, count(*)::int AS files,
       count(*) FILTER (WHERE status = 'completed')::int AS completed,
       count(*) FILTER (WHERE status = 'in_progress')::int AS in_progress,
       count(*) FILTER (WHERE status = 'failed')::int AS failed,
       count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled
     FROM ${tables.documents} ${storeId ? 'WHERE store_id = $1' : ''} GROUP BY store_id`,
    storeId ? [storeId] : [],
  )
}

const toStatus = (row: CountRow): StoreStatus => ({
  files: row.files,
  completed: row.completed,
  inProgress: row.in_progress,
  failed: row.failed,
  cancelled: row.cancelled,
})

/** The store's counts in one query, or undefined when the store does not exist. */
export async function queryStatus(db: Db, tables: Tables, storeId: string): Promise<StoreStatus | undefined> {
  if ((await db.query(`SELECT 1 FROM ${tables.stores} WHERE id = $1`, [storeId])).length === 0) return undefined
  const [row] = await countRows(db, tables, storeId)
  return row ? toStatus(row) : { files: 0, completed: 0, inProgress: 0, failed: 0, cancelled: 0 }
}
