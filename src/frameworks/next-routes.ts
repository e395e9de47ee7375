import { join, resolve } from 'node:path'
import fg from 'fast-glob'
import { NEXT_FOLDERS } from './folders'
import type { Languages } from './rules'

/** The parts of the resolved next.config read here. */
export interface NextConfig {
  basePath?: string
  trailingSlash?: boolean
  output?: string
  distDir?: string
  i18n?: { locales: string[]; defaultLocale: string } | null
  /** Nextra 4 moves `i18n` here (NEXTRA_LOCALES, a JSON list, `[""]` for none): Next.js's app router has no i18n. */
  env?: Record<string, string | undefined>
}

/** `/guide/intro` under basePath, with the slash trailingSlash gives it. */
export function linkOf(route: string, config: NextConfig): string {
  const base = (config.basePath ?? '').replace(/\/+$/, '')
  const bare = route.replace(/^\/+|\/+$/g, '')
  if (!bare) return `${base}/`
  return `${base}/${bare}${config.trailingSlash ? '/' : ''}`
}

/**
 * The route Next.js (or Nextra's content/ folder) serves a source file under: content/ and
 * pages/ by file path, app/ by the folder of `page.mdx` (route groups `(x)` left out), `index`
 * the folder's own page; `page.fr.mdx` in pages/ is the `fr` locale's (Nextra's pages router).
 */
export function sourceRoute(folder: string, file: string, config: NextConfig): string | undefined {
  const parts = file.replace(/\.(?:md|mdx|mdoc)$/i, '').split('/')
  let locale: string | undefined
  if (folder.endsWith('app')) {
    if (parts.pop() !== 'page') return undefined
  } else {
    const last = parts[parts.length - 1]
    const dot = /^(.*)\.([\w-]+)$/.exec(last)
    if (dot && config.i18n?.locales.includes(dot[2])) {
      parts[parts.length - 1] = dot[1]
      if (dot[2] !== config.i18n.defaultLocale) locale = dot[2]
    }
    if (parts[parts.length - 1] === 'index') parts.pop()
  }
  const path = parts.filter(p => !/^\(.*\)$/.test(p))
  if (locale) path.unshift(locale)
  return `/${path.join('/')}`
}

/** Each source document's route, by absolute path. */
export async function sourceRoutes(root: string, config: NextConfig, routes: Map<string, string>): Promise<void> {
  for (const folder of NEXT_FOLDERS) {
    const files = await fg('**/*.{md,mdx,mdoc}', {
      cwd: join(root, folder),
      onlyFiles: true,
      suppressErrors: true,
      ignore: ['**/_*', '**/_*/**'],
    })
    for (const file of files) {
      const route = sourceRoute(folder, file, config)
      if (route !== undefined) routes.set(resolve(root, folder, file), linkOf(route, config))
    }
  }
}

/** The site's locales: the pages router's `i18n`, else those Nextra was given. */
export function nextLocales(config: NextConfig): Languages {
  if (config.i18n?.locales.length) return { locales: config.i18n.locales, defaultLocale: config.i18n.defaultLocale }
  let nextra: unknown
  try {
    nextra = JSON.parse(config.env?.NEXTRA_LOCALES ?? '[]')
  } catch {
    nextra = []
  }
  const locales = Array.isArray(nextra) ? nextra.filter((l): l is string => typeof l === 'string' && l !== '') : []
  return {
    locales,
    ...(locales.length && config.env?.NEXTRA_DEFAULT_LOCALE ? { defaultLocale: config.env.NEXTRA_DEFAULT_LOCALE } : {}),
  }
}

/**
 * Each rendered page's source: the document served under the same link. Next.js keeps the HTML
 * where its cache wants it (.next/server/route-cache/<hash>/...), no folder a locale could be
 * read from, so a page takes its source's `version` and `locale`.
 */
export function sourcesOf(pages: Map<string, string>, routes: Map<string, string>): Map<string, string> {
  const byLink = new Map([...routes].filter(([file]) => !pages.has(file)).map(([file, link]) => [link, file]))
  const sources = new Map<string, string>()
  for (const [page, link] of pages) {
    const source = byLink.get(link)
    if (source) sources.set(page, source)
  }
  return sources
}

/** What Next.js hands an adapter about a rendered file (a prerender's fallback, an exported file). */
export interface RenderedOutput {
  pathname: string
  filePath?: string
  fallback?: { filePath?: string; initialStatus?: number }
}

/** Next's own pages: no documents. */
const OWN_PAGE = /^\/(?:_not-found|_global-error|_error|404|500)(?:\/|$)/

/**
 * The HTML pages the build rendered, each with its route: the prerenders' HTML (where Next.js
 * keeps them for an adapter) and, for `output: 'export'`, the exported files. Next's own pages
 * (not-found, error) are no documents.
 */
export function renderedPages(outputs: RenderedOutput[], config: NextConfig): Map<string, string> {
  const base = (config.basePath ?? '').replace(/\/+$/, '')
  const pages = new Map<string, string>()
  for (const output of outputs) {
    const file = output.fallback?.filePath ?? output.filePath
    const status = output.fallback?.initialStatus ?? 200
    if (!file?.endsWith('.html') || status !== 200 || pages.has(file)) continue
    let route = output.pathname.replace(/\.html$/, '')
    if (base && (route === base || route.startsWith(`${base}/`))) route = route.slice(base.length) || '/'
    if (OWN_PAGE.test(route)) continue
    pages.set(file, linkOf(route.replace(/\/index$/, '/'), config))
  }
  return pages
}
