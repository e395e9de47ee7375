import { realpathSync } from 'node:fs'
import { relative } from 'node:path'
import { UsageError } from '../../../lib/errors'
import { toPosix } from '../../../lib/paths'

/** The file that holds one key's state, inside the key's folder of the branch. */
export const STATE_FILE = 'metadata.json'

/**
 * A key as one tree entry name. Keys are paths (`docs/site-openai`), but nesting them would let
 * key `a` and key `a/metadata.json` collide, so each key is one flat folder. Anything outside
 * [A-Za-z0-9._-] is percent-encoded (so the mapping is one-to-one), and a leading dot too: git
 * refuses `.git` and `..` as entry names, and hidden folders are easy to miss.
 */
export function encodeKey(key: string): string {
  if (typeof key !== 'string' || key.trim() === '') throw new UsageError('metadata.key must be a non-empty string')
  let out = ''
  for (const char of key) {
    if (/[A-Za-z0-9_-]/.test(char) || (char === '.' && out !== '')) out += char
    else
      out += [...Buffer.from(char, 'utf8')].map(byte => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('')
  }
  return out
}

function real(path: string): string {
  try {
    return realpathSync.native(path)
  } catch {
    return path
  }
}

/**
 * The default key: the sync root's POSIX path inside the repository (`root` at its top) plus the
 * provider, so two sites of a monorepo, or one site synced to two stores, keep separate states.
 */
export function defaultStateKey(root: string, topLevel: string, provider: string): string {
  // realpath both: git reports the top level resolved (/private/var on macOS, no symlinks).
  let rel = relative(real(topLevel), real(root))
  if (rel.startsWith('..')) rel = relative(topLevel, root)
  const posix = toPosix(rel)
  return `${posix === '' || posix === '.' ? 'root' : posix}-${provider}`
}
