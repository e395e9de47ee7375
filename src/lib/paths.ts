import { sep } from 'node:path'

/** A path with the platform's separators as `/`: the form paths are stored, matched and shown in. */
export const toPosix = (path: string): string => (sep === '/' ? path : path.split(sep).join('/'))

/** Orders paths by code unit, as a plain `sort()` does: the same order on every machine and locale. */
export const comparePaths = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Sorts items with a `path` in place by it (see comparePaths), and returns them. */
export function sortByPath<T extends { path: string }>(items: T[]): T[] {
  return items.sort((a, b) => comparePaths(a.path, b.path))
}
