import { createHash } from 'node:crypto'
import { createReadStream, existsSync, promises as fs } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import fg from 'fast-glob'
import ignore, { type Ignore } from 'ignore'
import pLimit from 'p-limit'
import { NEVER_INCLUDE } from './options'

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
  /** Files larger than this are skipped with a warning. */
  maxFileBytes: number
  concurrency?: number
  /** Known hashes by path, reused when size and mtime match (a stat cache). */
  cache?: Map<string, { size: number, mtimeMs: number, sha256: string }>
}

export interface ScanResult {
  files: LocalFile[]
  skipped: SkippedFile[]
}

const toPosix = (p: string) => (sep === '/' ? p : p.split(sep).join('/'))

/** True for secrets files, which are never uploaded whatever the globs say. */
export function isSecretPath(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1)
  return base === '.env' || base.startsWith('.env.') || base.startsWith('.env')
}

/**
 * Finds the documents under `root`. Hashes are streamed; contents are read again only for files
 * that are sent, so memory stays flat in the size of the corpus.
 */
export async function scan(options: ScanOptions): Promise<ScanResult> {
  const rootReal = await fs.realpath(options.root)
  const entries = await fg(options.include, {
    cwd: options.root,
    ignore: [...options.exclude, ...NEVER_INCLUDE],
    onlyFiles: true,
    dot: true,
    followSymbolicLinks: true,
    unique: true,
    suppressErrors: true,
  })
  const ignored = options.gitignore ? await loadGitignore(options.root, options.exclude) : undefined

  const skipped: SkippedFile[] = []
  const files: LocalFile[] = []
  const limit = pLimit(options.concurrency ?? 32)
  await Promise.all(entries.sort().map(path => limit(async () => {
    if (isSecretPath(path)) return
    if (ignored?.ignores(path)) return
    const absPath = join(options.root, path)
    let real: string
    try { real = await fs.realpath(absPath) }
    catch { return }
    // A link that leads out of the root is never followed: documents come only from the root.
    if (real !== rootReal && !real.startsWith(rootReal + sep)) {
      skipped.push({ path, reason: 'links outside the root' })
      return
    }
    const stat = await fs.stat(real)
    if (stat.size === 0) return void skipped.push({ path, reason: 'empty' })
    if (stat.size > options.maxFileBytes)
      return void skipped.push({ path, reason: `larger than the store's limit (${stat.size} > ${options.maxFileBytes} bytes)` })
    const cached = options.cache?.get(path)
    let sha256: string
    if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) {
      sha256 = cached.sha256
    }
    else {
      const hashed = await hashFile(real)
      if (hashed.binary) return void skipped.push({ path, reason: 'binary' })
      sha256 = hashed.sha256
    }
    files.push({ path, absPath: real, size: stat.size, mtimeMs: stat.mtimeMs, sha256, read: () => fs.readFile(real) })
  })))
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  skipped.sort((a, b) => (a.path < b.path ? -1 : 1))
  return { files, skipped }
}

/** Streams the file through SHA-256 and looks for a NUL byte in its first 8 KiB (binary). */
export async function hashFile(path: string): Promise<{ sha256: string, binary: boolean }> {
  const hash = createHash('sha256')
  let first = true
  let binary = false
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    if (first) {
      binary = chunk.subarray(0, 8192).includes(0)
      first = false
      if (binary) break
    }
    hash.update(chunk)
  }
  return { sha256: hash.digest('hex'), binary }
}

export function sha256Hex(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex')
}

/**
 * The .gitignore rules that apply under `root`: those of the folders above it up to the
 * repository top, and every nested one, each scoped to its own folder as git does.
 */
async function loadGitignore(root: string, exclude: string[]): Promise<Ignore> {
  const ig = ignore()
  const ancestors: string[] = []
  let dir = root
  while (true) {
    ancestors.unshift(dir)
    if (existsSync(join(dir, '.git'))) break
    const parent = dirname(dir)
    if (parent === dir) { ancestors.splice(0, ancestors.length - 1); break }
    dir = parent
  }
  for (const folder of ancestors.slice(0, -1)) {
    const rules = await readRules(join(folder, '.gitignore'))
    if (!rules) continue
    // Rules of a folder above the root, re-anchored to the root.
    const prefix = toPosix(relative(folder, root))
    for (const rule of rules) {
      const rebased = rebaseRule(rule, prefix)
      if (rebased) ig.add(rebased)
    }
  }
  const nested = await fg('**/.gitignore', { cwd: root, ignore: exclude, dot: true, suppressErrors: true })
  for (const file of nested.sort()) {
    const rules = await readRules(join(root, file))
    if (!rules) continue
    const folder = file.slice(0, -'.gitignore'.length)
    for (const rule of rules) ig.add(folder ? scopeRule(rule, folder) : rule)
  }
  return ig
}

async function readRules(file: string): Promise<string[] | undefined> {
  try {
    return (await fs.readFile(file, 'utf8')).split(/\r?\n/).filter(l => l.trim() && !l.startsWith('#'))
  }
  catch { return undefined }
}

/** A rule of a nested .gitignore applies only under its folder. */
function scopeRule(rule: string, folder: string): string {
  const negate = rule.startsWith('!')
  let body = negate ? rule.slice(1) : rule
  const anchored = body.startsWith('/') || body.slice(0, -1).includes('/')
  body = body.replace(/^\//, '')
  const scoped = anchored ? `${folder}${body}` : `${folder}**/${body}`
  return negate ? `!${scoped}` : scoped
}

/** A rule of a folder above the root, seen from the root (`prefix` is the root's path below it). */
function rebaseRule(rule: string, prefix: string): string | undefined {
  const negate = rule.startsWith('!')
  const body = negate ? rule.slice(1) : rule
  const anchored = body.startsWith('/') || body.slice(0, -1).includes('/')
  if (!anchored) return rule
  const path = body.replace(/^\//, '')
  if (path.startsWith(`${prefix}/`)) return `${negate ? '!' : ''}${path.slice(prefix.length + 1)}`
  return undefined
}

/**
 * Local files for paths given outright (files a build emitted), named relative to `root`.
 * Files outside the root, secrets, binaries and empty files are left out, with the reason.
 */
export async function filesFromPaths(root: string, absPaths: string[], maxFileBytes: number): Promise<ScanResult> {
  const rootReal = await fs.realpath(root)
  const files: LocalFile[] = []
  const skipped: SkippedFile[] = []
  const limit = pLimit(32)
  await Promise.all([...new Set(absPaths)].map(abs => limit(async () => {
    let real: string
    try { real = await fs.realpath(abs) }
    catch { return }
    const path = toPosix(relative(rootReal, real))
    if (path.startsWith('..') || isSecretPath(path)) return void skipped.push({ path: abs, reason: 'outside the root' })
    const stat = await fs.stat(real)
    if (!stat.isFile()) return
    if (stat.size === 0) return void skipped.push({ path, reason: 'empty' })
    if (stat.size > maxFileBytes) return void skipped.push({ path, reason: `larger than the store's limit (${stat.size} > ${maxFileBytes} bytes)` })
    const hashed = await hashFile(real)
    if (hashed.binary) return void skipped.push({ path, reason: 'binary' })
    files.push({ path, absPath: real, size: stat.size, mtimeMs: stat.mtimeMs, sha256: hashed.sha256, read: () => fs.readFile(real) })
  })))
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { files, skipped }
}
