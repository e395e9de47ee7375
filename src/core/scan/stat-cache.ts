import { createHash } from 'node:crypto'
import { promises as fs, readFileSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { isStateSummary, type StateSummary } from '../state/summary'
import type { StatCache, StatKey } from './stat'

export type { StatCache, StatKey } from './stat'

/** An entry: path, size, mtimeMs, ctimeMs, ino, sha256 (or 0: binary). */
const FIELDS = 6

interface CacheFile {
  vectornator: 'stat-cache'
  version: number
  /**
   * Flat, `[path, ...Entry, path, ...Entry, ...]`: one array of scalars parses in half the time
   * of an object of 7,425 arrays, and is read on every sync.
   */
  entries: (string | number)[]
  /** The last state this root was synced to, summarised (see state/summary). */
  state?: StateSummary
}

// 3: files are also searched for credentials when hashed (a `!why` entry): older entries never were.
const VERSION = 3

/**
 * A file changed less than this long before it was hashed could change again within the same
 * timestamp tick (coarse kernel clocks; FAT keeps 2 s) and keep its stat: such "racily clean"
 * entries (git's term) are not recorded, so the next sync hashes them again.
 */
export const RACY_MS = 3000

/**
 * Where the cache lives: never in the metadata branch, and never in a repository's work tree
 * (vectornator leaves the user's tree as it found it), so inside a repository it goes in the git
 * directory, keyed by the root; outside one, in `.vectornator/` beside the file state.
 */
export function statCachePath(root: string): string {
  const gitDir = findGitDir(root)
  if (!gitDir) return join(root, '.vectornator', 'cache.json')
  const key = createHash('sha256').update(resolve(root)).digest('hex').slice(0, 16)
  return join(gitDir, 'vectornator', `stat-cache-${key}.json`)
}

/** The git directory of the repository holding `dir` (a `.git` folder, or a worktree's `gitdir:` file), without running git. */
function findGitDir(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const dotGit = join(current, '.git')
    try {
      if (statSync(dotGit).isDirectory()) return dotGit
      const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))
      if (pointer) return resolve(current, pointer[1].trim())
    } catch {}
    if (dirname(current) === current) return undefined
  }
}

const IGNORE_FILE = '# Written by vectornator: the local stat cache is never committed.\ncache.json\n.gitignore\n'

/**
 * A stat cache kept in one JSON file: a no-op sync stats each document instead of reading and
 * hashing it. It is only ever a shortcut, never a source of truth:
 *
 * - an entry is used only while size, mtime, ctime and inode are all unchanged; ctime is set by
 *   the kernel on every write and cannot be set back (`touch -d`, `tar`, `rsync -t` restore mtime
 *   only), and a copied or re-checked-out file has a new inode;
 * - racily clean entries are never recorded (see RACY_MS);
 * - a missing, unreadable, corrupt or other-version cache is an empty one, and is replaced;
 * - it holds stat data, meaningless on another machine, so it stays local (its folder ignores it
 *   for git) and never enters the sync state.
 */
export class FileStatCache implements StatCache {
  /** Offsets of the loaded entries used; entries hashed in this scan (flat, as in the file). */
  private readonly hits: number[] = []
  private fresh: (string | number)[] = []
  /** Path to its offset in `loaded`. */
  private readonly index = new Map<string, number>()
  private changed = false

  private constructor(
    readonly file: string,
    private readonly loaded: (string | number)[],
    private summary: StateSummary | undefined,
  ) {
    for (let i = 0; i + FIELDS <= loaded.length; i += FIELDS) {
      const path = loaded[i]
      if (typeof path === 'string') this.index.set(path, i)
    }
  }

  static async load(file: string): Promise<FileStatCache> {
    let entries: (string | number)[] = []
    let summary: StateSummary | undefined
    try {
      // Synchronous: one read of a file every sync needs before it can start.
      const data = JSON.parse(readFileSync(file, 'utf8')) as CacheFile
      if (data?.vectornator === 'stat-cache' && data.version === VERSION && Array.isArray(data.entries)) {
        entries = data.entries
        if (isStateSummary(data.state)) summary = data.state
      }
    } catch {}
    return new FileStatCache(file, entries, summary)
  }

  /** The summary of the state last synced from this root, if one was recorded. */
  get state(): StateSummary | undefined {
    return this.summary
  }

  /** Records the summary of the state this root is now synced to (written by save()). */
  set state(summary: StateSummary) {
    if (this.summary && JSON.stringify(this.summary) === JSON.stringify(summary)) return
    this.summary = summary
    this.changed = true
  }

  /** The file's SHA-256 while its stat is unchanged; null for a binary file; `!why` for one not sent (see scan.ts). */
  lookup(path: string, stat: StatKey): string | null | undefined {
    const i = this.index.get(path)
    const e = this.loaded
    if (
      i === undefined ||
      e[i + 1] !== stat.size ||
      e[i + 2] !== stat.mtimeMs ||
      e[i + 3] !== stat.ctimeMs ||
      e[i + 4] !== stat.ino
    )
      return undefined
    const hash = e[i + 5]
    // A length check, not a pattern: this runs once per document on every sync. `!why`: a file
    // found unfit to send (a credential, text the store cannot read), said again without a read.
    if (hash !== 0 && (typeof hash !== 'string' || (hash.length !== 64 && hash.charCodeAt(0) !== 33))) return undefined
    this.hits.push(i)
    return hash === 0 ? null : hash
  }

  record(path: string, stat: StatKey, sha256: string | null, now = Date.now()): void {
    this.changed = true
    if (now - Math.max(stat.mtimeMs, stat.ctimeMs) < RACY_MS) return
    this.fresh.push(path, stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, sha256 ?? 0)
  }

  /**
   * Writes the entries this scan used or made (atomically), when they or the state summary differ
   * from the loaded ones: entries of files gone or no longer selected are dropped.
   */
  async save(): Promise<boolean> {
    if (!this.changed && this.hits.length === this.index.size) return false
    const freshPaths = new Set<string | number>()
    for (let i = 0; i < this.fresh.length; i += FIELDS) freshPaths.add(this.fresh[i]!)
    let entries: (string | number)[] = []
    for (const i of this.hits) {
      if (!freshPaths.has(this.loaded[i]!)) entries.push(...this.loaded.slice(i, i + FIELDS))
    }
    entries = entries.concat(this.fresh)
    const text = JSON.stringify({
      vectornator: 'stat-cache',
      version: VERSION,
      entries,
      state: this.summary,
    } satisfies CacheFile)
    const dir = dirname(this.file)
    await fs.mkdir(dir, { recursive: true })
    // Beside the file state (outside a repository) the folder keeps the cache out of any commit;
    // in the git directory there is nothing to ignore.
    if (basename(dir) === '.vectornator')
      await fs.writeFile(join(dir, '.gitignore'), IGNORE_FILE, { flag: 'wx' }).catch(() => {})
    const temp = `${this.file}.${process.pid}.${Date.now()}.tmp`
    try {
      await fs.writeFile(temp, text)
      await fs.rename(temp, this.file)
    } catch (error) {
      await fs.rm(temp, { force: true }).catch(() => {})
      throw error
    }
    this.changed = false
    return true
  }
}
