import { isAbsolute } from 'node:path'
import { isSecretPath } from '../core'
import type { FileState, SyncState } from '../types'

/** A request the server refuses; its message is what the assistant reads, so it says why and what to do. */
export class RefusedError extends Error {
  override name = 'RefusedError'
  /** `stale`: a newer sync state might answer otherwise (a document added or changed since). */
  constructor(
    message: string,
    readonly stale = false,
  ) {
    super(message)
  }
}

/**
 * The state's entry for `path`, or a refusal naming why. Only paths the sync state names are
 * readable: the path is never joined to the root before it has been found there, so `../x`, an
 * absolute path or a file left out of the sync cannot be read whatever the file system holds.
 */
/** What every tool answers before anything was synced. */
export const nothingSynced = (root: string) =>
  `nothing synced yet from ${root}: run \`vectornator sync\` (or build the site), then ask again`

export function syncedEntry(state: SyncState | undefined, path: string): FileState {
  if (!path.trim())
    throw new RefusedError(
      'the path is empty: give a document path as list_documents or search_docs return it, e.g. docs/guide.md',
    )
  if (path.includes('\0'))
    throw new RefusedError('the path holds a NUL character: give a document path as list_documents returns it')
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.startsWith('/') || path.startsWith('\\'))
    throw new RefusedError(
      `${JSON.stringify(path)} is an absolute path: only documents of the sync state are served, by their path relative to the root (list_documents gives them)`,
    )
  if (path.split(/[\\/]/).includes('..'))
    throw new RefusedError(
      `${JSON.stringify(path)} leaves the root ("..") : only documents of the sync state are served, by their path relative to the root`,
    )
  if (isSecretPath(path))
    throw new RefusedError(`${JSON.stringify(path)} is an environment file: .env files are never synced nor served`)
  const entry = state?.files[path]
  if (!entry)
    throw new RefusedError(
      `${JSON.stringify(path)} is not a synced document: only the documents of the last sync are served (list_documents gives them; a file outside the sync's include globs is not one)`,
      true,
    )
  return entry
}

/** The same address written the way a site or an assistant may: no fragment, no query, no trailing slash. */
function normalUrl(url: string): string {
  const cut = url.replace(/[#?].*$/, '')
  return cut.length > 1 ? cut.replace(/\/+$/, '') : cut
}

function pathnameOf(url: string): string | undefined {
  try {
    return normalUrl(new URL(url).pathname)
  } catch {
    return undefined
  }
}

/** The path of the synced document whose `url` attribute is `url` (a full address, or its path alone). */
export function pathForUrl(state: SyncState | undefined, url: string): string {
  if (!url.trim())
    throw new RefusedError('the url is empty: give a document url as search_docs or list_documents return it')
  const files = Object.entries(state?.files ?? {})
  const wanted = normalUrl(url.trim())
  const byPathname = wanted.startsWith('/')
  const found = files.filter(([, f]) => {
    const own = typeof f.attributes?.url === 'string' ? f.attributes.url : undefined
    if (!own) return false
    return byPathname ? (pathnameOf(own) ?? normalUrl(own)) === wanted : normalUrl(own) === wanted
  })
  if (found.length === 0) {
    const hint = files.some(([, f]) => f.attributes?.url)
      ? "list_documents gives each document's url"
      : 'the documents have no url attribute (set baseUrl in the config): ask by path'
    throw new RefusedError(`no synced document has the url ${JSON.stringify(url)}: ${hint}`, true)
  }
  if (found.length > 1)
    throw new RefusedError(
      `${found.length} synced documents have the url ${JSON.stringify(url)} (${found.map(([p]) => p).join(', ')}): ask by path`,
    )
  return found[0]![0]
}
