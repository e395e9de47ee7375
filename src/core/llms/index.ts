import { promises as fs } from 'node:fs'
import { basename, join, relative } from 'node:path'
import type { Logger } from '../../lib/logger'
import type { ResolvedOptions } from '../options/options'
import type { SyncState } from '../state'
import type { LlmsTxtSettings } from './options'
import { readPages } from './pages'
import { arrange, editions, renderFull, renderIndex, type PathTest, type Site } from './render'
import { toPosix } from '../../lib/paths'
import { plural } from '../../lib/plural'

export type { LlmsTxtOptions, LlmsTxtSection, LlmsTxtSettings } from './options'
export type { Site } from './render'
export { resolveLlmsTxt } from './options'
export { readSyncedState } from '../read-state'

export interface LlmsTxtJob {
  /** The folder the state's paths are relative to. */
  root: string
  /** Where the files go (a build's output folder). */
  outDir: string
  state: SyncState
  settings: LlmsTxtSettings
  /** The framework's site title and description, under the options'. */
  site?: Partial<Site>
  logger: Logger
}

export interface LlmsTxtWritten {
  /** Absolute paths of the files written. */
  files: string[]
  /** Pages listed in the default locale's llms.txt. */
  pages: number
  /** Documents left out of llms-full.txt, and why. */
  stale: { path: string; reason: string }[]
  /** Documents no section takes (only with `sections`). */
  unlisted: string[]
}

/**
 * The settings with the version and locale the options' rules name as their `default` (the ones
 * a search asks for when it names none), where llmsTxt names none itself.
 */
export function withRuleDefaults(
  settings: LlmsTxtSettings,
  options: Pick<ResolvedOptions, 'version' | 'locale'>,
): LlmsTxtSettings {
  return {
    ...settings,
    version: settings.version ?? options.version?.default,
    locale: settings.locale ?? options.locale?.default,
  }
}

/** The site's title and summary: the options', else the framework's, else package.json's, else the folder's name. */
async function siteOf(root: string, settings: LlmsTxtSettings, framework: Partial<Site> = {}): Promise<Site> {
  let pkg: { name?: unknown; description?: unknown } = {}
  if (!settings.title || !settings.description) {
    try {
      pkg = JSON.parse(await fs.readFile(join(root, 'package.json'), 'utf8'))
    } catch {}
  }
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined)
  return {
    title: settings.title ?? text(framework.title) ?? text(pkg.name) ?? basename(root),
    description: settings.description ?? text(framework.description) ?? text(pkg.description),
  }
}

/** A rendered page's `<title>` without the site's name themes add to it (`Tags | Widget docs` is `Tags`). */
function withoutSiteName(page: { path: string; title: string }, siteTitle: string): string {
  if (!/\.html?$/i.test(page.path)) return page.title
  for (const separator of [' | ', ' - ', ' – ', ' — ', ' · ']) {
    const suffix = `${separator}${siteTitle}`
    if (page.title.endsWith(suffix) && page.title.length > suffix.length)
      return page.title.slice(0, -suffix.length).trim()
  }
  return page.title
}

async function globTests(globs: string[]): Promise<PathTest[]> {
  const picomatch = await import('picomatch').then(m => (m.default ?? m) as typeof import('picomatch'))
  return globs.map(glob => picomatch(glob, { dot: true }))
}

const LIST = 10

function listed(
  logger: Logger,
  items: { path: string; reason: string }[],
  line: (item: { path: string; reason: string }) => string,
): void {
  for (const item of items.slice(0, LIST)) logger.warn(line(item))
  if (items.length > LIST) logger.warn(`... and ${items.length - LIST} more`)
}

/**
 * Writes `llms.txt` and `llms-full.txt` (and, with `perLocale`, `<locale>/llms.txt` and
 * `<locale>/llms-full.txt` for every other locale) from the state: the titles and urls are the
 * ones the store holds, the texts those of the files as they were synced.
 */
export async function writeLlmsTxt(job: LlmsTxtJob): Promise<LlmsTxtWritten> {
  const { settings, logger } = job
  // A run with no framework of its own (the CLI) takes the site the last build recorded.
  const site = await siteOf(job.root, settings, job.site ?? job.state.build?.site)
  const { pages, stale } = await readPages(job.root, job.state, settings.full)
  for (const page of pages) page.title = withoutSiteName(page, site.title)
  const sections =
    settings.sections &&
    (await Promise.all(settings.sections.map(async s => ({ title: s.title, tests: await globTests(s.include) }))))
  const optionalTests = settings.optional.length ? await globTests(settings.optional) : undefined
  const optional = optionalTests && ((path: string) => optionalTests.some(t => t(path)))
  if (settings.version && !pages.some(p => p.version === settings.version))
    logger.warn(`llms.txt: no synced page has version "${settings.version}": only pages without a version are listed`)

  const written: LlmsTxtWritten = { files: [], pages: 0, stale: [], unlisted: [] }
  const shown = (file: string) => toPosix(relative(job.root, file)) || file
  for (const edition of editions(pages, settings)) {
    if (edition.locale !== undefined && !/^[\w-]+$/.test(edition.locale)) {
      logger.warn(`llms.txt: locale "${edition.locale}" is not a locale code: no file written for it`)
      continue
    }
    const { sections: arranged, unlisted } = arrange(edition, sections, optional)
    const dir = edition.locale ? join(job.outDir, edition.locale) : job.outDir
    await fs.mkdir(dir, { recursive: true })
    const files = [join(dir, 'llms.txt')]
    await fs.writeFile(files[0], renderIndex(site, arranged))
    if (settings.full) {
      files.push(join(dir, 'llms-full.txt'))
      await fs.writeFile(files[1], renderFull(site, arranged))
    }
    const count = arranged.reduce((n, s) => n + s.pages.length, 0)
    if (edition.locale === undefined) written.pages = count
    const inEdition = new Set(arranged.flatMap(s => s.pages.map(p => p.path)))
    if (settings.full) written.stale.push(...stale.filter(s => inEdition.has(s.path)))
    written.unlisted.push(...unlisted.map(p => p.path))
    written.files.push(...files)
    logger.info(
      `llms.txt: ${plural(count, 'page')} in ${plural(arranged.length, 'section')}, written to ${files.map(shown).join(' and ')}`,
    )
  }
  listed(logger, written.stale, s => `llms-full.txt leaves out ${s.path}: ${s.reason}; sync to include it`)
  if (written.unlisted.length)
    logger.info(
      `llms.txt: ${plural(written.unlisted.length, 'page')} in no section left out (${written.unlisted.slice(0, 3).join(', ')}${written.unlisted.length > 3 ? ', ...' : ''}): add a section for them to list them`,
    )
  return written
}
