/**
 * One small interface over the two databases the provider speaks to: embedded PGlite and a
 * PostgreSQL server through `pg`. Everything above it is the same SQL.
 *
 * Both drivers are imported only when a database is opened, so a no-op sync loads neither.
 */
import { mkdirSync } from 'node:fs'
import type { PGliteInterface } from '@electric-sql/pglite'
import { UsageError } from '../../lib/errors'

export interface Queryable {
  /** Runs one statement with `$1`-style parameters; resolves to its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'server'
  /** Runs several statements without parameters. */
  exec(sql: string): Promise<void>
  /** Runs `fn` in a transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /** Safe to call twice. */
  close(): Promise<void>
}

async function importOptional<T>(load: () => Promise<T>, install: string): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND')
      throw new UsageError(`postgres: a package it needs is not installed: run \`npm install ${install}\``)
    throw error
  }
}

/** Opens (creating when missing) an embedded database with pgvector loaded. */
export async function openPGlite(dataDir: string): Promise<Db> {
  const [{ PGlite }, { vector }] = await Promise.all([
    importOptional(() => import('@electric-sql/pglite'), '@electric-sql/pglite'),
    importOptional(() => import('@electric-sql/pglite-pgvector'), '@electric-sql/pglite-pgvector'),
  ])
  // PGlite creates only the last folder of the path.
  if (!dataDir.includes('://')) mkdirSync(dataDir, { recursive: true })
  // pgvector is always loaded, even without an embedder: a store once written with vectors has
  // HNSW indexes whose maintenance needs the extension's code on every insert.
  return wrapPGlite(
    await PGlite.create(dataDir, {
      extensions: { vector },
      startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
      initDbStartParams: PGLITE_INITDB,
    }),
    true,
  )
}

/**
 * PostgreSQL sizes its shared memory for a server (128 MB of buffers, 100 connections); one
 * embedded process holds the whole store, and every page of that memory it touches at start-up
 * stays resident: 16 MB of buffers take about 115 MB off the peak RSS of every open, at the same
 * speed (measured with bench/embedded.ts). A setting given here is not written to the database,
 * so a store opened by an older version still works.
 */
const PGLITE_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'max_connections=4']

/** WAL in 1 MB segments rather than 16: a new store takes 7 MB less on disk and about 75 MB less memory to create. */
const PGLITE_INITDB = ['--wal-segsize=1']

/** Adapts an open PGlite; `owned` says whether `close()` closes it or leaves it to its creator. */
export function wrapPGlite(db: PGliteInterface, owned: boolean): Db {
  return {
    kind: 'pglite',
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    exec: async sql => {
      await db.exec(sql)
    },
    transaction: fn =>
      db.transaction(tx =>
        fn({
          query: async <T>(sql: string, params?: unknown[]) => (await tx.query<T>(sql, params)).rows,
        }),
      ),
    close: async () => {
      if (owned && !db.closed) await db.close()
    },
  }
}

/** Connects a pool to a PostgreSQL server. */
export async function openServer(connectionString: string, maxConnections: number): Promise<Db> {
  const { default: pg } = await importOptional(() => import('pg'), 'pg')
  const pool = new pg.Pool({ connectionString, max: maxConnections })
  // An idle client losing its connection emits on the pool; unhandled, that would crash the
  // process. The next query gets a fresh connection (or the error) anyway.
  pool.on('error', () => {})
  let closed = false
  // Fail here, with the server's reason, rather than at the first real query.
  await pool.query('SELECT 1').catch(async error => {
    closed = true
    await pool.end().catch(() => {})
    throw error
  })
  return {
    kind: 'server',
    query: async <T>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as T[],
    exec: async sql => {
      await pool.query(sql)
    },
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await fn({
          query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
        })
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    },
    async close() {
      if (closed) return
      closed = true
      await pool.end()
    },
  }
}
