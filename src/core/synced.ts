import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { lstat, readFile, realpath } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { FileState } from './state/types'
import { credentialByName, secretInText } from './scan/secrets'
import { uploadText } from './run/context'
import type { LocalFile } from './scan/scan'
import { git, gitEnv } from './git/exec'

/**
 * A document read exactly as the sync state records it, for whatever publishes or serves it
 * (llms-full.txt, the MCP server): never another version of it, never a file outside the root,
 * never a credential.
 */

/** Why a document was not read as synced; `stale` when a newer sync may have it. */
export type NotSyncedKind =
  | 'outside the root'
  | 'a link out of the root'
  | 'too large'
  | 'not text'
  | 'a credential'
  | 'holds a secret'
  | 'changed'

export class NotAsSynced extends Error {
  override name = 'NotAsSynced'
  constructor(
    readonly kind: NotSyncedKind,
    /** What was found: the credential or secret named, or where the synced copy was looked for. */
    readonly detail: string,
    /** With `changed`: no copy in the work tree at all. */
    readonly gone = false,
  ) {
    super(`${kind}: ${detail}`)
  }
  get stale(): boolean {
    return this.kind === 'changed'
  }
}

export interface SyncedCopy {
  /** The bytes that were synced. */
  content: Buffer
  /** The text the store read: MDX and Markdoc converted as a sync converts them, else the bytes. */
  text: string
  converted: boolean
  /** Where the synced copy was found. */
  from: 'work-tree' | 'git'
  /** The commit it was read from, with `from: 'git'`. */
  commit?: string
}

export interface SyncedReadOptions {
  /** The paths `allowSecrets` lets through (read as they were synced); default none. */
  allowSecret?: Promise<(path: string) => boolean>
  /** Larger copies are refused. Default: no limit. */
  maxBytes?: number
}

const sha256 = (content: Buffer) => `sha256:${createHash('sha256').update(content).digest('hex')}`

/**
 * The work tree's copy, when it is a regular file inside the root: the path is resolved through
 * every link, of the file or of a folder above it, and one leading out of the root is refused.
 */
async function workTreeCopy(root: string, path: string, maxBytes: number): Promise<Buffer | undefined> {
  const [target, top] = await Promise.all([realpath(join(root, path)).catch(() => undefined), realpath(root)])
  if (!target) return undefined
  const rel = relative(top, target)
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new NotAsSynced('a link out of the root', 'a symbolic link (or lies under one) leading out of the root')
  const info = await lstat(target).catch(() => undefined)
  if (!info?.isFile()) return undefined
  if (info.size > maxBytes) throw new NotAsSynced('too large', `larger than ${maxBytes} bytes`)
  return readFile(target)
}

/** One blob's bytes from git, or undefined when `name` names none (a commit this clone lacks). */
function gitBlob(cwd: string, name: string, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise(resolve => {
    const child = spawn('git', ['cat-file', 'blob', name], {
      cwd,
      env: gitEnv(),
      windowsHide: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    const out: Buffer[] = []
    let size = 0
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) child.kill()
      else out.push(chunk)
    })
    child.on('error', () => resolve(undefined))
    child.on('close', code => resolve(code === 0 ? Buffer.concat(out) : undefined))
  })
}

/** A state's path that leads out of the root (`../x.md`, an absolute path): never read. */
function outsideRoot(root: string, path: string): boolean {
  const rel = relative(root, resolve(root, path))
  return isAbsolute(path) || rel === '' || rel.startsWith('..') || isAbsolute(rel)
}

/** Reads documents of one root as they were synced; keeps the root's place in its repository. */
export class SyncedReader {
  private prefix?: Promise<string | undefined>
  private readonly allowSecret: Promise<(path: string) => boolean>
  private readonly maxBytes: number

  constructor(
    private readonly root: string,
    options: SyncedReadOptions = {},
  ) {
    this.allowSecret = options.allowSecret ?? Promise.resolve(() => false)
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
  }

  /** The root's folder inside its git repository (`docs/` or empty); undefined outside one. */
  private gitPrefix(): Promise<string | undefined> {
    this.prefix ??= git(this.root, ['rev-parse', '--show-prefix']).then(
      p => p.trim(),
      () => undefined,
    )
    return this.prefix
  }

  /**
   * The document exactly as `entry` records it: the work tree's copy when its SHA-256 is the
   * entry's, else, given the commit the sync read, that commit's copy when it is; throws a
   * NotAsSynced otherwise. A credential (by name or by content) is refused unless allowed.
   */
  async read(path: string, entry: FileState, commit?: string): Promise<SyncedCopy> {
    if (outsideRoot(this.root, path)) throw new NotAsSynced('outside the root', 'a path leading out of the root')
    const allowed = (await this.allowSecret)(path)
    const credential = allowed ? undefined : credentialByName(path)
    if (credential) throw new NotAsSynced('a credential', credential)
    const own = await workTreeCopy(this.root, path, this.maxBytes)
    if (own && sha256(own) === entry.hash) return this.copy(path, own, 'work-tree', undefined, allowed)
    const prefix = commit ? await this.gitPrefix() : undefined
    const committed =
      commit && prefix !== undefined ? await gitBlob(this.root, `${commit}:${prefix}${path}`, this.maxBytes) : undefined
    if (committed && sha256(committed) === entry.hash) return this.copy(path, committed, 'git', commit, allowed)
    const where = commit
      ? `the work tree's copy differs from the synced one, and commit ${commit.slice(0, 12)} the sync read ${committed ? 'holds another version' : prefix === undefined ? 'is not in a repository here' : 'does not hold it (or is not in this clone)'}`
      : `the work tree's copy ${own ? 'differs from the synced one' : 'is gone'}, and the sync recorded no commit to read it from`
    throw new NotAsSynced('changed', where, !own)
  }

  private copy(
    path: string,
    content: Buffer,
    from: SyncedCopy['from'],
    commit: string | undefined,
    allowed: boolean,
  ): SyncedCopy {
    if (content.includes(0)) throw new NotAsSynced('not text', 'not a text document')
    // Never a credential, even one a state written before these checks (or by hand) names.
    const secret = allowed ? undefined : secretInText(content.toString('latin1'))
    if (secret) throw new NotAsSynced('holds a secret', secret)
    // The same conversion the sync applies before upload, so the text matches what search found.
    const uploaded = uploadText({ path } as LocalFile, content)
    return {
      content,
      text: (uploaded ?? content).toString('utf8'),
      converted: uploaded !== undefined,
      from,
      ...(commit ? { commit } : {}),
    }
  }
}
