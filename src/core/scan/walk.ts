import { type Dirent, existsSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import { expandBraces, globBase, globEngine, matcher, namesDotEntries, prunesFolders } from './globs'

export interface Listing {
  /** Root-relative POSIX paths of the files the globs select, sorted. */
  paths: string[]
  /** The .gitignore files that can apply to them (root-relative, sorted). */
  gitignores: string[]
  /** Real path of every folder walked, by root-relative path ('' is the root). */
  folders: Map<string, string | undefined>
}

const stripDot = (glob: string) => glob.replace(/^\.\//, '')

/**
 * The files under `root` that `include` selects and `exclude` leaves out, as fast-glob lists them
 * with `{ dot, ignore: exclude, onlyFiles, followSymbolicLinks, unique }` (a name starting with a
 * dot matches only with `dot` or where the glob names the dot; excludes match dot names either
 * way, as fast-glob's `ignore` does; brace sets are expanded first; a folder matched by an
 * exclude ending in `/**` or in a plain name is not entered; `!glob` in include excludes), in one
 * synchronous walk from the globs' static folders.
 * The same walk finds the nested .gitignore files, and knows each folder's real path without a
 * realpath call (only linked folders are resolved).
 */
export async function listFiles(
  root: string,
  rootReal: string,
  include: string[],
  exclude: string[],
  dot: boolean,
): Promise<Listing> {
  const positive = include
    .filter(g => !g.startsWith('!'))
    .map(stripDot)
    .flatMap(expandBraces)
  const negative = [...exclude, ...include.filter(g => g.startsWith('!')).map(g => g.slice(1))]
    .map(stripDot)
    .flatMap(expandBraces)
  const engine = (await globEngine(positive, dot)) ?? (await globEngine(negative))
  const selected = matcher(positive, engine, dot)
  const excluded = matcher(negative, engine)
  // fast-glob keeps out of a folder an exclude ending in `/**` matches (with dot names either way:
  // every file in it is excluded anyway), and out of one an exclude naming it matches
  // (`**/drafts`: then with `dot` as given, so `.x/drafts` is entered when dot is off).
  const prunedAll = matcher(
    negative.filter(g => g.endsWith('/**')),
    engine,
  )
  const byName = negative.filter(g => !g.endsWith('/**') && prunesFolders(g))
  const prunedByName = byName.length > 0 ? matcher(byName, engine, dot) : undefined
  const pruned = prunedByName ? (path: string) => prunedAll(path) || prunedByName(path) : prunedAll
  // No glob can select a dot entry (the default include among them): `.github/`, `.husky/`,
  // `.vscode/` are not even read. A .gitignore is still seen: it applies to its folder's files.
  const skipDotNames = !dot && !positive.some(namesDotEntries)

  // Where each glob can match at all: `docs/**/*.md` is walked from docs/ only.
  const bases = [...new Set(positive.map(glob => globBase(glob, engine)))].sort()
  const roots = bases.filter(b => !bases.some(o => o !== b && (o === '' || b.startsWith(`${o}/`))))

  const paths = new Set<string>()
  const gitignores = new Set<string>()
  const folders = new Map<string, string | undefined>([['', rootReal]])

  const visit = (rel: string, real: string, chain: Set<string>) => {
    let entries: Dirent[]
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      if (skipDotNames && entry.name.charCodeAt(0) === 46 && entry.name !== '.gitignore') continue
      const path = rel ? `${rel}/${entry.name}` : entry.name
      let isDirectory = entry.isDirectory()
      let isFile = entry.isFile()
      // A folder's real path, made only for folders: most entries are files.
      let childReal: string | undefined
      if (entry.isSymbolicLink()) {
        try {
          const target = statSync(join(root, path))
          isDirectory = target.isDirectory()
          isFile = target.isFile()
          if (isDirectory) childReal = realpathSync.native(join(root, path))
        } catch {
          continue
        }
        // A link back to a folder being walked would loop forever: its files are listed already.
        if (childReal !== undefined && chain.has(childReal)) continue
      }
      if (isDirectory) {
        if (pruned(path)) continue
        childReal ??= `${real}${real.endsWith(sep) ? '' : sep}${entry.name}`
        folders.set(path, childReal)
        chain.add(childReal)
        visit(path, childReal, chain)
        chain.delete(childReal)
      } else if (isFile) {
        if (entry.name === '.gitignore') gitignores.add(path)
        if (selected(path) && !excluded(path)) paths.add(path)
      }
    }
  }

  for (const base of roots) {
    // .gitignore files of the folders above a base apply to it too.
    const parts = base ? base.split('/') : []
    let real = rootReal
    let rel = ''
    let reachable = true
    for (const part of parts) {
      if (existsSync(join(root, rel, '.gitignore'))) gitignores.add(rel ? `${rel}/.gitignore` : '.gitignore')
      rel = rel ? `${rel}/${part}` : part
      if (pruned(rel)) {
        reachable = false
        break
      }
      try {
        real = realpathSync.native(join(root, rel))
      } catch {
        reachable = false
        break
      }
      folders.set(rel, real)
    }
    if (!reachable) continue
    visit(base, real, new Set([rootReal, real]))
  }
  return { paths: [...paths].sort(), gitignores: [...gitignores].sort(), folders }
}
