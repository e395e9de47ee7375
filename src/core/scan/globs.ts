import type PicomatchModule from 'picomatch'

type Picomatch = typeof PicomatchModule

/** A folder glob, `**\/<folder>\/**` with literal folder names (every default exclude). */
const FOLDER_GLOB = /^\*\*\/((?:[^*?[\]{}()!+@\\/]+\/)*[^*?[\]{}()!+@\\/]+)\/\*\*$/
/** An extension glob, `**\/*.md` or `**\/*.{md,mdx}` with literal extensions (the default include). */
const EXTENSION_GLOB = /^\*\*\/\*\.(?:\{([\w-]+(?:,[\w-]+)*)\}|([\w-]+))$/

// Without `dot`, a folder glob's `**` must also refuse dot names around the folder: picomatch answers those.
const answeredWithout = (glob: string, dot: boolean) => (dot && FOLDER_GLOB.test(glob)) || EXTENSION_GLOB.test(glob)

let engine: Promise<Picomatch> | undefined

/**
 * The glob engine (picomatch), loaded only for globs the fast paths below do not answer: the
 * default include and excludes never need it, and loading it is a tenth of a no-op sync's
 * start-up.
 */
export async function globEngine(globs: string[], dot = true): Promise<Picomatch | undefined> {
  if (globs.every(glob => answeredWithout(glob, dot))) return undefined
  // `m.default ?? m`: loaders that hand a CommonJS module over as is (jiti, which Docusaurus loads plugins with).
  engine ??= import('picomatch').then(m => (m.default ?? m) as Picomatch)
  return engine
}

/**
 * One test per path for a list of globs, answering as picomatch does with the same `dot`. Folder
 * globs are looked up by path segment (a set of names, or the literal run of names), extension
 * globs by the name's last extension: no dozen alternations of lookaheads run on every path of
 * the corpus. The rest make one expression (for which `engine` must be given).
 */
export function matcher(globs: string[], engine?: Picomatch, dot = true): (path: string) => boolean {
  const names = new Set<string>()
  const runs: string[] = []
  const extensions = new Set<string>()
  const rest: string[] = []
  for (const glob of globs) {
    const folder = FOLDER_GLOB.exec(glob)?.[1]
    const extension = EXTENSION_GLOB.exec(glob)
    if (folder !== undefined && dot) {
      if (folder.includes('/')) runs.push(`/${folder}/`)
      else names.add(folder)
    } else if (extension) {
      for (const ext of (extension[1] ?? extension[2]!).split(',')) extensions.add(ext)
    } else rest.push(glob)
  }
  if (rest.length > 0 && !engine) throw new Error(`glob engine not loaded for ${rest[0]}`)
  const re =
    rest.length > 0 ? new RegExp(rest.map(g => `(?:${engine!.makeRe(g, { dot }).source})`).join('|')) : undefined
  return path => {
    // Without `dot`, `**` and `*` match no name that starts with a dot (`.draft.md`, `.github/x.md`, `.md`).
    if (extensions.size > 0 && (dot || (path.charCodeAt(0) !== 46 && !path.includes('/.')))) {
      const last = path.lastIndexOf('.')
      if (last > path.lastIndexOf('/') && extensions.has(path.slice(last + 1))) return true
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

/**
 * A glob's brace sets expanded into globs, as fast-glob expands them before it matches anything:
 * `{,.}*.md` is `*.md` and `.*.md`, which with `dot` off never match `.md` (one expression for the
 * set would). Nested sets expand too; a set without a comma (`{x}`, a range `{1..3}`) is left to
 * picomatch. Empty results go and doubled slashes collapse, as in fast-glob. An extension glob
 * stays whole: the matcher answers its set by the name's extension.
 */
export function expandBraces(glob: string): string[] {
  if (!glob.includes('{') || EXTENSION_GLOB.test(glob)) return [glob]
  for (let open = glob.indexOf('{'); open >= 0; open = glob.indexOf('{', open + 1)) {
    if (isEscaped(glob, open)) continue
    const commas: number[] = []
    let depth = 0
    let close = -1
    for (let i = open + 1; i < glob.length && close < 0; i++) {
      const ch = glob[i]
      if (ch === '\\') {
        i++
        continue
      }
      if (ch === '{') depth++
      else if (ch === '}') {
        if (depth === 0) close = i
        else depth--
      } else if (ch === ',' && depth === 0) commas.push(i)
    }
    if (close < 0) return [glob]
    if (commas.length === 0) continue
    const head = glob.slice(0, open)
    const tail = glob.slice(close + 1)
    const cuts = [open, ...commas, close]
    const out = new Set<string>()
    for (let k = 0; k + 1 < cuts.length; k++) {
      for (const expanded of expandBraces(head + glob.slice(cuts[k] + 1, cuts[k + 1]) + tail)) {
        const collapsed = expanded.replace(/(?!^)\/{2,}/g, '/')
        if (collapsed) out.add(collapsed)
      }
    }
    return [...out]
  }
  return [glob]
}

const isEscaped = (text: string, at: number) => {
  let slashes = 0
  while (at - slashes - 1 >= 0 && text[at - slashes - 1] === '\\') slashes++
  return slashes % 2 === 1
}

/**
 * Whether an exclude keeps the walk out of the folders it matches, as fast-glob's `ignore` does:
 * one ending in `/**`, or one whose last segment is a plain name (`**\/drafts`, `docs/private`),
 * which leaves out the whole folder of that name although it matches no file in it. (fast-glob's
 * own test for a static name, so that `docs/(old)` prunes as there.)
 */
export function prunesFolders(glob: string): boolean {
  if (glob.endsWith('/**')) return true
  const name = glob.replace(/\/+$/, '').slice(glob.replace(/\/+$/, '').lastIndexOf('/') + 1)
  if (name === '') return false
  return !(
    name.includes('\\') ||
    /[*?]|^!/.test(name) ||
    /\[[^[]*]/.test(name) ||
    /(?:^|[^!*+?@])\([^(]*\|[^|]*\)/.test(name) ||
    /[!*+?@]\([^(]*\)/.test(name) ||
    hasBraceSet(name)
  )
}

function hasBraceSet(name: string): boolean {
  const open = name.indexOf('{')
  if (open < 0) return false
  const close = name.indexOf('}', open + 1)
  return close >= 0 && /,|\.\./.test(name.slice(open, close))
}

/**
 * Whether a glob can match a name starting with a dot when `dot` is off: only by naming the dot
 * itself (`.github/**`, `docs/.vitepress/**`, `**\/.*`), or through a class, an extglob or an
 * escape, which picomatch lets match a leading dot (`[.]github`, `!(x)`). Checked on the text,
 * so it errs towards yes; a no lets the walk skip every dot entry unread.
 */
export function namesDotEntries(glob: string): boolean {
  return /[[(\\]/.test(glob) || /(?:^|[^\w*-])\./.test(glob)
}

/** The folder below which a glob can match at all: `docs/**\/*.md` is walked from docs/ only. */
export function globBase(glob: string, engine?: Picomatch): string {
  if (glob.startsWith('**/') || glob === '**') return ''
  if (!engine) throw new Error(`glob engine not loaded for ${glob}`)
  const scanned = engine.scan(glob)
  const base = scanned.isGlob ? scanned.base : glob.slice(0, Math.max(0, glob.lastIndexOf('/')))
  return base.replace(/\/+$/, '')
}
