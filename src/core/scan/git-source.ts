import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createHash, type Hash } from 'node:crypto'
import picomatch from 'picomatch'
import { SecretScanner } from './secrets'
import { TextCheck } from './encoding'
import { UsageError } from '../../lib/errors'
import { git, gitEnv, gitErrorLine, resolveName } from '../git/exec'

export interface GitSourceOptions {
  /** Globs (relative to `cwd`) of the files to list; all files when absent. */
  include?: string | string[]
  /** Globs to leave out; a glob matching a folder leaves out everything in it. */
  exclude?: string | string[]
  /** Let `*` and `**` match names starting with a dot, as fast-glob's `dot`. Default false. */
  dot?: boolean
}

export interface GitSourceFile {
  /** POSIX path relative to `cwd`. */
  path: string
  size: number
  /** Lower-case hex SHA-256 of the content. */
  sha256: string
  /** The git blob id. */
  oid: string
  /** What credential the content holds, if any (secrets.ts). */
  secret?: string
  /** Why the store cannot read it as text, if it cannot (encoding.ts). */
  unreadable?: string
  /** The content, read from the object store (never from the work tree). */
  read(): Promise<Buffer>
}

const SYMLINK_MODE = '120000'

/**
 * The documents under `cwd` as they are in `ref` (a commit, branch, tag or tree), read from the
 * object store: the work tree, the index and HEAD are neither read nor changed, so a sync can
 * publish a release tag from a checkout holding other work.
 *
 * One `git cat-file --batch` process streams every blob; each is hashed as it arrives and not kept,
 * and `read()` asks the same process again. Symbolic links and submodules are skipped, as the
 * file scan skips links leaving the root.
 */
export async function listFilesAtRef(
  cwd: string,
  ref: string,
  options: GitSourceOptions = {},
): Promise<GitSourceFile[]> {
  let prefix: string
  try {
    prefix = (await git(cwd, ['rev-parse', '--show-prefix'])).trim()
  } catch (error) {
    throw new UsageError(
      `${cwd} is not inside a git repository (${gitErrorLine(error)}); documents can only be read from a git ref inside one`,
    )
  }
  if (!ref || ref.startsWith('-')) throw new UsageError(`not a git ref: "${ref}"`)
  const tree = await resolveName(cwd, `${ref}^{tree}`)
  if (!tree)
    throw new UsageError(
      `unknown git ref "${ref}": no commit, branch, tag or tree has that name in the repository of ${cwd}`,
    )
  // The folder of cwd inside that tree, by path from the tree's top; absent there: no documents.
  const folder = prefix ? await resolveName(cwd, `${tree}:${prefix.replace(/\/$/, '')}`) : tree
  if (!folder) return []

  // --full-tree: from a subfolder, ls-tree would otherwise also filter by the cwd's own prefix.
  const listing = await git(cwd, ['ls-tree', '-r', '-l', '-z', '--full-tree', folder])
  const select = matcher(options)
  const entries = listing
    .split('\0')
    .filter(Boolean)
    .flatMap(record => {
      const tab = record.indexOf('\t')
      const [mode = '', type = '', oid = '', size = ''] = record.slice(0, tab).split(/ +/)
      const path = record.slice(tab + 1)
      return type === 'blob' && mode !== SYMLINK_MODE && select(path) ? [{ path, oid, size: Number(size) }] : []
    })

  const blobs = new BlobReader(cwd)
  const hashes = new Map<string, Promise<{ sha256: string; secret?: string; unreadable?: string }>>()
  for (const { oid } of entries) {
    if (hashes.has(oid)) continue
    const hash = blobs.sha256(oid)
    hash.catch(() => {}) // awaited below; when one fails the rest must not surface as unhandled
    hashes.set(oid, hash)
  }
  const files: GitSourceFile[] = []
  for (const { path, oid, size } of entries) {
    const { sha256, secret, unreadable } = await hashes.get(oid)!
    files.push({
      path,
      oid,
      size,
      sha256,
      ...(secret ? { secret } : {}),
      ...(unreadable ? { unreadable } : {}),
      read: () => blobs.read(oid),
    })
  }
  return files
}

function matcher(options: GitSourceOptions): (path: string) => boolean {
  const list = (globs?: string | string[]) => (typeof globs === 'string' ? [globs] : (globs ?? [])).filter(Boolean)
  const include = list(options.include)
  const exclude = list(options.exclude)
  const included = include.length ? picomatch(include, { dot: options.dot }) : () => true
  // Excludes also test each parent folder, as fast-glob's `ignore` prunes matching folders.
  const excluded = exclude.length ? picomatch(exclude, { dot: true }) : () => false
  return path => {
    if (!included(path)) return false
    const parts = path.split('/')
    for (let i = 1; i <= parts.length; i++) if (excluded(parts.slice(0, i).join('/'))) return false
    return true
  }
}

