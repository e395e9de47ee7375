import { join, relative, resolve } from 'node:path'
import type { Plugin, ResolvedConfig } from 'vite'
import type { Logger } from '../lib/logger'
import { viteLogger, type ViteLikeLogger } from './loggers'
import type { Output, Runner } from './runner'

/** The part of VitePress's site config (`config.vitepress`) the plugin reads. */
interface VitePressSite {
  root: string
  srcDir: string
  outDir: string
  pages: string[]
  rewrites: { map: Record<string, string | undefined> }
  logger: ViteLikeLogger
  buildEnd?: (site: VitePressSite) => unknown
  /** The config file as written (the site data fills in VitePress's own default title). */
  userConfig?: { title?: string; description?: string }
  /** The site's base path (`/` or `/myproj/`). */
  site?: { base?: string }
  /** Pages served without `.html` (VitePress's `cleanUrls`). */
  cleanUrls?: boolean
}

/**
 * A page's route as VitePress links it: the site's base, the page's path after `rewrites`,
 * `index` as its folder, and `.html` unless `cleanUrls`. `guide/intro.md` under base `/kit/` is
 * `/kit/guide/intro.html`, or `/kit/guide/intro` with cleanUrls.
 */
export function vitePressRoute(page: string, s: Pick<VitePressSite, 'rewrites' | 'site' | 'cleanUrls'>): string {
  const base = (s.site?.base ?? '/').replace(/\/?$/, '/')
  const path = (s.rewrites.map[page] ?? page).replace(/\.md$/, '')
  if (path === 'index') return base
  if (path.endsWith('/index')) return base + path.slice(0, -'index'.length)
  return base + path + (s.cleanUrls ? '' : '.html')
}

/** Site configs whose `buildEnd` already syncs: VitePress resolves the Vite config twice. */
const wrappedSites = new WeakSet<object>()

/**
 * Vite: one sync per build command.
 * - `vite build` / `build()`: after the bundle is closed (all outputs written), unless the build
 *   failed, is a watch session, or is a standalone SSR build (the client build syncs).
 * - Environment API (`builder.buildApp()`): the plugin is shared by the environments
 *   (`sharedDuringBuild`); outputs are collected and synced once, after the last one.
 * - VitePress: after its HTML pages are rendered, from the site config's `buildEnd`; its client
 *   and SSR bundles themselves never sync.
 * - Dev server: never (`apply: 'build'`).
 */
export function vitePlugins(runner: Runner): Plugin[] {
  const build = new ViteBuild(runner)
  return [mainPlugin(build), afterAppPlugin(build)]
}

/** What one plugin instance knows of the build in progress. */
class ViteBuild {
  config: ResolvedConfig | undefined
  site: VitePressSite | undefined
  appBuild: { syncAfter?: string } | undefined
  outputs = new Map<string, Set<string>>()
  failed = false
  written = false

  constructor(readonly runner: Runner) {}

  logger(): Logger {
    return viteLogger(this.site?.logger ?? this.config!.logger, this.runner.settings.core.debug)
  }

  collected(): Output[] {
    return [...this.outputs].map(([dir, files]) => ({ dir, files: [...files] }))
  }

  reset(): void {
    this.outputs = new Map()
    this.failed = false
    this.written = false
  }

  /** Syncs what the build wrote, unless it failed. */
  async syncNow(): Promise<void> {
    if (this.failed) return this.runner.notice(this.logger(), 'the build failed: not syncing')
    if (!this.written) return
    const target = {
      root: this.config!.root,
      logger: this.logger(),
      outputs: this.collected(),
      outDir: resolve(this.config!.root, this.config!.build.outDir),
    }
    this.reset()
    await this.runner.run(target)
  }

