import { promises as fs } from 'node:fs'
import { dirname, relative } from 'node:path'
import { type FinishOptions, StateError, type StateStore, type SyncState } from './types'

/** Pretty JSON with paths in order, so the file diffs well when it is committed. */
export function serializeState(state: SyncState): string {
  const files = Object.fromEntries(Object.keys(state.files).sort().map(k => [k, state.files[k]]))
  return `${JSON.stringify({ ...state, files }, null, 2)}\n`
}

/** Parses a state, rejecting anything that is not one (never guessed at, never replaced silently). */
export function parseState(text: string, where: string): SyncState {
  let data: unknown
  try { data = JSON.parse(text) }
  catch (error) {
    throw new StateError(`the sync state in ${where} is corrupt (${(error as Error).message}): restore it, or rebuild it from the store with \`vectornator verify --repair\``)
  }
  const state = data as SyncState
  if (!state || typeof state !== 'object' || typeof state.files !== 'object' || state.files === null || typeof state.storeId !== 'string')
    throw new StateError(`the sync state in ${where} is not a vectornator state (no storeId or files): restore it, or rebuild it from the store with \`vectornator verify --repair\``)
  return state
}

/** The state in one JSON file, written atomically (temp file, then rename). */
export function createFileStore(options: { path: string, root?: string }): StateStore {
  const path = options.path
  const location = options.root ? relative(options.root, path) || path : path
  let last: string | undefined
  let saved = false

  async function write(state: SyncState): Promise<void> {
    const text = serializeState(state)
    if (text === last) return
    await fs.mkdir(dirname(path), { recursive: true })
    const temp = `${path}.${process.pid}.${Date.now()}.tmp`
    await fs.writeFile(temp, text)
    await fs.rename(temp, path)
    last = text
  }

  return {
    kind: 'file',
    location,
    async load() {
      let text: string
      try { text = await fs.readFile(path, 'utf8') }
      catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
      last = text
      return parseState(text, location)
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
