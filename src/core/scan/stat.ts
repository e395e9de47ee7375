/** What the cache compares: the fields of `fs.Stats` that change when content may have changed. */
export interface StatKey {
  size: number
  mtimeMs: number
  ctimeMs: number
  ino: number
}

/** The scanner's view of a stat cache: known hashes in, fresh hashes out. */
export interface StatCache {
  /**
   * The SHA-256 recorded for `path` when its stat is still the one recorded; `null` when it was
   * found binary; undefined when the file must be read.
   */
  lookup(path: string, stat: StatKey): string | null | undefined
  /** Records the hash (or `null`: binary) of a file read with the stat taken *before* reading it. */
  record(path: string, stat: StatKey, sha256: string | null): void
}
