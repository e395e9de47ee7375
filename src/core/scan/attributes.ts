import type { Attributes, AttributeValue, ProviderLimits } from '../../providers/types'
import { ruleKey, ruleValue, type CompiledRule } from './rules'

export interface AttributeSettings {
  baseUrl?: string
  attributes:
    | string[]
    | ((doc: { path: string; frontmatter: Record<string, unknown>; content: string }) => Attributes | undefined)
  /** Leading folder stripped from a path to get its route, e.g. `dist/` for emitted HTML. */
  routePrefixes?: string[]
  /**
   * Routes a docs framework reported for its pages (root-relative path -> site path with the
   * framework's own base, locale and trailing slash); they win over the route guessed from the path.
   */
  routes?: Record<string, string>
  /** The `version` / `locale` rules, compiled once per run. */
  rules?: CompiledRule[]
  /** Rendered pages' sources (root-relative page -> source): a page's rules also try its source's path. */
  sources?: Record<string, string>
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)\s*(?:\r?\n|$)/

/**
 * The YAML parser, loaded on the first page that has front matter: it is the largest module a
 * sync would load, and a no-op sync (or a corpus without front matter) never needs it.
 */
let yaml: Promise<typeof import('confbox/yaml')> | undefined
export const loadYaml = () => (yaml ??= import('confbox/yaml'))

/** Front matter as an object; {} when there is none or it is not valid YAML. */
export async function parseFrontMatter(text: string): Promise<{ data: Record<string, unknown>; body: string }> {
  const match = FRONT_MATTER.exec(text)
  if (!match) return { data: {}, body: text }
  const { parseYAML } = await loadYaml()
  try {
    const data = parseYAML(match[1])
    return {
      data: data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {},
      body: text.slice(match[0].length),
    }
  } catch {
    return { data: {}, body: text.slice(match[0].length) }
  }
}

/**
 * Front matter title, else the first heading (Markdown `#` or HTML `<h1>`/`<title>`), else a home
 * page's hero (VitePress `hero.name`, Starlight `hero.title`), else the file name.
 */
