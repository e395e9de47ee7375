import { existsSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import type { VectornatorPluginOptions } from '../plugin/options'
import { createFace, normalBase, type Face } from './face'
import { RSPRESS_DOCS } from './folders'
import { rspressRules, type FrameworkRules } from './rules'

/** The parts of Rspress's config and route list read here (Rspress 2). */
interface RspressConfig {
  root?: string
  base?: string
  outDir?: string
  siteOrigin?: string
  route?: { cleanUrls?: boolean }
  /** The default language; Rspress splits no language folder off without it. */
  lang?: string
  locales?: { lang: string }[]
  themeConfig?: { locales?: { lang: string }[] }
  multiVersion?: { default?: string; versions?: string[] }
}

interface RouteMeta {
  routePath: string
  absolutePath: string
}

const DOCUMENT = /\.(?:md|mdx|mdoc)$/i

/** Where Rspress writes a route's page: `/guide/intro` -> guide/intro.html, `/guide/` -> guide/index.html. */
const htmlName = (routePath: string) =>
  `${routePath.endsWith('/') ? `${routePath}index` : routePath}.html`.replace(/^\/+/, '')

/**
 * The link the site writes for a route: under `base`, with `.html` unless `route.cleanUrls`
 * (Rspress's own rule for its links and its canonical URLs).
 */
function linkOf(routePath: string, base: string, cleanUrls: boolean): string {
  const bare = routePath.replace(/^\/+/, '')
  if (bare === '' || bare.endsWith('/')) return `${base}${bare}`
  return `${base}${bare}${cleanUrls ? '' : '.html'}`
}

const toPosix = (p: string) => (sep === '/' ? p : p.split(sep).join('/'))

/** A folder relative to the site, or undefined outside it (rules match root-relative paths). */
function within(root: string, dir: string): string | undefined {
  const rel = toPosix(relative(root, resolve(root, dir))) || '.'
  return rel.startsWith('..') || isAbsolute(rel) ? undefined : rel
}

/** The `version` / `locale` rules of the site's languages and versions, as Rspress reads them. */
export function rspressSiteRules(config: RspressConfig, root: string): FrameworkRules {
  const docs = within(root, config.root ?? RSPRESS_DOCS)
  if (!docs) return {}
  const locales = (config.locales ?? config.themeConfig?.locales ?? []).map(l => l.lang)
  const out = within(root, config.outDir ?? 'doc_build')
  return rspressRules(docs, out === '.' ? undefined : out, {
    locales,
    defaultLocale: config.lang,
    versions: config.multiVersion?.versions,
    defaultVersion: config.multiVersion?.default,
  })
}

/**
 * The Rspress plugin: `plugins: [vectornator()]` in rspress.config. Syncs once per `rspress
 * build`, in `afterBuild` (the pages are rendered; a failed build never gets there), with the
 * documents of the doc root and, with `assets`, the rendered HTML, each under the route Rspress
 * gave it (`base`, `route.cleanUrls` and the locale prefix included). `rspress dev` calls
 * `afterBuild` after each compile too, flagged not production: it never syncs.
 */
export default function vectornatorRspress(options: VectornatorPluginOptions = {}) {
  let face: Face | undefined
  let routes: RouteMeta[] = []
  // The CLI runs in the project folder: the doc root, outDir and the config file are under it.
  const root = process.cwd()

  return {
    name: 'vectornator',
    async config(config: RspressConfig, _utils: unknown, isProd: boolean) {
      if (!isProd) return config
      const docs = toPosix(relative(root, resolve(root, config.root ?? RSPRESS_DOCS))) || '.'
      const origin = config.siteOrigin ? new URL(config.siteOrigin).origin : undefined
      face = createFace(options, {
        root,
        include: [`${docs === '.' ? '' : `${docs}/`}**/*.{md,mdx,mdoc}`],
        // Rspress's own convention: files and folders starting with one `_` are no pages.
        exclude: ['**/_[^_]*', '**/_[^_]*/**'],
        ...(origin ? { baseUrl: origin } : {}),
        ...rspressSiteRules(config, root),
      })
      // A bad config file fails the build before Rspress bundles anything.
      await face.runner?.prepare(root)
      return config
    },
    routeGenerated(generated: RouteMeta[]) {
      routes = generated
    },
    async afterBuild(config: RspressConfig, isProd: boolean) {
      if (!isProd || !face) return
      const base = normalBase(config.base)
      const cleanUrls = config.route?.cleanUrls ?? false
      const outDir = resolve(root, config.outDir ?? 'doc_build')
      const urls = new Map<string, string>()
      const files: string[] = []
      for (const route of routes) {
        const link = linkOf(route.routePath, base, cleanUrls)
        const source = isAbsolute(route.absolutePath) ? route.absolutePath : resolve(root, route.absolutePath)
        if (DOCUMENT.test(source)) urls.set(source, link)
        const html = resolve(outDir, htmlName(route.routePath))
        if (!existsSync(html) || urls.has(html)) continue
        urls.set(html, link)
        files.push(html)
      }
      await face.sync({ root, outputs: [{ dir: outDir, files }], routes: urls })
    },
  }
}
