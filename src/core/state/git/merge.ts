import type { FileState, SyncState } from '../types'

/**
 * The merge used when two machines recorded the same key concurrently and the engine gave no
 * `reconcile`. Three-way, per path, against `base` (the state both started from):
 * - a side that left a path as it was in `base` takes the other side's version (so a deletion
 *   on one side wins over an untouched entry on the other);
 * - both changed it: the entry with the later `uploadedAt` wins (ties go to `mine`);
 *   when one side deleted it and the other re-uploaded it, the live entry wins.
 * The losing side's file stays in the store untracked; `vectornator prune` removes it.
 * Top-level fields come from `mine`, `lastSync` is the later one, journals are joined.
 */
export function mergeStates(base: SyncState | undefined, theirs: SyncState, mine: SyncState): SyncState {
  const baseFiles = base?.files ?? {}
  const paths = new Set([...Object.keys(baseFiles), ...Object.keys(theirs.files), ...Object.keys(mine.files)])
  const files: Record<string, FileState> = {}
  for (const path of paths) {
    const entry = mergeEntry(baseFiles[path], theirs.files[path], mine.files[path])
    if (entry) files[path] = entry
  }
  const journal = joinJournals(theirs, mine)
  return {
    ...theirs,
    ...mine,
    lastSync: later(theirs.lastSync, mine.lastSync),
    files,
    ...(journal ? { journal } : {}),
  }
}

function mergeEntry(base?: FileState, theirs?: FileState, mine?: FileState): FileState | undefined {
  if (same(theirs, mine)) return mine
  if (same(mine, base)) return theirs
  if (same(theirs, base)) return mine
  if (!theirs || !mine) return theirs ?? mine
  return later(theirs.uploadedAt, mine.uploadedAt) === mine.uploadedAt ? mine : theirs
}

function same(a?: FileState, b?: FileState): boolean {
  return canonical(a) === canonical(b)
}

/** JSON with object keys sorted: two machines may write the same entry's fields in another order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v)
}

/** The later of two ISO times; an empty or invalid one loses. */
function later(a: string, b: string): string {
  const ta = Date.parse(a)
  const tb = Date.parse(b)
  if (Number.isNaN(ta)) return b
  if (Number.isNaN(tb)) return a
  return tb >= ta ? b : a
}

function joinJournals(theirs: SyncState, mine: SyncState): SyncState['journal'] {
  if (!theirs.journal && !mine.journal) return undefined
  const seen = new Set<string>()
  return [...(theirs.journal ?? []), ...(mine.journal ?? [])].filter((entry) => {
    const id = JSON.stringify(entry)
    if (seen.has(id)) return false
    seen.add(id)
    return true
  })
}
