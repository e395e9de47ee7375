import { join, relative, resolve } from 'node:path'
import type { Plugin, ResolvedConfig } from 'vite'
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
  userConfig?: { title?: string, description?: string }
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
  let config: ResolvedConfig | undefined
  let site: VitePressSite | undefined
  let appBuild: { syncAfter?: string } | undefined
  let outputs = new Map<string, Set<string>>()
  let failed = false
  let written = false

  const logger = () => viteLogger(site?.logger ?? config!.logger, runner.settings.core.debug)
  const collected = (): Output[] => [...outputs].map(([dir, files]) => ({ dir, files: [...files] }))
  const reset = () => { outputs = new Map(); failed = false; written = false }

  /** Syncs what the build wrote, unless it failed. */
  async function syncNow(): Promise<void> {
    if (failed) return runner.notice(logger(), 'the build failed: not syncing')
    if (!written) return
    const target = { root: config!.root, logger: logger(), outputs: collected(), outDir: resolve(config!.root, config!.build.outDir) }
    reset()
    await runner.run(target)
  }

  async function syncVitePress(s: VitePressSite): Promise<void> {
    // The HTML VitePress rendered: every page, and the not-found page it always renders (from
    // `404.md` or the theme's), which `assets: true` leaves out and a glob may take.
    const pages = ['404.md', ...s.pages].map(p => join(s.outDir, (s.rewrites.map[p] ?? p).replace(/\.md$/, '.html')))
    const client = outputs.get(s.outDir) ?? new Set()
    const srcDir = relative(s.root, s.srcDir).split('\\').join('/')
    const site = { title: s.userConfig?.title, description: s.userConfig?.description }
    const target = { root: s.root, logger: logger(), outputs: [{ dir: s.outDir, files: [...client, ...pages] }], routePrefixes: srcDir ? [srcDir] : [], outDir: s.outDir, site }
    reset()
    await runner.run(target)
  }

  const main: Plugin = {
    name: 'vectornator',
    apply: 'build',
    // One instance across the environments of a build, so it can sync once after all.
    sharedDuringBuild: true,

    async configResolved(resolved) {
      config = resolved
      const vitepress = (resolved as { vitepress?: VitePressSite }).vitepress
      await runner.prepare(vitepress?.root ?? resolved.root)
      if (!vitepress) return
      site = vitepress
      if (wrappedSites.has(vitepress)) return
      wrappedSites.add(vitepress)
      const userBuildEnd = vitepress.buildEnd
      vitepress.buildEnd = async (s: VitePressSite) => {
        await userBuildEnd?.(s)
        await syncVitePress(s)
      }
    },

    buildApp: {
      order: 'pre',
      async handler() {
        appBuild = {}
        reset()
      },
    },

    buildStart() {
      if (!appBuild && !site) reset()
    },

    buildEnd(error) {
      if (error) failed = true
    },

    renderError() {
      failed = true
    },

    writeBundle(options, bundle) {
      const dir = resolve(options.dir ?? config!.build.outDir)
      const files = outputs.get(dir) ?? new Set()
      for (const name of Object.keys(bundle)) files.add(resolve(dir, name))
      outputs.set(dir, files)
      written = true
      const env = this.environment?.config ?? config!
      if (env.build.watch && !site) runner.rebuilt({ root: config!.root, logger: logger(), outputs: collected() })
    },

    async closeBundle() {
      const env = this.environment?.config ?? config!
      if (site || env.build.watch) return
      if (appBuild) {
        // Vite builds every environment itself when no buildApp built any: sync after the last.
        if (appBuild.syncAfter && this.environment?.name === appBuild.syncAfter) {
          appBuild = undefined
          await syncNow()
        }
        return
      }
      if (env.build.ssr) return runner.notice(logger(), 'SSR build: not syncing (the client build syncs)')
      await syncNow()
    },
  }

  // buildApp hooks of order 'post' run after the configured builder built its environments.
  const afterApp: Plugin = {
    name: 'vectornator:after-build-app',
    apply: 'build',
    sharedDuringBuild: true,
    buildApp: {
      order: 'post',
      async handler(builder) {
        if (!appBuild || config!.build.watch) return
        const environments = Object.values(builder.environments)
        if (!environments.some(e => e.isBuilt)) return void (appBuild.syncAfter = environments.at(-1)?.name)
        appBuild = undefined
        await syncNow()
      },
    },
  }

  return [main, afterApp]
}
