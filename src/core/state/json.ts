import { createHash, webcrypto } from 'node:crypto'
import { StateError, type SyncState } from './types'

/**
 * The state as stored: two-space JSON, `files` sorted by path, a final newline, so a commit's
 * diff shows exactly the documents that changed and two equal states are equal strings.
 */
export function serializeState(state: SyncState): string {
  const files = Object.fromEntries(Object.keys(state.files ?? {}).sort().map(path => [path, state.files[path]]))
  return `${JSON.stringify({ ...state, files }, null, 2)}\n`
}

/** The content identity of a stored state's text (the file store's; a branch uses git's blob id). */
export function textIdentity(text: string | Buffer): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`
}

/** textIdentity, hashed off the main thread (WebCrypto runs in the thread pool) while a scan runs. */
export async function bytesIdentity(bytes: Buffer): Promise<string> {
  return `sha256:${Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex')}`
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
  return value as SyncState
}

function corrupt(where: string, reason: string): StateError {
  return new StateError(`corrupt sync state at ${where} (${reason}); run \`vectornator verify --repair\` to rebuild it from the store`)
}
