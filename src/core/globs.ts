import type PicomatchModule from 'picomatch'

type Picomatch = typeof PicomatchModule

/** A folder glob, `**\/<folder>\/**` with literal folder names (every default exclude). */
const FOLDER_GLOB = /^\*\*\/((?:[^*?[\]{}()!+@\\/]+\/)*[^*?[\]{}()!+@\\/]+)\/\*\*$/
/** An extension glob, `**\/*.md` or `**\/*.{md,mdx}` with literal extensions (the default include). */
const EXTENSION_GLOB = /^\*\*\/\*\.(?:\{([\w-]+(?:,[\w-]+)*)\}|([\w-]+))$/

const answeredWithout = (glob: string) => FOLDER_GLOB.test(glob) || EXTENSION_GLOB.test(glob)

let engine: Promise<Picomatch> | undefined

/**
 * The glob engine (picomatch), loaded only for globs the fast paths below do not answer: the
 * default include and excludes never need it, and loading it is a tenth of a no-op sync's
 * start-up.
 */
export async function globEngine(globs: string[]): Promise<Picomatch | undefined> {
  if (globs.every(answeredWithout)) return undefined
  // `m.default ?? m`: loaders that hand a CommonJS module over as is (jiti, which Docusaurus loads plugins with).
  engine ??= import('picomatch').then(m => (m.default ?? m) as Picomatch)
  return engine
}

/**
 * One test per path for a list of globs, answering as picomatch does with `dot: true`. Folder
 * globs are looked up by path segment (a set of names, or the literal run of names), extension
 * globs by the name's last extension: no dozen alternations of lookaheads run on every path of
 * the corpus. The rest make one expression (for which `engine` must be given).
 */
export function matcher(globs: string[], engine?: Picomatch): (path: string) => boolean {
  const names = new Set<string>()
  const runs: string[] = []
  const extensions = new Set<string>()
  const rest: string[] = []
  for (const glob of globs) {
    const folder = FOLDER_GLOB.exec(glob)?.[1]
    const extension = EXTENSION_GLOB.exec(glob)
    if (folder !== undefined) {
      if (folder.includes('/')) runs.push(`/${folder}/`)
      else names.add(folder)
    }
    else if (extension) {
      for (const ext of (extension[1] ?? extension[2]!).split(',')) extensions.add(ext)
    }
    else rest.push(glob)
  }
  if (rest.length > 0 && !engine) throw new Error(`glob engine not loaded for ${rest[0]}`)
  const re = rest.length > 0 ? new RegExp(rest.map(g => `(?:${engine!.makeRe(g, { dot: true }).source})`).join('|')) : undefined
  return (path) => {
    if (extensions.size > 0) {
      const dot = path.lastIndexOf('.')
      if (dot > path.lastIndexOf('/') && extensions.has(path.slice(dot + 1))) return true
    }
    if (names.size > 0) {
      for (let start = 0; ;) {
        const end = path.indexOf('/', start)
        if (names.has(end < 0 ? path.slice(start) : path.slice(start, end))) return true
        if (end < 0) break
        start = end + 1
      }
    }
    if (runs.length > 0) {
      const wrapped = `/${path}/`
      for (const run of runs) if (wrapped.includes(run)) return true
    }
    return re !== undefined && re.test(path)
  }
}

/** The folder below which a glob can match at all: `docs/**\/*.md` is walked from docs/ only. */
export function globBase(glob: string, engine?: Picomatch): string {
  if (glob.startsWith('**/') || glob === '**') return ''
  if (!engine) throw new Error(`glob engine not loaded for ${glob}`)
  const scanned = engine.scan(glob)
  const base = scanned.isGlob ? scanned.base : glob.slice(0, Math.max(0, glob.lastIndexOf('/')))
  return base.replace(/\/+$/, '')
}