interface BlobRequest {
  oid: string
  /** Receives the content in pieces as git sends it. */
  sink: { update(chunk: Buffer): void }
  resolve(): void
  reject(error: Error): void
}

/** After this long without a request the git process is ended (a later request starts another). */
const IDLE_MS = 2_000

/**
 * A `git cat-file --batch` process shared by every blob of one listing. Requests are written as
 * they come and answered in order; replies are parsed from the stream (header line, content,
 * newline), so no blob is held beyond its request. While idle the process does not keep Node alive.
 */
class BlobReader {
  private child?: ChildProcessWithoutNullStreams
  private readonly pending: BlobRequest[] = []
  private buffered: Buffer = Buffer.alloc(0)
  /** Bytes of the current reply's content (plus its newline) still to come; -1 while in a header. */
  private remaining = -1
  private idle?: NodeJS.Timeout
  private stderr = ''

  constructor(private readonly cwd: string) {}

  /** The blob's SHA-256, and the credential it holds (searched as it streams by). */
  sha256(oid: string): Promise<{ sha256: string; secret?: string; unreadable?: string }> {
    const hash: Hash = createHash('sha256')
    const secrets = new SecretScanner()
    const text = new TextCheck()
    return this.request(oid, {
      update: chunk => {
        hash.update(chunk)
        secrets.push(chunk)
        text.push(chunk)
      },
    }).then(() => {
      const unreadable = text.end()
      return {
        sha256: hash.digest('hex'),
        ...(secrets.found ? { secret: secrets.found } : {}),
        ...(unreadable ? { unreadable } : {}),
      }
    })
  }

  read(oid: string): Promise<Buffer> {
    const chunks: Buffer[] = []
    return this.request(oid, { update: chunk => chunks.push(chunk) }).then(() => Buffer.concat(chunks))
  }

  private request(oid: string, sink: BlobRequest['sink']): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const child = this.process()
      clearTimeout(this.idle)
      this.setRef(true)
      this.pending.push({ oid, sink, resolve, reject })
      child.stdin.write(`${oid}\n`)
    })
  }

  private process(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child
    const child = spawn('git', ['cat-file', '--batch'], { cwd: this.cwd, env: gitEnv(), windowsHide: true })
    this.child = child
    this.buffered = Buffer.alloc(0)
    this.remaining = -1
    this.stderr = ''
    child.stdout.on('data', (chunk: Buffer) => this.receive(chunk))
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString()
    })
    child.stdin.on('error', () => {}) // an early exit is reported by 'close' below
    const fail = (reason: string) => {
      if (this.child === child) this.child = undefined
      const error = new Error(`git cat-file --batch ${reason}${this.stderr ? `: ${this.stderr.trim()}` : ''}`)
      for (const request of this.pending.splice(0)) request.reject(error)
    }
    child.on('error', error => fail(`failed to start (${error.message})`))
    child.on('close', code => fail(`ended (exit code ${code})`))
    return child
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk
    while (this.buffered.length && this.pending.length) {
      const request = this.pending[0]!
      if (this.remaining < 0) {
        const end = this.buffered.indexOf(10)
        if (end < 0) return
        const header = this.buffered.subarray(0, end).toString()
        this.buffered = this.buffered.subarray(end + 1)
        const [, type, size] = header.split(' ')
        if (type !== 'blob' || size === undefined) {
          this.pending.shift()
          request.reject(new Error(`git object ${request.oid} could not be read as a blob (${header})`))
          continue
        }
        this.remaining = Number(size) + 1
      }
      const take = Math.min(this.remaining, this.buffered.length)
      // The reply's last byte is git's separator newline, not content.
      const content = this.buffered.subarray(0, Math.min(take, this.remaining - 1))
      if (content.length) request.sink.update(content)
      this.buffered = this.buffered.subarray(take)
      this.remaining -= take
      if (this.remaining > 0) return
      this.remaining = -1
      this.pending.shift()
      request.resolve()
    }
    if (!this.pending.length) this.becomeIdle()
  }

  private becomeIdle(): void {
    clearTimeout(this.idle)
    this.setRef(false)
    this.idle = setTimeout(() => {
      const child = this.child
      this.child = undefined
      child?.stdin.end()
    }, IDLE_MS)
    this.idle.unref()
  }

  /** Keeps Node running while requests wait, and lets it exit while the process is only idle. */
  private setRef(on: boolean): void {
    const child = this.child
    if (!child) return
    for (const handle of [child, child.stdin, child.stdout, child.stderr] as unknown as {
      ref?(): void
      unref?(): void
    }[]) {
      if (on) handle.ref?.()
      else handle.unref?.()
    }
  }
}
