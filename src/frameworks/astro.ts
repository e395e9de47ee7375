import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import fg from 'fast-glob'
import type { Logger } from '../lib/logger'
import type { VectornatorPluginOptions } from '../plugin/options'
import { createFace, normalBase, type Face } from './face'
import { ASTRO_FOLDERS } from './folders'
import { starlightRules, type FrameworkRules } from './rules'

/** The parts of Astro's config and integration API read here (Astro 4 and 5). */
interface AstroConfig {
  root: URL
  base: string
  site?: string
  trailingSlash: 'always' | 'never' | 'ignore'
  build: { format: 'directory' | 'file' | 'preserve' }
  outDir: URL
  /** Starlight writes its `locales` here too; `path` is the locale's folder. */
  i18n?: {
    defaultLocale: string
    locales: (string | { path: string; codes: string[] })[]
    routing?: { prefixDefaultLocale?: boolean } | string
  }
}

interface IntegrationLogger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
  debug(message: string): void
}

const asLogger = (l: IntegrationLogger): Logger => ({
  info: m => l.info(m),
  warn: m => l.warn(m),
  error: m => l.error(m),
  debug: m => l.debug(m),
})

/**
 * The `locale` rule of a multilingual site (Starlight's `locales`, or Astro's own `i18n`): each
 * locale's folder under the docs and the pages, and under the output for the rendered pages.
 */
export function astroRules(config: Pick<AstroConfig, 'i18n' | 'outDir'>, root: string): FrameworkRules {
  const i18n = config.i18n
  if (!i18n) return {}
  const entries = i18n.locales.map(l => (typeof l === 'string' ? { path: l, codes: [l] } : l))
  const prefixed = typeof i18n.routing === 'object' && i18n.routing.prefixDefaultLocale === true
  const isDefault = (l: { path: string; codes: string[] }) =>
    l.path === i18n.defaultLocale || l.codes.includes(i18n.defaultLocale)
  const folders = entries.filter(l => prefixed || !isDefault(l)).map(l => l.path)
  const out = relative(root, fileURLToPath(config.outDir)).split(sep).join('/')
  const rules = starlightRules(folders, i18n.defaultLocale, out && !out.startsWith('..') ? out : undefined)
  // Plain Astro sites keep each locale's pages in src/pages/<locale>/.
  if (rules.locale)
    rules.locale.patterns = [...rules.locale.patterns!, ...folders.map(l => `src/pages/{locale:${l}}/**`)]
  return rules
}

/** A page's pathname as Astro gives it (`guide/intro/`, `` for the home page) for a source file. */
function slugOf(relative: string): string {
  const bare = relative.replace(/\.(md|mdx|mdoc|markdoc)$/i, '')
  const path = bare === 'index' ? '' : bare.replace(/\/index$/, '')
  // Astro's and Starlight's slugs are lower-cased, with spaces as dashes.
  return path.toLowerCase().replace(/\s+/g, '-')
}

/** `/docs/guide/intro/` as links on the site write it. */
function routeOf(base: string, pathname: string, config: AstroConfig): string {
  const bare = pathname.replace(/^\/+|\/+$/g, '')
  if (!bare) return base
  const slash =
    config.trailingSlash === 'always' || (config.trailingSlash === 'ignore' && config.build.format === 'directory')
  return `${base}${bare}${slash ? '/' : ''}`
}

/** The HTML file Astro wrote for a page. */
function pageFile(dir: string, pathname: string): string | undefined {
  const bare = pathname.replace(/^\/+|\/+$/g, '')
  const candidates = bare ? [join(bare, 'index.html'), `${bare}.html`] : ['index.html']
  return candidates.map(c => resolve(dir, c)).find(existsSync)
}

/**
 * The Astro integration: `integrations: [vectornator()]` (Starlight sites too). Syncs once per
 * `astro build`, in `astro:build:done` (the prerendered pages are on disk), with the source
 * pages and, with `assets`, the rendered HTML, each under the route the site links it by (its
 * `base` and `trailingSlash` included). `astro dev` and a failed build never sync.
 */
export default function vectornatorAstro(options: VectornatorPluginOptions = {}) {
  let config: AstroConfig | undefined
  let face: Face | undefined
  let root = process.cwd()
  let building = false

  return {
    name: 'vectornator',
    hooks: {
      'astro:config:setup': ({ config: c, command }: { config: AstroConfig; command: string }) => {
        building = command === 'build'
        if (building) root = fileURLToPath(c.root)
      },
      // Set up once the config is final: Starlight writes its locales into Astro's i18n in its own setup.
      'astro:config:done': async ({ config: c, logger }: { config: AstroConfig; logger: IntegrationLogger }) => {
        config = c
        if (!building) return
        const origin = c.site ? new URL(c.site).origin : undefined
        face = createFace(
          options,
          {
            root,
            include: ASTRO_FOLDERS.map(dir => `${dir}/**/*.{md,mdx,mdoc}`),
            exclude: ['**/_*', '**/_*/**'],
            ...(origin ? { baseUrl: origin } : {}),
            ...astroRules(c, root),
          },
          asLogger(logger),
        )
        // A bad config file fails the build before Astro renders anything.
        await face.runner?.prepare(root)
      },
      'astro:build:done': async ({ dir, pages }: { dir: URL; pages: { pathname: string }[] }) => {
        if (!face || !config) return
        const out = fileURLToPath(dir)
        const base = normalBase(config.base)
        const rendered = new Set(pages.map(p => p.pathname.replace(/^\/+|\/+$/g, '')))
        const routes = new Map<string, string>()
        const files: string[] = []
        for (const page of pages) {
          // The not-found page is no document.
          if (/^(?:[\w-]+\/)?404\/?$/.test(page.pathname.replace(/^\/+/, ''))) continue
          const html = pageFile(out, page.pathname)
          if (!html) continue
          files.push(html)
          routes.set(html, routeOf(base, page.pathname, config))
        }
        for (const source of ASTRO_FOLDERS) {
          const docs = await fg('**/*.{md,mdx,mdoc,markdoc}', {
            cwd: join(root, source),
            onlyFiles: true,
            suppressErrors: true,
          })
          for (const doc of docs) {
            const slug = slugOf(doc)
            if (rendered.has(slug)) routes.set(resolve(root, source, doc), routeOf(base, slug, config))
          }
        }
        await face.sync({ root, outputs: [{ dir: out, files }], routes })
      },
    },
  }
}
