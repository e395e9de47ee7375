import { existsSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import type { VectornatorPluginOptions } from '../plugin/options'
import { createFace, type Face } from './face'
import { DOCUSAURUS_FOLDERS } from './folders'
import { docusaurusRules, type FrameworkRules } from './rules'

/** The parts of Docusaurus's LoadContext and postBuild props read here. */
interface Context {
  siteDir: string
  outDir: string
  baseUrl: string
  siteConfig: { url?: string; trailingSlash?: boolean; title?: string; tagline?: string }
  i18n: { defaultLocale: string; locales: string[]; currentLocale: string }
}

interface Route {
  path: string
  metadata?: { sourceFilePath?: string }
  routes?: Route[]
}

interface PostBuildProps extends Context {
  routes: Route[]
}

/**
 * One build command renders each locale in turn (default first), each with fresh plugin
 * instances: the pages of every locale are gathered here and synced once, after the last.
 */
interface Build {
  face: Face
  pending: Set<string>
  routes: Map<string, string>
  /** Each rendered page's source file, whose path gives the page its version. */
  sources: Map<string, string>
  pages: string[]
  outDir: string
}
const builds: Map<string, Build> = ((globalThis as Record<symbol, unknown>)[Symbol.for('vectornator.docusaurus')] ??=
  new Map()) as Map<string, Build>

/** The locales `docusaurus build` renders: the `--locale` flags, else every configured one. */
function localesBuilt(i18n: Context['i18n']): string[] {
  const asked: string[] = []
  const argv = process.argv
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--locale' || argv[i] === '-l') asked.push(...(argv[i + 1] ?? '').split(','))
    else if (argv[i].startsWith('--locale=')) asked.push(...argv[i].slice(9).split(','))
  }
  const known = asked.filter(l => i18n.locales.includes(l))
  return known.length ? known : i18n.locales
}

/** The HTML file Docusaurus wrote for a route (`/docs/intro` -> docs/intro/index.html or docs/intro.html). */
function pageFile(outDir: string, baseUrl: string, route: string): string | undefined {
  const rel = route.startsWith(baseUrl) ? route.slice(baseUrl.length) : route.replace(/^\/+/, '')
  const candidates =
    rel === '' || rel.endsWith('/') ? [join(rel, 'index.html')] : [`${rel}.html`, join(rel, 'index.html')]
  return candidates.map(c => resolve(outDir, c)).find(existsSync)
}

function* flatten(routes: Route[]): Generator<Route> {
  for (const route of routes) {
    yield route
    if (route.routes) yield* flatten(route.routes)
  }
}

/**
 * The output folder of the default locale, relative to the site: each other locale renders into
 * a folder named for it inside (build/fr/).
 */
function siteOutDir(context: Context): string {
  let out = resolve(context.outDir)
  const { currentLocale, defaultLocale } = context.i18n
  if (currentLocale !== defaultLocale && out.endsWith(`${sep}${currentLocale}`))
    out = out.slice(0, -currentLocale.length - 1)
  return relative(context.siteDir, out).split(sep).join('/')
}

/**
 * What a Docusaurus site implies: its content folders, its origin for the `url` attribute, and
 * the `version` / `locale` rules of its layout (under the user's own, which win).
 */
export function docusaurusDefaults(context: Context): VectornatorPluginOptions & FrameworkRules {
  const origin = context.siteConfig.url?.replace(/\/+$/, '')
  const out = siteOutDir(context)
  return {
    include: DOCUSAURUS_FOLDERS.map(dir => `${dir}/**/*.{md,mdx}`),
    // Docusaurus renders no file or folder whose name starts with `_` (partials).
    exclude: ['**/_*', '**/_*/**'],
    ...(origin ? { baseUrl: origin } : {}),
    ...docusaurusRules(
      context.i18n.defaultLocale,
      existsSync(join(context.siteDir, 'versioned_docs')),
      context.i18n.locales,
      out && !out.startsWith('..') ? out : undefined,
    ),
  }
}

/**
 * The Docusaurus plugin: `plugins: ['vectornator/docusaurus']` (or `['vectornator/docusaurus',
 * options]`). Syncs once per `docusaurus build`, in `postBuild` (pages on disk), with the source
 * documents and, with `assets`, the rendered pages, each under the route Docusaurus gave it
 * (baseUrl, trailingSlash and the locale prefix included). `docusaurus start` and a failed build
 * never reach `postBuild`, so they never sync.
 */
export default async function vectornatorDocusaurus(context: Context, options: VectornatorPluginOptions = {}) {
  const defaults = docusaurusDefaults(context)
  const key = resolve(context.siteDir)
  let build = builds.get(key)
  if (!build || build.pending.size === 0) {
    build = {
      face: createFace(options, { root: context.siteDir, ...defaults }),
      pending: new Set(localesBuilt(context.i18n)),
      routes: new Map(),
      sources: new Map(),
      pages: [],
      outDir: context.outDir,
    }
    builds.set(key, build)
  }
  const current = build
  // A bad config file fails the build before Docusaurus bundles anything.
  await current.face.runner?.prepare(context.siteDir)

  return {
    name: 'vectornator',
    async postBuild(props: PostBuildProps) {
      for (const route of flatten(props.routes)) {
        const source = route.metadata?.sourceFilePath
        const html = pageFile(props.outDir, props.baseUrl, route.path)
        // The default locale renders first: a page a locale does not translate keeps its own route.
        if (source) {
          const file = resolve(context.siteDir, source)
          if (!current.routes.has(file)) current.routes.set(file, route.path)
          if (html) current.sources.set(html, file)
        }
        if (html && !current.routes.has(html)) {
          current.routes.set(html, route.path)
          current.pages.push(html)
        }
      }
      current.pending.delete(props.i18n.currentLocale)
      if (current.pending.size > 0) return
      builds.delete(key)
      await current.face.sync({
        root: context.siteDir,
        outputs: [{ dir: current.outDir, files: current.pages }],
        routes: current.routes,
        sources: current.sources,
        site: { title: context.siteConfig.title, description: context.siteConfig.tagline },
      })
    },
  }
}
