import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, rmSync, type Stats, statSync } from 'node:fs'
import type { StatCache } from '../scan/stat-cache'
import { dirname, relative } from 'node:path'
import type { FinishOptions, StateStore, SyncState } from './types'
import { bytesIdentity, hexOf, identityOf, parseState, textIdentity, writeStateFile } from './json'

/** The state in one JSON file, written atomically (temp file, then rename). */
export function createFileStore(options: { path: string; root?: string }): StateStore {
  return new FileStateStore(
    options.path,
    options.root ? relative(options.root, options.path) || options.path : options.path,
  )
}

class FileStateStore implements StateStore {
  readonly kind = 'file'
  /** Identity (see json.ts textIdentity) of the file's content as last read or written. */
  private lastIdentity: string | undefined
  private saved = false
  /** Read (and hashed) by storedIdentity(), for the load() that may follow; null: no file. */
  private read: Buffer | null | undefined
  private readIdentity: string | undefined

  constructor(
    private readonly path: string,
    readonly location: string,
  ) {}

  async load(): Promise<SyncState | undefined> {
    const bytes = this.readBytes()
    const known = this.readIdentity
    this.read = undefined
    this.readIdentity = undefined
    if (bytes === null) return undefined
    this.lastIdentity = known ?? textIdentity(bytes)
    return parseState(bytes.toString('utf8'), this.location)
  }

  async storedIdentity(known?: StatCache): Promise<string | undefined> {
    // The file's hash, known from its stat while that is unchanged (as for documents): a
    // no-op sync then neither reads nor hashes megabytes of state.
    let stat: Stats
    try {
      stat = statSync(this.path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    const key = `\0state\0${this.path}`
    const hash = known?.lookup(key, stat)
    if (hash) return identityOf(hash)
    const bytes = this.readBytes()
    if (bytes === null) return undefined
    const identity = await bytesIdentity(bytes)
    this.readIdentity = identity
    known?.record(key, stat, hexOf(identity))
    return identity
  }

  loadedIdentity(): string | undefined {
    return this.lastIdentity
  }

  async save(state: SyncState): Promise<void> {
    this.saved = true
    this.write(state)
  }

  async finish(state: SyncState, options: FinishOptions): Promise<void> {
    // Nothing changed and nothing saved since the load: the file already holds this state, and
    // serializing a large one only to find that out costs a no-op sync a tenth of its time.
    if (!options.changed && this.lastIdentity !== undefined && !this.saved) return
    this.write(state)
  }

  async close(): Promise<void> {}

  /**
   * Writes the state to a temp file renamed over the old one, hashing it on the way (see
   * writeStateFile); a state the file holds already leaves the file as it was.
   */
  private write(state: SyncState): void {
    mkdirSync(dirname(this.path), { recursive: true })
    const temp = `${this.path}.${process.pid}.${Date.now()}.tmp`
    const hash = createHash('sha256')
    try {
      writeStateFile(state, temp, hash)
      const identity = identityOf(hash.digest('hex'))
      if (identity === this.lastIdentity) rmSync(temp, { force: true })
      else renameSync(temp, this.path)
      this.lastIdentity = identity
    } catch (error) {
      rmSync(temp, { force: true })
      throw error
    }
  }

  // Bytes, not text: storedIdentity() hashes them, and only a load() decodes them. In one synchronous
  // read: fs.promises reads a large file in chunks, each waiting for a turn of an event loop
  // that the scan keeps busy.
  private readBytes(): Buffer | null {
    if (this.read === undefined) {
      try {
        this.read = readFileSync(this.path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        this.read = null
      }
    }
    return this.read
  }
}
