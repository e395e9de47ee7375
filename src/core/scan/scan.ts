import { createHash } from 'node:crypto'
import {
  closeSync,
  lstatSync,
  openSync,
  promises as fs,
  readFileSync,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs'
import { isAbsolute, join, relative, sep } from 'node:path'
import pLimit from 'p-limit'
import { loadGitignore } from './gitignore'
import { listFiles } from './walk'
import type { StatCache, StatKey } from './stat-cache'
import { credentialByName, SecretScanner } from './secrets'
import { TextCheck } from './encoding'
import { sortByPath, toPosix } from '../../lib/paths'

export interface LocalFile {
  /** Root-relative POSIX path. */
  path: string
  absPath: string
  size: number
  mtimeMs: number
  /** Lower-case hex SHA-256 of the content. */
  sha256: string
  /** Reads the content when it must be sent; never kept for the whole corpus. */
  read: () => Promise<Buffer>
}

export interface SkippedFile {
  path: string
  reason: string
}

export interface ScanOptions {
  root: string
  include: string[]
  exclude: string[]
  gitignore: boolean
  /**
   * Let `*` and `**` match names that start with a dot, as fast-glob's `dot`. Default false: a
   * dot entry is listed only by a glob that names it (`.github/**\/*.md`).
   */
  dot?: boolean
  /** Files larger than this are skipped with a warning. */
  maxFileBytes: number
  /** Known hashes, reused while a file's stat is unchanged; fresh hashes are recorded in it. */
  cache?: StatCache
  /** Paths let through although they are or hold credentials (the `allowSecrets` option). */
  allowSecret?: (path: string) => boolean
}

export interface ScanResult {
  files: LocalFile[]
  skipped: SkippedFile[]
}

/** True for secrets files, which are never uploaded whatever the globs say. */
export function isSecretPath(path: string): boolean {
  // `.env`, `.env.local`, `.envrc`...: a name starting `.env`, checked in place.
  return path.startsWith('.env', path.lastIndexOf('/') + 1)
}

/**
 * Finds the documents under `root`. Hashes are streamed; contents are read again only for files
 * that are sent, so memory stays flat in the size of the corpus.
 */
export async function scan(options: ScanOptions): Promise<ScanResult> {
  let rootReal: string
  try {
    rootReal = realpathSync.native(options.root)
  } catch (error) {
    return Promise.reject(error)
  }
  // `.env` files are left out by isSecretPath below, credentials by credentialByName (secrets.ts).
  const listing = await listFiles(options.root, rootReal, options.include, options.exclude, options.dot ?? false)
  const entries = listing.paths
  const ignored = options.gitignore ? await loadGitignore(options.root, listing.gitignores) : undefined

  const skipped: SkippedFile[] = []
  const files: LocalFile[] = []
  const allowSecret = options.allowSecret ?? (() => false)
  const toHash: { path: string; base: string; link: boolean; real: string; stat: StatKey }[] = []
  // One lstat per document, synchronous (from the kernel's inode cache a sync call costs a third
  // of a promise): a no-op sync is mostly these, so the loop allocates as little as it can.
  const locate = locator(options.root, rootReal, listing.folders)
  let sinceYield = 0
  let yielded = performance.now()
  for (const path of entries) {
    // A turn of the event loop every few milliseconds: what was started beside the scan (the
    // state's identity, a git process, the store's counts on their way over HTTP, which take a
    // turn for each of connect, write and read) moves on while this thread stats.
    if (++sinceYield === CHECK_CLOCK_EVERY) {
      sinceYield = 0
      if (performance.now() - yielded >= YIELD_AFTER_MS) {
        await new Promise(setImmediate)
        yielded = performance.now()
      }
    }
    if (isSecretPath(path)) continue
    const slash = path.lastIndexOf('/')
    if (ignored?.ignores(path)) continue
    const credential = credentialByName(path)
    if (credential && !allowSecret(path)) {
      skipped.push({ path, reason: secretReason(credential) })
      continue
    }
    const found = locate(path, slash)
    if (found === undefined) continue
    if (found === OUTSIDE) {
      // A link that leads out of the root is never followed: documents come only from the root.
      skipped.push({ path, reason: 'links outside the root' })
      continue
    }
    const stat = found.stat
    if (stat.size === 0) {
      skipped.push({ path, reason: 'empty' })
      continue
    }
    if (stat.size > options.maxFileBytes) {
      skipped.push({ path, reason: `larger than the store's limit (${stat.size} > ${options.maxFileBytes} bytes)` })
      continue
    }
    let cached = options.cache?.lookup(path, stat)
    if (cached === null) {
      skipped.push({ path, reason: 'binary' })
      continue
    }
    // A file found to hold a credential is remembered as such (`!why`), until it changes or is allowed.
    if (cached?.startsWith('!')) {
      const why = cached.slice(1)
      const secret = why.startsWith('holds ')
      if (!secret || !allowSecret(path)) {
        skipped.push({ path, reason: secret ? secretReason(why) : why })
        continue
      }
      cached = undefined
    }
    if (cached) {
      files.push(new ScannedFile(path, found.base, found.link, stat.size, stat.mtimeMs, cached))
      continue
    }
    // What the cache does not know is read: a small file at once, synchronously through one
    // reused buffer (a tenth of the cost of a stream per file); a large one later, streamed.
    const { base, link } = found
    const real = link ? base : `${base}${sep}${path.slice(slash + 1)}`
    const key: StatKey = { size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino }
    if (stat.size <= SYNC_HASH_BYTES) hashed(path, base, link, key, hashFileSync(real))
    else toHash.push({ path, base, link, real, stat: key })
  }

  function hashed(path: string, base: string, link: boolean, stat: StatKey, hash: Hashed): void {
    if (hash.unreadable) {
      // Remembered like a credential: said on each run, read again only once the file changes.
      options.cache?.record(path, stat, `!${hash.unreadable}`)
      skipped.push({ path, reason: hash.unreadable })
      return
    }
    if (hash.secret && !allowSecret(path)) {
      options.cache?.record(path, stat, `!${hash.secret}`)
      skipped.push({ path, reason: secretReason(hash.secret) })
      return
    }
    options.cache?.record(path, stat, hash.binary ? null : hash.sha256)
    if (hash.binary) skipped.push({ path, reason: 'binary' })
    else files.push(new ScannedFile(path, base, link, stat.size, stat.mtimeMs, hash.sha256))
  }
  const limit = pLimit(LARGE_FILES_AT_ONCE)
  await Promise.all(
    toHash.map(({ path, base, link, real, stat }) =>
      limit(async () => hashed(path, base, link, stat, await hashFile(real))),
    ),
  )
  sortByPath(files)
  sortByPath(skipped)
  return { files, skipped }
}

/**
 * A scanned document. Its real path is made when asked for (most documents never are), from
 * its folder's real path and its name; `read` lives on the prototype.
 */
class ScannedFile implements LocalFile {
  constructor(
    readonly path: string,
    /** The real path of the file's folder, or of the file itself when it is a link. */
    private readonly base: string,
    private readonly link: boolean,
    readonly size: number,
    readonly mtimeMs: number,
    readonly sha256: string,
  ) {}

  get absPath(): string {
    return this.link ? this.base : `${this.base}${sep}${this.path.slice(this.path.lastIndexOf('/') + 1)}`
  }

  read(): Promise<Buffer> {
    return readContent(this.absPath, this.size)
  }
}

/** A small file in one synchronous read (a tenth of the cost of fs.promises' open, stat, read, close); a large one asynchronously. */
function readContent(real: string, size: number): Promise<Buffer> {
  if (size > SYNC_HASH_BYTES) return fs.readFile(real)
  try {
    return Promise.resolve(readFileSync(real))
  } catch (error) {
    return Promise.reject(error)
  }
}

const OUTSIDE = Symbol('outside the root')

/**
 * Stats listed files: `{ stat, base }` where `base` is the real path of the file's folder (or,
 * for a file that is itself a link, of the file), OUTSIDE for a link out of the root, undefined
 * for a file that vanished. Folders' real paths come from the walk; consecutive files of one
 * folder (the listing is sorted) reuse its answer without building its name again.
 */
function locator(root: string, rootReal: string, folders: Map<string, string | undefined>) {
  const rootPrefix = rootReal.endsWith(sep) ? rootReal : rootReal + sep
  const inside = (real: string) => real === rootReal || real.startsWith(rootPrefix)
  // Stat through the shortest name: relative to the working folder when the root is in it (the
  // kernel resolves every component of a name).
  const fromCwd = relative(process.cwd(), root)
  const statRoot =
    fromCwd === '' ? '' : !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? `${fromCwd}${sep}` : `${root}${sep}`
  let lastFolder: string | undefined
  let lastReal: string | undefined
  let lastInside = false
  return (path: string, slash: number): { stat: Stats; base: string; link: boolean } | typeof OUTSIDE | undefined => {
    let stat: Stats
    try {
      stat = lstatSync(statRoot === '' ? path : statRoot + path)
    } catch {
      return undefined
    }
    if (stat.isSymbolicLink()) {
      try {
        const real = realpathSync.native(`${root}${sep}${path}`)
        return inside(real) ? { stat: statSync(real), base: real, link: true } : OUTSIDE
      } catch {
        return undefined
      }
    }
    if (lastFolder === undefined || Math.max(slash, 0) !== lastFolder.length || !path.startsWith(lastFolder)) {
      lastFolder = slash < 0 ? '' : path.slice(0, slash)
      lastReal = folders.get(lastFolder)
      if (lastReal === undefined && !folders.has(lastFolder)) {
        try {
          lastReal = realpathSync.native(join(root, lastFolder))
        } catch {
          lastReal = undefined
        }
        folders.set(lastFolder, lastReal)
      }
      lastInside = lastReal !== undefined && inside(lastReal)
    }
    if (lastReal === undefined) return undefined
    return lastInside ? { stat, base: lastReal, link: false } : OUTSIDE
  }
}

/** Files stat'ed between two looks at the clock, and how long the scan keeps the thread at most. */
const CHECK_CLOCK_EVERY = 64
const YIELD_AFTER_MS = 2

/** Files up to this size are hashed synchronously in one read; larger ones are streamed. */
const SYNC_HASH_BYTES = 1024 * 1024
/**
 * Larger files streamed through the hash at once. Local disk work, so a bound of its own, not the
 * `concurrency` option (requests to the store): what that option's default gave before (8 × 2).
 */
const LARGE_FILES_AT_ONCE = 16
const hashBuffer = Buffer.allocUnsafe(64 * 1024)

/**
 * A file's SHA-256; whether it is binary (a NUL in its first 8 KiB); what credential it holds, if
 * any; why the store cannot read it as text (UTF-16, not UTF-8), if it cannot.
 */
export interface Hashed {
  sha256: string
  binary: boolean
  secret?: string
  unreadable?: string
}

/** UTF-16 text has NUL bytes too; it is said as such (TextCheck), not as binary. */
const isUtf16 = (b: Buffer) => (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)

function verdict(sha256: string, secrets: SecretScanner, text: TextCheck): Hashed {
  const unreadable = text.end()
  return {
    sha256,
    binary: false,
    ...(secrets.found ? { secret: secrets.found } : {}),
    ...(unreadable ? { unreadable } : {}),
  }
}

/** The one line said of a file skipped for the credential it holds. */
const secretReason = (why: string) => `${why}: credentials are never uploaded (allowSecrets lets a path through)`

/** hashFile for small files: one synchronous pass through a shared 64 KiB buffer (never more in memory). */
export function hashFileSync(path: string): Hashed {
  const fd = openSync(path, 'r')
  try {
    const hash = createHash('sha256')
    const secrets = new SecretScanner()
    const text = new TextCheck()
    let first = true
    for (let n: number; (n = readSync(fd, hashBuffer, 0, hashBuffer.length, null)) > 0;) {
      if (first) {
        first = false
        if (hashBuffer.subarray(0, Math.min(n, 8192)).includes(0) && !isUtf16(hashBuffer))
          return { sha256: hash.digest('hex'), binary: true }
      }
      hash.update(hashBuffer.subarray(0, n))
      secrets.push(hashBuffer.subarray(0, n))
      text.push(hashBuffer.subarray(0, n))
    }
    return verdict(hash.digest('hex'), secrets, text)
  } finally {
    closeSync(fd)
  }
}

/**
 * Streams the file through SHA-256 and looks for a NUL byte in its first 8 KiB (binary). One
 * 256 KiB buffer is reused for the whole file: a stream's fresh buffer per chunk is garbage that,
 * outside the JS heap, the GC may leave for hundreds of MB.
 */
export async function hashFile(path: string): Promise<Hashed> {
  const hash = createHash('sha256')
  const handle = await fs.open(path, 'r')
  try {
    const buffer = Buffer.allocUnsafe(256 * 1024)
    const secrets = new SecretScanner()
    const text = new TextCheck()
    let first = true
    for (let n: number; (n = (await handle.read(buffer, 0, buffer.length, null)).bytesRead) > 0;) {
      if (first) {
        first = false
        if (buffer.subarray(0, Math.min(n, 8192)).includes(0) && !isUtf16(buffer))
          return { sha256: hash.digest('hex'), binary: true }
      }
      hash.update(buffer.subarray(0, n))
      secrets.push(buffer.subarray(0, n))
      text.push(buffer.subarray(0, n))
    }
    return verdict(hash.digest('hex'), secrets, text)
  } finally {
    await handle.close()
  }
}

export function sha256Hex(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex')
}

/**
 * Local files for paths given outright (files a build emitted), named relative to `root`.
 * Files outside the root, secrets, binaries and empty files are left out, with the reason.
 */
export async function filesFromPaths(
  root: string,
  absPaths: string[],
  maxFileBytes: number,
  allowSecret: (path: string) => boolean = () => false,
): Promise<ScanResult> {
  const rootReal = await fs.realpath(root)
  const files: LocalFile[] = []
  const skipped: SkippedFile[] = []
  const limit = pLimit(32)
  await Promise.all(
    [...new Set(absPaths)].map(abs =>
      limit(async () => {
        let real: string
        try {
          real = await fs.realpath(abs)
        } catch {
          return
        }
        const path = toPosix(relative(rootReal, real))
        if (path.startsWith('..') || isSecretPath(path))
          return void skipped.push({ path: abs, reason: 'outside the root' })
        const stat = await fs.stat(real)
        if (!stat.isFile()) return
        if (stat.size === 0) return void skipped.push({ path, reason: 'empty' })
        if (stat.size > maxFileBytes)
          return void skipped.push({
            path,
            reason: `larger than the store's limit (${stat.size} > ${maxFileBytes} bytes)`,
          })
        const credential = credentialByName(path)
        if (credential && !allowSecret(path)) return void skipped.push({ path, reason: secretReason(credential) })
        const hashed = await hashFile(real)
        if (hashed.binary) return void skipped.push({ path, reason: 'binary' })
        if (hashed.secret && !allowSecret(path)) return void skipped.push({ path, reason: secretReason(hashed.secret) })
        if (hashed.unreadable) return void skipped.push({ path, reason: hashed.unreadable })
        files.push({
          path,
          absPath: real,
          size: stat.size,
          mtimeMs: stat.mtimeMs,
          sha256: hashed.sha256,
          read: () => fs.readFile(real),
        })
      }),
    ),
  )
  sortByPath(files)
  return { files, skipped }
}