export function titleOf(path: string, text: string, frontmatter: Record<string, unknown>): string {
  if (typeof frontmatter.title === 'string' && frontmatter.title.trim()) return frontmatter.title.trim()
  const heading = /^#{1,6}[ \t]+(.+?)[ \t#]*$/m.exec(text)
  const hero = frontmatter.hero as Record<string, unknown> | undefined
  const heroTitle =
    hero && typeof hero === 'object'
      ? [hero.name, hero.title, hero.text].find(v => typeof v === 'string' && v.trim())
      : undefined
  // A home page's sections (`## Features`) are not its title: the hero is, unless it has an h1.
  if (typeof heroTitle === 'string' && !/^#[ \t]+\S/m.test(text)) return heroTitle.trim()
  if (heading) return heading[1].trim()
  const html = /<title[^>]*>([^<]+)<\/title>/i.exec(text) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(text)
  if (html) return html[1].replace(/<[^>]+>/g, '').trim()
  const base = path.slice(path.lastIndexOf('/') + 1)
  return base.replace(/\.[^.]+$/, '')
}

/**
 * The page's route as docs sites build it: `guide/intro.md` -> `/guide/intro`, `index.md` -> `/`,
 * `guide/index.md` -> `/guide/`, emitted `dist/guide/intro.html` -> `/guide/intro`.
 */
export function routeOf(path: string, prefixes: string[] = []): string {
  let p = path
  for (const prefix of prefixes) {
    const normal = prefix.replace(/\/?$/, '/')
    if (p.startsWith(normal)) {
      p = p.slice(normal.length)
      break
    }
  }
  p = p.replace(/\.(md|mdx|markdown|html?|rst|adoc|txt)$/i, '')
  if (p === 'index' || p === 'README') return '/'
  if (p.endsWith('/index') || p.endsWith('/README')) return `/${p.slice(0, p.lastIndexOf('/') + 1)}`
  return `/${p}`
}

export function urlOf(path: string, settings: Pick<AttributeSettings, 'baseUrl' | 'routePrefixes' | 'routes'>): string {
  const reported = settings.routes?.[path]
  if (reported !== undefined) {
    // A framework's route already holds the site's base path: baseUrl gives only the origin.
    if (!settings.baseUrl || !/^https?:\/\//.test(settings.baseUrl)) return reported
    return new URL(reported, settings.baseUrl).href
  }
  const route = routeOf(path, settings.routePrefixes)
  if (!settings.baseUrl) return route
  return settings.baseUrl.replace(/\/+$/, '') + route
}

function toValue(value: unknown): AttributeValue | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map(String).join(', ')
  return undefined
}

/**
 * Every attribute stored with a document: `path` and `sha256`, `title`, `url`, and the user's.
 * Within the store's limits: long values are cut to the limit; too many keys or too long a key is
 * an error naming the fix (silently dropping a user's attribute would hide it from filters).
 */
export async function buildAttributes(
  doc: { path: string; sha256: string; content: string },
  settings: AttributeSettings,
  limits: Pick<ProviderLimits, 'maxAttributes' | 'maxAttributeKeyLength' | 'maxAttributeValueLength'>,
): Promise<Attributes> {
  const { data, body } = await parseFrontMatter(doc.content)
  const attributes: Attributes = {
    path: doc.path,
    sha256: doc.sha256,
    title: titleOf(doc.path, body, data),
    url: urlOf(doc.path, settings),
  }
  const extra =
    typeof settings.attributes === 'function'
      ? (settings.attributes({ path: doc.path, frontmatter: data, content: doc.content }) ?? {})
      : Object.fromEntries(settings.attributes.map(key => [key, data[key]]))
  for (const [key, raw] of Object.entries(extra)) {
    if (key === 'path' || key === 'sha256') continue
    const value = toValue(raw)
    if (value !== undefined) attributes[key] = value
  }
  for (const rule of settings.rules ?? []) {
    const value = ruleValue(rule, doc.path, data, settings.sources?.[doc.path])
    if (value === undefined) continue
    // Never cut: a shortened value would silently fall out of every filter on it.
    if (value.length > limits.maxAttributeValueLength)
      throw new Error(
        `${doc.path} has a ${rule.name} longer than ${limits.maxAttributeValueLength} characters ("${value.slice(0, 20)}..."): shorten it in its front matter or fix the ${rule.name} patterns`,
      )
    attributes[rule.name] = value
  }
  const keys = Object.keys(attributes)
  if (keys.length > limits.maxAttributes)
    throw new Error(
      `${doc.path} would carry ${keys.length} attributes, the store allows ${limits.maxAttributes}: name fewer in the attributes option`,
    )
  for (const key of keys) {
    if (key.length > limits.maxAttributeKeyLength)
      throw new Error(
        `attribute "${key.slice(0, 20)}..." is longer than ${limits.maxAttributeKeyLength} characters: use a shorter name`,
      )
    const value = attributes[key]
    if (typeof value === 'string' && value.length > limits.maxAttributeValueLength) {
      if (key === 'path')
        throw new Error(
          `${doc.path.slice(0, 40)}... is a path longer than ${limits.maxAttributeValueLength} characters: the store cannot record it`,
        )
      attributes[key] = value.slice(0, limits.maxAttributeValueLength)
    }
  }
  return attributes
}

/** The settings that shape attributes, for the fingerprint. */
export function attributeSettingsKey(settings: AttributeSettings): unknown {
  return {
    baseUrl: settings.baseUrl ?? '',
    attributes: settings.attributes,
    routePrefixes: settings.routePrefixes ?? [],
    ...(settings.routes ? { routes: settings.routes } : {}),
    ...(settings.rules?.length
      ? { rules: settings.rules.map(ruleKey), ...(settings.sources ? { sources: settings.sources } : {}) }
      : {}),
  }
}
