import { createHash } from 'node:crypto'
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, type Stats, statSync, writeSync } from 'node:fs'
import type { StatCache } from '../scan/stat-cache'
import { dirname, relative } from 'node:path'
import type { FinishOptions, StateStore, SyncState } from './types'
import { bytesIdentity, hexOf, identityOf, parseState, stateText, textIdentity } from './json'

/** The state in one JSON file, written atomically (temp file, then rename). */
export function createFileStore(options: { path: string, root?: string }): StateStore {
  const path = options.path
  const location = options.root ? relative(options.root, path) || path : path
  /** Identity (see json.ts textIdentity) of the file's content as last read or written. */
  let lastIdentity: string | undefined
  let saved = false
  /** Read (and hashed) by identify(), for the load() that may follow; null: no file. */
  let read: Buffer | null | undefined
  let readIdentity: string | undefined

  /**
   * Writes the state, in pieces, to a temp file renamed over the old one, hashing it on the way;
   * a state the file holds already leaves the file as it was. Synchronously, so the state cannot
   * change half-way, and in small pieces, so a large state never becomes one string and one buffer
   * at each of a sync's many checkpoints (that was most of a first sync's peak memory).
   */
  function write(state: SyncState): void {
    mkdirSync(dirname(path), { recursive: true })
    const temp = `${path}.${process.pid}.${Date.now()}.tmp`
    const hash = createHash('sha256')
    try {
      const fd = openSync(temp, 'w')
      try {
        for (const piece of stateText(state)) {
          hash.update(piece)
          writeSync(fd, piece)
        }
      }
      finally { closeSync(fd) }
      const identity = identityOf(hash.digest('hex'))
      if (identity === lastIdentity) rmSync(temp, { force: true })
      else renameSync(temp, path)
      lastIdentity = identity
    }
    catch (error) {
      rmSync(temp, { force: true })
      throw error
    }
  }

  // Bytes, not text: identify() hashes them, and only a load() decodes them. In one synchronous
  // read: fs.promises reads a large file in chunks, each waiting for a turn of an event loop
  // that the scan keeps busy.
  function readBytes(): Buffer | null {
    if (read === undefined) {
      try { read = readFileSync(path) }
      catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        read = null
      }
    }
    return read
  }

  return {
    kind: 'file',
    location,
    async load() {
      const bytes = readBytes()
      const known = readIdentity
      read = undefined
      readIdentity = undefined
      if (bytes === null) return undefined
      lastIdentity = known ?? textIdentity(bytes)
      return parseState(bytes.toString('utf8'), location)
    },
    async identify(known?: StatCache) {
      // The file's hash, known from its stat while that is unchanged (as for documents): a
      // no-op sync then neither reads nor hashes megabytes of state.
      let stat: Stats
      try { stat = statSync(path) }
      catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
      const key = `\0state\0${path}`
      const hash = known?.lookup(key, stat)
      if (hash) return identityOf(hash)
      const bytes = readBytes()
      if (bytes === null) return undefined
      const identity = await bytesIdentity(bytes)
      readIdentity = identity
      known?.record(key, stat, hexOf(identity))
      return identity
    },
    identity: () => lastIdentity,
    async save(state: SyncState) {
      saved = true
      write(state)
    },
    async finish(state: SyncState, options: FinishOptions) {
      // Nothing changed and nothing saved since the load: the file already holds this state, and
      // serializing a large one only to find that out costs a no-op sync a tenth of its time.
      if (!options.changed && lastIdentity !== undefined && !saved) return
      write(state)
    },
    async close() {},
  }
}
