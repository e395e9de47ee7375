import type { LlmsTxtSettings } from './options'
import type { Page } from './pages'
import { withoutTitle } from './text'

export interface Site {
  title: string
  description?: string
}

export interface Section {
  title: string
  pages: Page[]
}

/** One pair of files: the default locale's (`locale` undefined) or another locale's. */
export interface Edition {
  locale?: string
  pages: Page[]
}

const natural = new Intl.Collator('en', { numeric: true })

/**
 * The version listed: the option, else `current`, else `latest`; else, when some pages carry no
 * version, none (those pages are the current docs); else the highest.
 */
export function chosenVersion(pages: Page[], settings: Pick<LlmsTxtSettings, 'version'>): string | undefined {
  if (settings.version) return settings.version
  const versions = [...new Set(pages.map(p => p.version).filter((v): v is string => v !== undefined))]
  if (versions.length === 0) return undefined
  for (const name of ['current', 'latest']) if (versions.includes(name)) return name
  if (pages.some(p => p.version === undefined)) return undefined
  return versions.sort(natural.compare).at(-1)
}

/**
 * The pages of the version listed (pages with no version, a blog or a landing page, belong to
 * every version), split by locale: the default locale first, then, with `perLocale`, the others.
 */
export function editions(all: Page[], settings: Pick<LlmsTxtSettings, 'version' | 'locale' | 'perLocale'>): Edition[] {
  const version = chosenVersion(all, settings)
  const pages = all.filter(p => p.version === undefined || p.version === version)
  const counts = new Map<string, number>()
  for (const p of pages) if (p.locale !== undefined) counts.set(p.locale, (counts.get(p.locale) ?? 0) + 1)
  if (counts.size === 0) return [{ pages }]
  const unlocalised = pages.some(p => p.locale === undefined)
  const fallback = [...counts].sort((a, b) => b[1] - a[1] || natural.compare(a[0], b[0]))[0][0]
  const main = settings.locale ?? (unlocalised ? undefined : fallback)
  const result: Edition[] = [{ pages: pages.filter(p => p.locale === undefined || p.locale === main) }]
  if (!settings.perLocale) return result
  for (const locale of [...counts.keys()].sort(natural.compare)) {
    if (locale === main) continue
    result.push({ locale, pages: pages.filter(p => p.locale === locale) })
  }
  return result
}

const humanised = (folder: string) => {
  let name = folder
  try {
    name = decodeURIComponent(folder)
  } catch {}
  const words = name.replace(/[-_]+/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** The route's parts without the locale's own folder (`/docs/fr/guide/x` in the `fr` edition is `docs/guide/x`). */
function segments(page: Page, locale: string | undefined): string[] {
  const parts = page.route.split('/').filter(Boolean)
  const at = locale ? parts.indexOf(locale) : -1
  if (at >= 0) parts.splice(at, 1)
  return parts
}

/** The folders of a page's route: `/guide/setup` and `/guide/` are both in `guide`. */
function foldersOf(page: Page, locale: string | undefined): string[] {
  const parts = segments(page, locale)
  return page.route.endsWith('/') ? parts : parts.slice(0, -1)
}

/**
 * The folder each page is grouped under by default: the first folder of its route below the
 * folders every page shares (a site whose pages all sit under `/docs/` is grouped by what is in
 * `/docs/`); '' for the pages at that top.
 */
function folderOfEach(pages: Page[], locale: string | undefined): Map<Page, string> {
  const folders = new Map(pages.map(p => [p, foldersOf(p, locale)]))
  let common = 0
  const first = folders.get(pages[0]) ?? []
  while (common < first.length && [...folders.values()].every(f => f[common] === first[common])) common++
  return new Map([...folders].map(([p, f]) => [p, f[common] ?? '']))
}

/** By route, numbers in order (`2-setup` before `10-faq`); a folder's index page, a prefix of its pages' routes, comes first. */
function byRoute(a: Page, b: Page): number {
  return natural.compare(a.route, b.route) || natural.compare(a.path, b.path)
}

export type PathTest = (path: string) => boolean

/**
 * The edition's pages under their headings, in a stable order. With `sections` each page goes
 * under the first one matching it, in the order of that section's globs; the rest are returned
 * as `unlisted`. Without, one section per folder: top pages first (`Pages`), then by folder.
 * Pages `optional` matches come last, under `Optional`.
 */
export function arrange(
  edition: Edition,
  sections: { title: string; tests: PathTest[] }[] | undefined,
  optional: PathTest | undefined,
): { sections: Section[]; unlisted: Page[] } {
  const later: Page[] = []
  const rest: Page[] = []
  for (const page of edition.pages) (optional?.(page.path) ? later : rest).push(page)
  const result: Section[] = []
  const unlisted: Page[] = []
  if (sections) {
    const placed = sections.map(s => ({ title: s.title, pages: [] as { page: Page; rank: number }[] }))
    for (const page of rest) {
      const at = sections.findIndex(s => s.tests.some(t => t(page.path)))
      if (at < 0) unlisted.push(page)
      else placed[at].pages.push({ page, rank: sections[at].tests.findIndex(t => t(page.path)) })
    }
    for (const s of placed)
      result.push({
        title: s.title,
        pages: s.pages.sort((a, b) => a.rank - b.rank || byRoute(a.page, b.page)).map(p => p.page),
      })
  } else {
    const folders = new Map<string, Page[]>()
    const folderOf = folderOfEach(rest, edition.locale)
    for (const page of rest) {
      const folder = folderOf.get(page)!
      const list = folders.get(folder)
      if (list) list.push(page)
      else folders.set(folder, [page])
    }
    for (const folder of [...folders.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : natural.compare(a, b))))
      result.push({ title: folder === '' ? 'Pages' : humanised(folder), pages: folders.get(folder)!.sort(byRoute) })
  }
  if (later.length) result.push({ title: 'Optional', pages: later.sort(byRoute) })
  return { sections: result.filter(s => s.pages.length > 0), unlisted }
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()
const linkText = (title: string) => oneLine(title).replace(/([[\]\\])/g, '\\$1')
const linkTarget = (url: string) => url.replace(/ /g, '%20').replace(/\(/g, '%28').replace(/\)/g, '%29')

function header(site: Site): string {
  return `# ${oneLine(site.title)}\n${site.description ? `\n> ${oneLine(site.description)}\n` : ''}`
}

/** `llms.txt`: the title, the summary, then each section's links, a page's description after its link. */
export function renderIndex(site: Site, sections: Section[]): string {
  const parts = [header(site)]
  for (const section of sections) {
    const lines = section.pages.map(
      p => `- [${linkText(p.title)}](${linkTarget(p.url)})${p.description ? `: ${oneLine(p.description)}` : ''}`,
    )
    parts.push(`## ${oneLine(section.title)}\n\n${lines.join('\n')}\n`)
  }
  return parts.join('\n')
}

/** `llms-full.txt`: every page's text in the order of llms.txt, each under its title and url. */
export function renderFull(site: Site, sections: Section[]): string {
  const parts = [header(site)]
  for (const page of sections.flatMap(s => s.pages)) {
    if (page.text === undefined) continue
    const body = withoutTitle(page.text, page.title)
    parts.push(`# ${oneLine(page.title)}\n\nSource: ${page.url}\n${body ? `\n${body}\n` : ''}`)
  }
  return parts.join('\n---\n\n')
}
