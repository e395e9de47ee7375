import { promises as fs, readFileSync, type Stats, statSync } from 'node:fs'
import type { StatCache } from '../stat-cache'
import { dirname, relative } from 'node:path'
import type { FinishOptions, StateStore, SyncState } from './types'
import { bytesIdentity, parseState, serializeState, textIdentity } from './json'

/** The state in one JSON file, written atomically (temp file, then rename). */
export function createFileStore(options: { path: string, root?: string }): StateStore {
  const path = options.path
  const location = options.root ? relative(options.root, path) || path : path
  /** The file's text as last read or written, and its identity (hashed only when asked). */
  let last: string | undefined
  let lastIdentity: string | undefined
  let saved = false
  /** Read by identify(), for the load() that may follow. */
  let read: Promise<Buffer | undefined> | undefined

  async function write(state: SyncState): Promise<void> {
    const text = serializeState(state)
    if (text === last) return
    await fs.mkdir(dirname(path), { recursive: true })
    const temp = `${path}.${process.pid}.${Date.now()}.tmp`
    await fs.writeFile(temp, text)
    await fs.rename(temp, path)
    last = text
    lastIdentity = undefined
  }

  // Bytes, not text: identify() hashes them, and only a load() decodes them. In one synchronous
  // read: fs.promises reads a large file in chunks, each waiting for a turn of an event loop
  // that the scan keeps busy.
  function readBytes(): Promise<Buffer | undefined> {
    if (!read) {
      try { read = Promise.resolve(readFileSync(path)) }
      catch (error) {
        read = (error as NodeJS.ErrnoException).code === 'ENOENT' ? Promise.resolve(undefined) : Promise.reject(error)
      }
    }
    return read
  }

  return {
    kind: 'file',
    location,
    async load() {
      const bytes = await readBytes()
      read = undefined
      if (bytes === undefined) return undefined
      last = bytes.toString('utf8')
      lastIdentity = undefined
      return parseState(last, location)
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
      if (hash) return `sha256:${hash}`
      const bytes = await readBytes()
      if (bytes === undefined) return undefined
      const identity = await bytesIdentity(bytes)
      known?.record(key, stat, identity.slice('sha256:'.length))
      return identity
    },
    identity() {
      if (last === undefined) return undefined
      lastIdentity ??= textIdentity(last)
      return lastIdentity
    },
    save: (state: SyncState) => { saved = true; return write(state) },
    async finish(state: SyncState, options: FinishOptions) {
      // Nothing changed and nothing saved since the load: the file already holds this state, and
      // serializing a large one only to find that out costs a no-op sync a tenth of its time.
      if (!options.changed && last !== undefined && !saved) return
      await write(state)
    },
    async close() {},
  }
}
