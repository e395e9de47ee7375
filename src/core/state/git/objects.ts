import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { git } from '../../git/exec'

/** One entry of a tree, as `ls-tree` prints it and `mktree` reads it. */
export interface TreeEntry {
  mode: string
  type: string
  oid: string
  name: string
}

/** Top-level entries of a tree (not recursive). */
export async function readTree(cwd: string, treeish: string): Promise<TreeEntry[]> {
  const out = await git(cwd, ['ls-tree', '-z', treeish])
  return out
    .split('\0')
    .filter(Boolean)
    .map(record => {
      const tab = record.indexOf('\t')
      const [mode = '', type = '', oid = ''] = record.slice(0, tab).split(' ')
      return { mode, type, oid, name: record.slice(tab + 1) }
    })
}

/** Writes a tree from entries; `mktree` sorts them itself. */
export async function writeTree(cwd: string, entries: TreeEntry[]): Promise<string> {
  const input = entries.map(e => `${e.mode} ${e.type} ${e.oid}\t${e.name}\0`).join('')
  return (await git(cwd, ['mktree', '-z'], { input })).trim()
}

/** Entries with `entry` in place of any entry of the same name. */
export function withEntry(entries: TreeEntry[], entry: TreeEntry): TreeEntry[] {
  return [...entries.filter(e => e.name !== entry.name), entry]
}

/** Writes a file's bytes as they are (`--no-filters`: no attributes, no line-ending conversion) as a blob. */
export async function writeBlobFrom(cwd: string, file: string): Promise<string> {
  return (await git(cwd, ['hash-object', '-w', '--no-filters', '--', file])).trim()
}

export async function readBlobText(cwd: string, oid: string): Promise<string> {
  return git(cwd, ['cat-file', 'blob', oid])
}

export async function writeCommit(
  cwd: string,
  tree: string,
  parent: string | undefined,
  message: string,
  env: Record<string, string>,
): Promise<string> {
  // --no-gpg-sign: commit.gpgSign would otherwise ask for a passphrase on every checkpoint.
  const args = ['commit-tree', '--no-gpg-sign', tree, ...(parent ? ['-p', parent] : []), '-m', message]
  return (await git(cwd, args, { env })).trim()
}

/** The ref moved (or appeared, or vanished) since the caller last read it. */
export class RefMovedError extends Error {
  override name = 'RefMovedError'
}

/**
 * Moves `ref` to `next` (or deletes it when `next` is undefined) only if it still holds
 * `expected` (undefined: only if it does not exist). One `update-ref --stdin` transaction.
 */
export async function updateRef(
  cwd: string,
  ref: string,
  next: string | undefined,
  expected: string | undefined,
  reason: string,
): Promise<void> {
  const change =
    next === undefined
      ? `delete ${ref}${expected ? ` ${expected}` : ''}`
      : expected
        ? `update ${ref} ${next} ${expected}`
        : `create ${ref} ${next}`
  try {
    await git(cwd, ['update-ref', '-m', reason, '--stdin'], { input: `start\n${change}\nprepare\ncommit\n` })
  } catch (error) {
    if (
      /cannot lock ref|unable to resolve reference|reference already exists|but expected/i.test(
        (error as Error).message,
      )
    ) {
      throw new RefMovedError(`${ref} changed meanwhile`)
    }
    throw error
  }
}

/** Points `ref` at `oid` whatever it held (for remote-tracking refs, which mirror the remote). */
export async function forceRef(cwd: string, ref: string, oid: string, reason: string): Promise<void> {
  await git(cwd, ['update-ref', '-m', reason, '--stdin'], { input: `start\nupdate ${ref} ${oid}\nprepare\ncommit\n` })
}

/**
 * Moves the loose objects among `oids` into one new pack, then drops loose copies that a pack holds
 * (`prune-packed` removes only those, which is what `git gc` does). Git writes each object loose
 * and whole; a sync that replaced documents commits its state twice (published, then without the
 * removal list), two states that share almost every line, which a pack stores as one and a delta.
 * Objects already packed are left where they are, so a sync that wrote nothing new packs nothing.
 */
export async function packObjects(cwd: string, objectsDir: string, oids: string[]): Promise<void> {
  const loose = [...new Set(oids)].filter(oid => existsSync(join(objectsDir, oid.slice(0, 2), oid.slice(2))))
  if (loose.length === 0) return
  await git(cwd, ['pack-objects', '-q', join(objectsDir, 'pack', 'pack')], { input: `${loose.join('\n')}\n` })
  await git(cwd, ['prune-packed', '-q'])
}
