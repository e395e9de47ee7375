import { existsSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import fg from 'fast-glob'
import type { VectornatorPluginOptions } from '../plugin/options'
import { createFace, normalBase } from './face'
import { NUXT_CONTENT } from './folders'
import { nuxtRules, type FrameworkRules } from './rules'

/** The parts of Nuxt (3 and 4) and its Nitro server read here. */
interface NuxtOptions {
  dev: boolean
  _prepare?: boolean
  rootDir: string
  modules: unknown[]
  app: { baseURL?: string }
  vectornator?: VectornatorPluginOptions
  /** @nuxtjs/i18n's options: its module reads them from here, and so does this one. */
  i18n?: { locales?: (string | { code: string })[]; defaultLocale?: string }
}

interface Hooks<T> {
  hook(name: string, fn: (arg: T) => unknown): unknown
}

interface PrerenderRoute {
  route: string
  fileName?: string
  contentType?: string
  error?: unknown
  skip?: boolean
}

interface Nitro {
  options: { output: { publicDir: string } }
  hooks: Hooks<any>
}

interface Nuxt {
  options: NuxtOptions
  hook(name: 'nitro:init', fn: (nitro: Nitro) => unknown): unknown
}

/** Nitro's own pages of a static build: the SPA fallback and the not-found page. */
const FALLBACK_PAGE = /^\/?(?:200|404)\.html$/

const usesContent = (modules: unknown[]) => modules.some(m => (Array.isArray(m) ? m[0] : m) === '@nuxt/content')

/**
 * Nuxt Content's path for a file of content/: `1.guide/2.intro.md` -> `/guide/intro`
 * (order prefixes and `index` dropped), the route its docs templates serve it under.
 */
export function contentPath(relative: string): string {
  const parts = relative
    .replace(/\.(?:md|mdx|mdoc|markdown)$/i, '')
    .split('/')
    .map(p => p.replace(/^\d+\./, ''))
  if (parts[parts.length - 1] === 'index') parts.pop()
  return `/${parts.join('/')}`
}

/** `/docs/` + `/guide/intro` as the site links it. */
const underBase = (base: string, route: string) => (route === '/' ? base : `${base}${route.replace(/^\/+/, '')}`)

async function contentRoutes(root: string, base: string, routes: Map<string, string>): Promise<void> {
  const files = await fg('**/*.{md,mdx,mdoc}', { cwd: join(root, NUXT_CONTENT), onlyFiles: true, suppressErrors: true })
  for (const file of files) routes.set(resolve(root, NUXT_CONTENT, file), underBase(base, contentPath(file)))
}

/**
 * The `locale` rule of a site with @nuxtjs/i18n's `locales`: by each locale's folder of content/
 * and of the prerendered pages (`publicDir`, absolute).
 */
export function nuxtSiteRules(i18n: NuxtOptions['i18n'], root: string, publicDir: string): FrameworkRules {
  const locales = (i18n?.locales ?? [])
    .map(l => (typeof l === 'string' ? l : l?.code))
    .filter((l): l is string => typeof l === 'string' && l !== '')
  const out = relative(root, publicDir).split(sep).join('/')
  return nuxtRules(
    { locales, defaultLocale: i18n?.defaultLocale },
    out && !out.startsWith('..') && !isAbsolute(out) ? out : undefined,
  )
}

/**
 * The Nuxt module: `modules: ['vectornator/nuxt']`, options under the `vectornator` key of
 * nuxt.config (or inline). Syncs once per `nuxt build` or `nuxt generate`, in Nitro's
 * `compiled` hook (the server and the prerendered pages are written; a failed build never gets
 * there), with the documents (Nuxt Content's content/ when it is installed, each under its
 * content path) and, with `assets`, the prerendered HTML pages under their routes (`app.baseURL`
 * included). `nuxt dev` and `nuxt prepare` never sync.
 */
export default async function vectornatorNuxt(inline: VectornatorPluginOptions = {}, nuxt: Nuxt): Promise<void> {
  const { options: config } = nuxt
  if (config.dev || config._prepare) return
  const options = { ...config.vectornator, ...inline }
  const root = config.rootDir
  const content = usesContent(config.modules ?? []) && existsSync(join(root, NUXT_CONTENT))
  const base = normalBase(config.app?.baseURL)

  // Set up once Nitro is: the prerendered pages' folder (the preset's) gives them their locale.
  nuxt.hook('nitro:init', async nitro => {
    const face = createFace(options, {
      root,
      ...(content ? { include: [`${NUXT_CONTENT}/**/*.{md,mdx,mdoc}`], exclude: ['**/_*', '**/_*/**'] } : {}),
      ...nuxtSiteRules(config.i18n, root, nitro.options.output.publicDir),
    })
    // A bad config file fails the build before Nuxt bundles anything.
    await face.runner?.prepare(root)
    const pages: PrerenderRoute[] = []
    nitro.hooks.hook('prerender:route', (route: PrerenderRoute) => {
      if (!route.error && !route.skip && route.fileName?.endsWith('.html') && !FALLBACK_PAGE.test(route.fileName))
        pages.push(route)
    })
    nitro.hooks.hook('compiled', async () => {
      const publicDir = nitro.options.output.publicDir
      const routes = new Map<string, string>()
      const files: string[] = []
      for (const page of pages) {
        const file = resolve(publicDir, page.fileName!.replace(/^\/+/, ''))
        if (routes.has(file)) continue
        files.push(file)
        // The crawler also follows links that already hold the base (`/docs/guide`): one page.
        const route = page.route.startsWith(base) ? `/${page.route.slice(base.length)}` : page.route
        routes.set(file, underBase(base, route))
      }
      if (content) await contentRoutes(root, base, routes)
      await face.sync({ root, outputs: [{ dir: publicDir, files }], routes })
    })
  })
}

/** Nuxt reads a module's name and config key from here. */
vectornatorNuxt.getMeta = () => ({ name: 'vectornator', configKey: 'vectornator' })
