// PGlite with pgvector served over the PostgreSQL wire protocol (started by ./pglite-server.ts),
// in a process of its own like a database server: its work is not the measured tool's, and the
// bench process asks it over IPC what the tool left in the database.
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

type Message = { id: number; type: 'query' | 'close'; sql?: string }

const dataDir = process.env.VECTORNATOR_BENCH_PGLITE_DIR!
const db = await PGlite.create(dataDir, { extensions: { vector } })
// Both tools open pools (ours 4 connections, LangChain's pg.Pool up to 10 per store and record
// manager): the server multiplexes them onto PGlite's one session, keeping each transaction whole.
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 64 })
await server.start()
const [host, port] = server.getServerConn().split(':')
process.send!({ type: 'ready', url: `postgres://postgres:postgres@${host}:${port}/postgres` })
process.on('message', async (message: Message) => {
  if (message.type === 'query') {
    try {
      const { rows } = await db.query(message.sql!)
      process.send!({ id: message.id, rows })
    } catch (error) {
      process.send!({ id: message.id, error: (error as Error).message })
    }
  } else if (message.type === 'close') {
    await server.stop()
    await db.close()
    process.send!({ id: message.id }, () => process.exit(0))
  }
})
