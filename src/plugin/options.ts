import { isAbsolute } from 'node:path'
import type { VectornatorOptions } from '../types'
import { UsageError } from '../lib/errors'
import {
  type LlmsTxtOptions,
  type LlmsTxtSettings,
  PLUGIN_DEFAULTS,
  resolveLlmsTxt,
  resolveOptions,
  type ResolvedOptions,
} from '../core'

/** Options of the bundler plugin: everything `sync()` takes, plus when and what to sync. */
export interface VectornatorPluginOptions extends VectornatorOptions {
  /**
   * Switch the plugin off; it becomes a bare no-op plugin. Default true, unless the environment
   * variable `VECTORNATOR_DISABLE` is `1` or `true` (which wins over this option).
   */
  enabled?: boolean
  /**
   * Files the build emitted to sync besides the scanned documents, each under its path relative
   * to the root (e.g. `dist/guide/index.html`, whose `url` is `/guide/`).
   * - `false` (default): none.
   * - `true`: every emitted text page: `.html`, `.htm`, `.md`, `.markdown`, `.txt`, but the
   *   not-found page (`404.html` at the top of the output folder). Scripts, styles, source maps
   *   and JSON manifests are left out: they are not documents.
   * - globs: the emitted files they match, relative to the build's output folder
   *   (`'guide/**\/*.html'` matches `dist/guide/intro.html`, `'**\/*.html'` takes `404.html` too).
   *   As with `include`, names starting with a dot match only with `dot: true` or where the glob
   *   names the dot.
   *
   * Emitted files are read once the build has written them, from the build's own list of
   * emitted files; under VitePress, from the rendered HTML pages.
   */
  assets?: boolean | string | string[]
  /**
   * Sync in watch mode (`vite build --watch`, `rollup -w`, `webpack --watch`, esbuild
   * rebuilds), once changes have settled (debounced, default 1000 ms). Default false: a watch
   * session never syncs. The dev server never syncs.
   */
  watch?: boolean | { debounceMs?: number }
  /**
   * Whether a failed sync (the store unreachable, a document rejected, a failed retrieval
   * check) fails the build. A failed sync is always printed as an error.
   *
   * Default: true when the `CI` environment variable is set, false otherwise. Sentry's and
   * Codecov's plugins log an upload failure and let the build go on: their uploads are
   * diagnostics. Here the store is what users search, so a deploy built in CI must not ship
   * while the store silently keeps the old documents; on a laptop, a store outage should not
   * block work on the site, so there it warns. Set it to override either way.
   */
  failOnError?: boolean
  /**
   * Write `llms.txt` and `llms-full.txt` (https://llmstxt.org) into the build's output folder
   * after the sync, from the sync state: the pages the store holds, under their titles and urls.
   * Default false. See README "llms.txt".
   */
  llmsTxt?: boolean | LlmsTxtOptions
}

export interface PluginSettings {
  /** False when `vectornator.config.*` says `enabled: false` (the option and the env var never get this far). */
  enabled: boolean
  /** The user's options for the core, without the plugin's own. */
  core: VectornatorOptions
  /** `core` resolved, once: every sync of this plugin runs with it (the bundler's logger and llms.txt's excludes added). */
  resolved: ResolvedOptions
  /** Glob patterns over the output folder, or `true` for text pages, or false. */
  assets: false | true | string[]
  watch: false | { debounceMs: number }
  failOnError: boolean
  llmsTxt: false | LlmsTxtSettings
}

type Env = Record<string, string | undefined>

const truthy = (value: string | undefined) => value !== undefined && /^(1|true|yes)$/i.test(value.trim())

/** True when the plugin is switched off by option or by `VECTORNATOR_DISABLE`. */
export function isDisabled(options: VectornatorPluginOptions, env: Env = process.env): boolean {
  return truthy(env.VECTORNATOR_DISABLE) || options.enabled === false
}

/** CI is set by GitHub Actions, GitLab, CircleCI, Travis, Buildkite, Netlify, Vercel... */
export function isCI(env: Env = process.env): boolean {
  const ci = env.CI
  return ci !== undefined && ci !== '' && !/^(0|false)$/i.test(ci)
}

/**
 * Checks and resolves every option once, so a bad option fails the build before it starts, with
 * the field named (the core's checks and the plugin's together). At plugin creation the root is
 * the bundler's, known only later: the current folder stands in for it until then.
 */
export function resolvePluginOptions(
  options: VectornatorPluginOptions = {},
  env: Env = process.env,
  root: string = process.cwd(),
): PluginSettings {
  const {
    enabled = PLUGIN_DEFAULTS.enabled,
    assets = PLUGIN_DEFAULTS.assets,
    watch = PLUGIN_DEFAULTS.watch,
    failOnError,
    llmsTxt,
    ...core
  } = options ?? {}
  const errors: string[] = []
  let resolved: ResolvedOptions | undefined
  try {
    resolved = resolveOptions({ ...core, root: core.root ?? root }, env)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    errors.push(error.message)
  }

  let assetGlobs: PluginSettings['assets'] = false
  if (assets === true) assetGlobs = true
  else if (typeof assets === 'string' || Array.isArray(assets)) {
    assetGlobs = typeof assets === 'string' ? [assets] : assets
    if (assetGlobs.length === 0)
      errors.push('assets is an empty list: give globs over the output folder, true, or false')
    for (const glob of assetGlobs) {
      if (typeof glob !== 'string' || glob.trim() === '')
        errors.push(`assets must hold non-empty glob strings, got ${JSON.stringify(glob)}`)
      else if (isAbsolute(glob.replace(/^!/, '')) || glob.split('/').includes('..'))
        errors.push(
          `assets "${glob}" points outside the output folder: globs are relative to it, e.g. "guide/**/*.html"`,
        )
    }
  } else if (assets !== false)
    errors.push(`assets must be true, false or globs over the output folder, got ${JSON.stringify(assets)}`)

  let watchSetting: PluginSettings['watch'] = false
  if (watch === true) watchSetting = { debounceMs: PLUGIN_DEFAULTS.debounceMs }
  else if (typeof watch === 'object' && watch !== null) {
    const debounceMs = watch.debounceMs ?? PLUGIN_DEFAULTS.debounceMs
    if (!Number.isFinite(debounceMs) || debounceMs < 0)
      errors.push(`watch.debounceMs must be a number of milliseconds, got ${JSON.stringify(watch.debounceMs)}`)
    watchSetting = { debounceMs }
  } else if (watch !== false) errors.push(`watch must be true, false or { debounceMs }, got ${JSON.stringify(watch)}`)

  if (failOnError !== undefined && typeof failOnError !== 'boolean')
    errors.push(`failOnError must be true or false, got ${JSON.stringify(failOnError)}`)

  const llms = resolveLlmsTxt(llmsTxt, errors)

  if (errors.length > 0 || !resolved) throw new UsageError(`[vectornator] ${errors.join('; ')}`)

  return {
    enabled: enabled !== false,
    core,
    resolved,
    assets: assetGlobs,
    watch: watchSetting,
    failOnError: failOnError ?? isCI(env),
    llmsTxt: llms,
  }
}
