import { isAbsolute } from 'node:path'

/** A heading of `llms.txt` and the documents listed under it. */
export interface LlmsTxtSection {
  /** The `## heading`. */
  title: string
  /**
   * Globs over the documents' paths (relative to the root, as `include`): the pages listed here,
   * in the order of the globs (`['guide/start.md', 'guide/**']` puts the start page first).
   */
  include: string | string[]
}

/** `llmsTxt`: an `llms.txt` (https://llmstxt.org) and an `llms-full.txt` written from the sync state. */
export interface LlmsTxtOptions {
  /** The `# heading`. Default: the framework's site title (VitePress `title`, Docusaurus `title`), else package.json `name`. */
  title?: string
  /** The `> summary` line. Default: the framework's (VitePress `description`, Docusaurus `tagline`), else package.json `description`. */
  description?: string
  /**
   * Headings and the pages under each; a page goes under the first section matching it, and a
   * page no section matches is left out. Default: one section per top folder of the pages' routes.
   */
  sections?: LlmsTxtSection[]
  /** Globs of pages listed last, under `## Optional` (the proposal's section a reader may skip). */
  optional?: string | string[]
  /** Also write `llms-full.txt`, every page's text. Default true. */
  full?: boolean
  /**
   * When pages carry a `locale` attribute: also write `<locale>/llms.txt` (and its
   * `llms-full.txt`) for every other locale. Default false: only the default locale.
   */
  perLocale?: boolean
  /** The default locale. Default: pages without a `locale`, else the locale most pages have. */
  locale?: string
  /** When pages carry a `version` attribute, the one listed. Default: `current`, else `latest`, else the highest. */
  version?: string
}

export interface LlmsTxtSettings {
  title?: string
  description?: string
  sections?: { title: string; include: string[] }[]
  optional: string[]
  full: boolean
  perLocale: boolean
  locale?: string
  version?: string
}

const KEYS = new Set(['title', 'description', 'sections', 'optional', 'full', 'perLocale', 'locale', 'version'])

const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== ''

/** Globs as a list, each relative to the root; problems go into `errors`. */
function globList(value: unknown, field: string, errors: string[]): string[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined
  if (!list || list.length === 0) {
    errors.push(
      `${field} must be a glob or a non-empty list of globs over the documents' paths, got ${JSON.stringify(value)}`,
    )
    return []
  }
  for (const glob of list) {
    if (!isText(glob)) errors.push(`${field} must hold non-empty glob strings, got ${JSON.stringify(glob)}`)
    else if (isAbsolute(glob) || glob.split('/').includes('..'))
      errors.push(`${field} "${glob}" points outside the root: globs are relative to it, e.g. "guide/**"`)
  }
  return list.filter(isText)
}

/**
 * The `llmsTxt` option checked, its problems added to `errors` (reported with the other
 * options'); false when it is off.
 */
export function resolveLlmsTxt(value: unknown, errors: string[], field = 'llmsTxt'): LlmsTxtSettings | false {
  if (value === undefined || value === false) return false
  if (value === true) return { optional: [], full: true, perLocale: false }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push(
      `${field} must be true, false or { title, description, sections, optional, full, perLocale, locale, version }, got ${JSON.stringify(value)}`,
    )
    return false
  }
  const o = value as Record<string, unknown>
  for (const key of Object.keys(o))
    if (!KEYS.has(key)) errors.push(`${field}.${key} is not an option: use one of ${[...KEYS].join(', ')}`)
  for (const key of ['title', 'description', 'locale', 'version'] as const)
    if (o[key] !== undefined && !isText(o[key]))
      errors.push(`${field}.${key} must be a non-empty string, got ${JSON.stringify(o[key])}`)
  if (o.locale !== undefined && isText(o.locale) && !/^[\w-]+$/.test(o.locale))
    errors.push(`${field}.locale must be a locale code such as "en" or "pt-BR", got ${JSON.stringify(o.locale)}`)
  for (const key of ['full', 'perLocale'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'boolean')
      errors.push(`${field}.${key} must be true or false, got ${JSON.stringify(o[key])}`)

  let sections: LlmsTxtSettings['sections']
  if (o.sections !== undefined) {
    if (!Array.isArray(o.sections) || o.sections.length === 0)
      errors.push(`${field}.sections must be a non-empty list of { title, include }, got ${JSON.stringify(o.sections)}`)
    else {
      sections = o.sections.map((s: unknown, i) => {
        const section = (typeof s === 'object' && s !== null ? s : {}) as Partial<LlmsTxtSection>
        if (!isText(section.title))
          errors.push(
            `${field}.sections[${i}].title must be a non-empty string (the ## heading), got ${JSON.stringify(section.title)}`,
          )
        return {
          title: String(section.title ?? '').trim(),
          include: globList(section.include, `${field}.sections[${i}].include`, errors),
        }
      })
    }
  }
  return {
    title: isText(o.title) ? o.title.trim() : undefined,
    description: isText(o.description) ? o.description.trim() : undefined,
    sections,
    optional: o.optional === undefined ? [] : globList(o.optional, `${field}.optional`, errors),
    full: o.full !== false,
    perLocale: o.perLocale === true,
    locale: isText(o.locale) ? o.locale : undefined,
    version: isText(o.version) ? o.version : undefined,
  }
}
