/**
 * Tables, migrations and pgvector detection. Every step is idempotent and runs under an
 * advisory lock, so two processes connecting to a fresh database at once do not race.
 */
import type { Db, Queryable } from './db'

export interface Capabilities {
  /** Chunks carry embeddings and search blends vector similarity with full-text rank. */
  vector: boolean
  /** Always true: search ranks chunks with PostgreSQL full-text search. */
  fullText: true
  /** pgvector's version, when the extension is there. */
  pgvector?: string
  /** Why search is degraded, in one line naming the fix; undefined when nothing is. */
  notice?: string
}

/** Names of everything in the provider's schema, quoted for SQL. */
export interface Tables {
  schema: string
  stores: string
  documents: string
  chunks: string
  migrations: string
  /** Schema pgvector's type and operators live in, quoted; set when vector search is on. */
  vectorSchema?: string
}

export function tableNames(schema: string): Tables {
  const q = `"${schema}"`
  return {
    schema: q,
    stores: `${q}.stores`,
    documents: `${q}.documents`,
    chunks: `${q}.chunks`,
    migrations: `${q}.migrations`,
  }
}

/** Versioned, append-only: a released entry is never edited, a change is a new entry. */
const MIGRATIONS: { version: number; name: string; sql: (t: Tables) => string }[] = [
  {
    version: 1,
    name: 'stores, documents, chunks',
    sql: t => `
      CREATE TABLE IF NOT EXISTS ${t.stores} (
        id text PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS ${t.documents} (
        file_id text PRIMARY KEY,
        store_id text NOT NULL REFERENCES ${t.stores} (id) ON DELETE CASCADE,
        path text,
        sha256 text,
        attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL DEFAULT 'completed',
        last_error text,
        bytes integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS documents_store_file_idx ON ${t.documents} (store_id, file_id);
      CREATE TABLE IF NOT EXISTS ${t.chunks} (
        file_id text NOT NULL REFERENCES ${t.documents} (file_id) ON DELETE CASCADE,
        ord integer NOT NULL,
        store_id text NOT NULL,
        heading text,
        text text NOT NULL,
        tsv tsvector NOT NULL,
        PRIMARY KEY (file_id, ord)
      );
      CREATE INDEX IF NOT EXISTS chunks_tsv_idx ON ${t.chunks} USING gin (tsv);
      CREATE INDEX IF NOT EXISTS chunks_store_idx ON ${t.chunks} (store_id);
    `,
  },
]

export const NO_EMBEDDER_NOTICE =
  'no embedder configured: search is full-text only (pass `embed` to enable vector search)'
export const NO_PGVECTOR_NOTICE =
  'pgvector is not installed on this server: search is full-text only (install pgvector to enable vector search)'

/** Creates or upgrades the schema; enables pgvector when an embedder will use it. */
export async function prepareSchema(
  db: Db,
  schema: string,
  wantVectors: boolean,
): Promise<{ tables: Tables; capabilities: Capabilities }> {
  const tables = tableNames(schema)
  const vector = wantVectors ? await enablePgvector(db) : { notice: NO_EMBEDDER_NOTICE }

  await db.transaction(async tx => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vectornator:${schema}`])
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${tables.schema}`)
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${tables.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    )
    const applied = new Set(
      (await tx.query<{ version: number }>(`SELECT version FROM ${tables.migrations}`)).map(r => r.version),
    )
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue
      await execAll(tx, migration.sql(tables))
      await tx.query(`INSERT INTO ${tables.migrations} (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ])
    }
    // Not a versioned migration: it depends on the server, and a server that gains pgvector
    // later gets the column on its next connection.
    if (vector.schema)
      await tx.query(`ALTER TABLE ${tables.chunks} ADD COLUMN IF NOT EXISTS embedding ${vector.schema}.vector`)
  })

  if (vector.schema) tables.vectorSchema = vector.schema
  return {
    tables,
    capabilities: { vector: Boolean(vector.schema), fullText: true, pgvector: vector.version, notice: vector.notice },
  }
}

/** One statement per call: PGlite's `query` takes a single statement (extended protocol). */
async function execAll(tx: Queryable, sql: string): Promise<void> {
  for (const statement of sql
    .split(';')
    .map(s => s.trim())
    .filter(Boolean))
    await tx.query(statement)
}

interface VectorSupport {
  schema?: string
  version?: string
  notice?: string
}

async function enablePgvector(db: Db): Promise<VectorSupport> {
  let failure: unknown
  try {
    await db.exec('CREATE EXTENSION IF NOT EXISTS vector')
  } catch (error) {
    // Also reached when another process created it a moment before us: look before judging.
    failure = error
  }
  const rows = await db.query<{ version: string; schema: string }>(
    `SELECT extversion AS version, quote_ident(n.nspname) AS schema
       FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'vector'`,
  )
  if (rows[0]) return { schema: rows[0].schema, version: rows[0].version }
  const code = (failure as { code?: string } | undefined)?.code
  if (code === '42501')
    return {
      notice:
        'pgvector is installed but this role may not enable it: search is full-text only (run `CREATE EXTENSION vector` as a superuser)',
    }
  if (code === '58P01' || code === '0A000' || /control file|not available/i.test(String((failure as Error)?.message))) {
    return db.kind === 'pglite'
      ? {
          notice:
            'pgvector is not loaded in this PGlite: search is full-text only (create it with `extensions: { vector }` from @electric-sql/pglite-pgvector)',
        }
      : { notice: NO_PGVECTOR_NOTICE }
  }
  return {
    notice: `pgvector could not be enabled (${(failure as Error)?.message ?? 'unknown error'}): search is full-text only (install pgvector to enable vector search)`,
  }
}

/** HNSW indexes take at most 2,000 dimensions of `vector`; larger embeddings are searched exactly. */
export const HNSW_MAX_DIMENSIONS = 2000

/**
 * One partial expression index per dimension count, so a store can hold embeddings from two
 * models while it is being re-indexed, and a query only ever compares vectors of its own size.
 */
export async function ensureVectorIndex(db: Db, tables: Tables, dimensions: number): Promise<boolean> {
  if (!tables.vectorSchema || dimensions > HNSW_MAX_DIMENSIONS) return false
  const v = tables.vectorSchema
  await db.transaction(async tx => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vectornator:${tables.schema}`])
    await tx.query(
      `CREATE INDEX IF NOT EXISTS chunks_embedding_hnsw_${dimensions} ON ${tables.chunks}
         USING hnsw ((embedding::${v}.vector(${dimensions})) ${v}.vector_cosine_ops)
         WHERE ${v}.vector_dims(embedding) = ${dimensions}`,
    )
  })
  return true
}