  async syncVitePress(s: VitePressSite): Promise<void> {
    // The HTML VitePress rendered: every page, and the not-found page it always renders (from
    // `404.md` or the theme's), which `assets: true` leaves out and a glob may take.
    const pages = ['404.md', ...s.pages].map(p => join(s.outDir, (s.rewrites.map[p] ?? p).replace(/\.md$/, '.html')))
    const client = this.outputs.get(s.outDir) ?? new Set()
    const site = { title: s.userConfig?.title, description: s.userConfig?.description }
    // Each page's route, for its source and for the HTML rendered from it.
    const routes = new Map<string, string>()
    for (const page of s.pages) {
      const route = vitePressRoute(page, s)
      routes.set(join(s.srcDir, page), route)
      routes.set(join(s.outDir, (s.rewrites.map[page] ?? page).replace(/\.md$/, '.html')), route)
    }
    const srcDir = relative(s.root, s.srcDir).split('\\').join('/')
    const target = {
      root: s.root,
      logger: this.logger(),
      outputs: [{ dir: s.outDir, files: [...client, ...pages] }],
      routes,
      routePrefixes: srcDir ? [srcDir] : [],
      outDir: s.outDir,
      site,
    }
    this.reset()
    await this.runner.run(target)
  }

  /** VitePress resolves its config twice: its `buildEnd` is wrapped once, to sync after the pages. */
  wrapVitePress(vitepress: VitePressSite): void {
    this.site = vitepress
    if (wrappedSites.has(vitepress)) return
    wrappedSites.add(vitepress)
    const userBuildEnd = vitepress.buildEnd
    vitepress.buildEnd = async (s: VitePressSite) => {
      await userBuildEnd?.(s)
      await this.syncVitePress(s)
    }
  }
}

function mainPlugin(build: ViteBuild): Plugin {
  const { runner } = build
  return {
    name: 'vectornator',
    apply: 'build',
    // One instance across the environments of a build, so it can sync once after all.
    sharedDuringBuild: true,

    async configResolved(resolved) {
      build.config = resolved
      const vitepress = (resolved as { vitepress?: VitePressSite }).vitepress
      await runner.prepare(vitepress?.root ?? resolved.root)
      if (vitepress) build.wrapVitePress(vitepress)
    },

    buildApp: {
      order: 'pre',
      async handler() {
        build.appBuild = {}
        build.reset()
      },
    },

    buildStart() {
      if (!build.appBuild && !build.site) build.reset()
    },

    buildEnd(error) {
      if (error) build.failed = true
    },

    renderError() {
      build.failed = true
    },

    writeBundle(options, bundle) {
      const config = build.config!
      const dir = resolve(options.dir ?? config.build.outDir)
      const files = build.outputs.get(dir) ?? new Set()
      for (const name of Object.keys(bundle)) files.add(resolve(dir, name))
      build.outputs.set(dir, files)
      build.written = true
      const env = this.environment?.config ?? config
      if (env.build.watch && !build.site)
        runner.rebuilt({ root: config.root, logger: build.logger(), outputs: build.collected() })
    },

    async closeBundle() {
      const env = this.environment?.config ?? build.config!
      if (build.site || env.build.watch) return
      if (build.appBuild) {
        // Vite builds every environment itself when no buildApp built any: sync after the last.
        if (build.appBuild.syncAfter && this.environment?.name === build.appBuild.syncAfter) {
          build.appBuild = undefined
          await build.syncNow()
        }
        return
      }
      if (env.build.ssr) return runner.notice(build.logger(), 'SSR build: not syncing (the client build syncs)')
      await build.syncNow()
    },
  }
}

/** buildApp hooks of order 'post' run after the configured builder built its environments. */
function afterAppPlugin(build: ViteBuild): Plugin {
  return {
    name: 'vectornator:after-build-app',
    apply: 'build',
    sharedDuringBuild: true,
    buildApp: {
      order: 'post',
      async handler(builder) {
        if (!build.appBuild || build.config!.build.watch) return
        const environments = Object.values(builder.environments)
        if (!environments.some(e => e.isBuilt)) return void (build.appBuild.syncAfter = environments.at(-1)?.name)
        build.appBuild = undefined
        await build.syncNow()
      },
    },
  }
}
