import { createHash, type Hash, webcrypto } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import { type FileState, STATE_VERSION, StateError, type SyncState } from './types'
import { prefixSha256, stripSha256 } from '../../lib/sha256'

const FILES_MARK = '\u0000files\u0000'
/** Entries stringified together: as one object (JSON.stringify's fast path), small enough to die young. */
const GROUP = 64
const INDEX = /^(?:0|[1-9]\d{0,9})$/
const GROUP_HEAD = '{\n  "files": {\n'
const GROUP_TAIL = '\n  }\n}'

/**
 * The state as stored, in pieces: two-space JSON, `files` sorted by path, a final newline, so a
 * commit's diff shows exactly the documents that changed and two equal states are equal texts.
 * Pieces of GROUP entries, so a large state is written without ever being one string: each
 * group is stringified under a `files` key of its own, at the very indentation it has in the
 * whole, and cut out of it.
 */
export function* stateText(state: SyncState): Generator<string> {
  const [head, tail] = `${JSON.stringify({ ...state, files: FILES_MARK }, null, 2)}\n`.split(
    JSON.stringify(FILES_MARK),
  ) as [string, string]
  const paths = Object.keys(state.files ?? {}).sort()
  if (paths.length === 0) {
    yield `${head}{}${tail}`
    return
  }
  yield `${head}{\n`
  // An object lists integer-like keys first: with any such path, one group keeps the whole order.
  const size = paths.some(path => INDEX.test(path)) ? paths.length : GROUP
  for (let start = 0; start < paths.length; start += size) {
    const group: Record<string, FileState> = {}
    for (const path of paths.slice(start, start + size)) group[path] = state.files[path]!
    const text = JSON.stringify({ files: group }, null, 2)
    yield `${start > 0 ? ',\n' : ''}${text.slice(GROUP_HEAD.length, -GROUP_TAIL.length)}`
  }
  yield `\n  }${tail}`
}

/**
 * Writes the state as stored to a new file `path`, feeding `hash` on the way. Synchronously, so
 * the text is one moment's state (a sync changes it between awaits), and in stateText's pieces,
 * so a large state never becomes one string and one buffer (at 100,000 documents each is
 * tens of MB, and a first sync makes one at every checkpoint).
 */
export function writeStateFile(state: SyncState, path: string, hash?: Hash): void {
  const fd = openSync(path, 'w')
  try {
    for (const piece of stateText(state)) {
      hash?.update(piece)
      writeSync(fd, piece)
    }
  } finally {
    closeSync(fd)
  }
}

/** The content identity of a stored state (the file store's; a branch uses git's blob id), from its SHA-256. */
export const identityOf = prefixSha256
export const hexOf = stripSha256

/** The content identity of a stored state's text. */
export function textIdentity(text: string | Buffer): string {
  return identityOf(createHash('sha256').update(text).digest('hex'))
}

/** textIdentity, hashed off the main thread (WebCrypto runs in the thread pool) while a scan runs. */
export async function bytesIdentity(bytes: Buffer): Promise<string> {
  return identityOf(Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex'))
}

/**
 * Parses a stored state. `where` names it in the error (`.vectornator/metadata.json`,
 * `refs/heads/vectornator-metadata:docs-openai/metadata.json`).
 * A state that cannot be read is never replaced silently: the caller decides to rebuild it.
 */
export function parseState(text: string, where: string): SyncState {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw corrupt(where, (error as Error).message.split('\n')[0] ?? 'invalid JSON')
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw corrupt(where, 'not a JSON object')
  const files = (value as { files?: unknown }).files
  if (!files || typeof files !== 'object' || Array.isArray(files)) throw corrupt(where, '`files` is not an object')
  if (typeof (value as { storeId?: unknown }).storeId !== 'string') throw corrupt(where, 'no `storeId`')
  // A later major format may mean other things by the same fields: never read as this one.
  const version = (value as { version?: unknown }).version
  const major = typeof version === 'string' ? Number.parseInt(version, 10) : Number.NaN
  if (major > Number.parseInt(STATE_VERSION, 10))
    throw new StateError(
      `the sync state at ${where} is format ${version}, newer than the ${STATE_VERSION} this vectornator reads: upgrade vectornator (npm i -D vectornator@latest); the state is left as it is`,
    )
  return value as SyncState
}

function corrupt(where: string, reason: string): StateError {
  return new StateError(
    `corrupt sync state at ${where} (${reason}); run \`vectornator verify --repair\` to rebuild it from the store`,
  )
}
