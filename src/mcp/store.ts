import { cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SyncState } from '../types'
import { type Connection, type Vectornator } from '../core'

/** Old connections stay open this long after a newer one replaces them, for the searches still running on them. */
const RETIRE_AFTER_MS = 30_000

/** The embedded database's folder when the options name a store kept in files on this machine, else undefined. */
export function embeddedDataDir(vn: Vectornator): string | undefined {
  return vn.options.provider.embedded?.dataDir
}

/**
 * The store the server searches. An embedded PGlite database belongs to one process at a time: one
 * held open while a sync writes it loses that sync's writes when it closes. So the server reads a
 * copy of it, taken under the state's lock (which a sync holds while it writes), and takes a new
 * copy when the state records a newer sync. Any other store stays open, shared, until the state
 * names another store.
 */
export class StoreHandle {
  private constructor(
    private current: { connection: Connection; key: string | undefined; close(): Promise<void> },
    /** What, in a newer state, calls for a new connection. */
    private readonly keyOf: (state: SyncState) => string | undefined,
    private readonly reopen: () => Promise<StoreHandle['current']>,
  ) {}

  private pending?: Promise<void>
  private readonly retiring = new Set<StoreHandle['current']>()

  static async open(vn: Vectornator): Promise<StoreHandle> {
    const dataDir = embeddedDataDir(vn)
    if (!dataDir) {
      const connect = async () => {
        const connection = await vn.connect()
        return { connection, key: connection.storeId, close: () => connection.close() }
      }
      // Another store only when the state names one (a sync with --new-store); --store pins it.
      return new StoreHandle(await connect(), s => vn.options.vectorStoreId ?? s.storeId, connect)
    }
    const reopen = () => openCopy(vn, dataDir)
    return new StoreHandle(await reopen(), s => s.lastSync, reopen)
  }

  get first(): Connection {
    return this.current.connection
  }

  /** The connection to search with, for the state as read now. */
  async connection(state: SyncState | undefined): Promise<Connection> {
    if (state && this.keyOf(state) !== this.current.key) {
      this.pending ??= this.reopen()
        .then(next => {
          const old = this.current
          this.current = next
          this.retiring.add(old)
          setTimeout(() => {
            if (this.retiring.delete(old)) void old.close().catch(() => {})
          }, RETIRE_AFTER_MS).unref()
        })
        .finally(() => {
          this.pending = undefined
        })
      await this.pending
    }
    return this.current.connection
  }

  async close(): Promise<void> {
    await this.pending?.catch(() => {})
    await Promise.all([...this.retiring].map(old => old.close().catch(() => {})))
    this.retiring.clear()
    await this.current.close()
  }
}

/** A copy of the embedded database, taken while no sync writes it, opened as the store. */
async function openCopy(vn: Vectornator, dataDir: string): Promise<StoreHandle['current']> {
  const { options } = vn
  const dir = await mkdtemp(join(tmpdir(), 'vectornator-mcp-'))
  const copy = join(dir, 'store')
  const cleanup = () => rm(dir, { recursive: true, force: true })
  try {
    const key = await vn.whileLocked(
      async state => {
        if (await stat(dataDir).catch(() => undefined)) await cp(dataDir, copy, { recursive: true })
        else await mkdir(copy, { recursive: true })
        return state?.lastSync
      },
      pid =>
        options.logger.info(`mcp: waiting for a vectornator run (pid ${pid}) to finish writing the embedded store`),
    )
    const provider = await options.provider.embedded!.openCopy(copy, {
      concurrency: options.concurrency,
      logger: options.logger,
    })
    const connection = await vn.connect({ provider })
    return {
      connection,
      key,
      close: async () => {
        await connection.close()
        await cleanup()
      },
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}
