import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

/**
 * One PGlite with pgvector, opened on first use and shared by every suite of a test file (each
 * in its own schema): opening a fresh database costs seconds, a schema nothing.
 */
export function sharedPGlite(dataDir: string): { get: () => Promise<PGlite>; close: () => Promise<void> } {
  let db: Promise<PGlite> | undefined
  return {
    get: () => (db ??= PGlite.create(dataDir, { extensions: { vector } })),
    async close() {
      const open = await db
      db = undefined
      if (open && !open.closed) await open.close()
    },
  }
}

/**
 * Serves a PGlite over the PostgreSQL wire protocol on a free loopback port: the provider's `pg`
 * server path, with pgvector, without a server install. Stopping leaves the PGlite open.
 */
export async function startSocketServer(db: PGlite): Promise<{ url: string; stop: () => Promise<void> }> {
  // PGlite is one session: a single connection keeps transactions from interleaving.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 })
  await server.start()
  const [host, port] = server.getServerConn().split(':')
  let stopped = false
  return {
    url: `postgres://postgres:postgres@${host}:${port}/postgres`,
    async stop() {
      if (!stopped) await server.stop()
      stopped = true
    },
  }
}
