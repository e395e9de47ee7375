import { relative, resolve, sep } from 'node:path'
import fg from 'fast-glob'
import type { SyncResult } from '../types'
import type { Logger } from '../lib/logger'
import { errorMessage, SyncError } from '../lib/errors'
import {
  createVectornator,
  identityLine,
  openProject,
  type Project,
  nothingToSyncInCI,
  PLAN_LIST_LIMIT,
  planLines,
  type ResolvedOptions,
  summaryLine,
  type Vectornator,
  DEFAULT_EXCLUDE,
} from '../core'
import { isCI, type PluginSettings, resolvePluginOptions, type VectornatorPluginOptions } from './options'
import { excludeWritten, type SyncOutcome, writeBuildLlmsTxt } from './llms'

/** One output folder of a build and the files the build wrote into it (absolute paths). */
export interface Output {
  dir: string
  files: string[]
}

/** What a bundler face hands over once its output is on disk. */
export interface SyncTarget {
  /** The bundler's root (Vite's `root`, webpack's `context`, the working folder); the user's `root` wins. */
  root: string
  logger: Logger
  outputs: Output[]
  /** More leading folders to strip from paths for the `url` attribute (VitePress's srcDir). */
  routePrefixes?: string[]
  /** Routes of pages by absolute path, from a docs framework that knows them. */
  routes?: Map<string, string>
  /** The source file each rendered page was made from, by absolute path (its version and locale rules try it). */
  sources?: Map<string, string>
  /** Where llms.txt goes (option `llmsTxt`); default the first output's folder. */
  outDir?: string
  /** The framework's site title and description, for llms.txt. */
  site?: { title?: string; description?: string }
}

/**
 * A framework's default globs are written from its own folder (`from`); a config file above it
 * makes another folder the root (`to`), and the globs then start with the way down to `from`.
 */
function rebased(defaults: VectornatorPluginOptions, from: string, to: string | undefined): VectornatorPluginOptions {
  const base = resolve(defaults.root ?? from)
  const down = to ? toPosix(relative(to, base)) : ''
  if (!down || down.startsWith('..')) return defaults
  const under = (globs: string | string[] | undefined) =>
    globs === undefined
      ? undefined
      : (Array.isArray(globs) ? globs : [globs]).map(g => (g.startsWith('**/') ? g : `${down}/${g}`))
  return definedOnly({
    ...defaults,
    root: undefined,
    include: under(defaults.include),
    exclude: under(defaults.exclude),
  })
}

/** Pages worth a place in a vector store when `assets: true`. */
const TEXT_PAGE = /\.(?:html?|md|markdown|txt)$/i
/**
 * The not-found page static hosts serve for a missing path (VitePress, GitHub Pages, Netlify...
 * all look for it at the top of the output): it says nothing about the site, so `assets: true`
 * leaves it out. A glob that matches it takes it.
 */
const NOT_FOUND_PAGE = /^404\.html?$/i

const definedOnly = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

const toPosix = (p: string) => (sep === '/' ? p : p.split(sep).join('/'))

/** Emitted files the `assets` option selects; `dot` as for the documents' globs. */
async function selectAssets(assets: PluginSettings['assets'], outputs: Output[], dot: boolean): Promise<string[]> {
  if (!assets) return []
  const picked: string[] = []
  for (const { dir, files } of outputs) {
    if (assets === true) {
      picked.push(
        ...files.filter(f => {
          const path = toPosix(relative(dir, f))
          // `.vite/` holds Vite's manifests, never pages.
          return TEXT_PAGE.test(path) && !path.startsWith('.vite/') && !NOT_FOUND_PAGE.test(path)
        }),
      )
      continue
    }
    // Globs are matched against the folder as written, then kept to what this build emitted,
    // so leftovers of earlier builds in the folder are never synced.
    const emitted = new Set(files)
    const matched = await fg(assets, { cwd: dir, absolute: true, dot, onlyFiles: true, suppressErrors: true })
    picked.push(...matched.filter(f => emitted.has(f)))
  }
  return picked
}

function report(result: SyncResult, logger: Logger): void {
  if (result.dryRun) {
    logger.info(`dry run: the plan below is not applied (nothing sent, no state written)`)
    for (const line of planLines(result)) logger.info(line)
  }
  for (const f of result.failed.slice(0, PLAN_LIST_LIMIT)) logger.warn(`failed ${f.path}: ${f.error}`)
  if (result.failed.length > PLAN_LIST_LIMIT)
    logger.warn(`... and ${result.failed.length - PLAN_LIST_LIMIT} more failed`)
  logger.info(summaryLine(result))
}

/** Why a sync that returned still counts as failed, if it does. */
function problemOf(result: SyncResult): string | undefined {
  if (result.failed.length)
    return `${result.failed.length} document${result.failed.length === 1 ? '' : 's'} could not be synced (${result.failed[0].path}: ${result.failed[0].error})`
  if (result.checks?.failed)
    return `${result.checks.failed} retrieval check${result.checks.failed === 1 ? '' : 's'} failed (${result.checks.file})`
  return undefined
}

/**
 * The plugin's one piece of behaviour shared by every bundler: read `vectornator.config.*`, run
 * a sync for a build's output, report it through the bundler's logger, and apply the failure
 * policy. The faces (vite.ts, rollup.ts, webpack.ts, esbuild.ts) only decide *when* to call it.
 */
export class Runner {
  private current: PluginSettings
  private readonly configs = new Map<string, Promise<Project<PluginSettings>>>()
  private project: Project<PluginSettings> | undefined
  private readonly notices = new Set<string>()
  private chain: Promise<unknown> = Promise.resolve()
  private timer: NodeJS.Timeout | undefined
  private pending: SyncTarget | undefined

  constructor(
    private readonly options: VectornatorPluginOptions,
    private readonly initial: PluginSettings,
    private readonly defaults: VectornatorPluginOptions = {},
  ) {
    this.current = initial
  }

  /** The settings in force: the plugin's options over the config file's, once it is read. */
  get settings(): PluginSettings {
    return this.current
  }

  /**
   * Reads `vectornator.config.*` from the root (the `root` option, else the bundler's), under
   * the plugin's options, which win as the CLI's flags do. Called by each face as its build
   * starts, so a bad config file fails the build before it bundles anything; once per root.
   */
  prepare = async (bundlerRoot: string): Promise<void> => {
    // A relative `root` option is the current folder's, as the core resolves it.
    const given = this.initial.core.root === undefined ? undefined : resolve(this.initial.core.root)
    const root = given ?? resolve(bundlerRoot)
    let opening = this.configs.get(root)
    if (!opening) {
      opening = openProject({ cwd: root, root: given, overrides: { ...this.options, root: given } }, found =>
        // A docs framework's defaults (its folders, its base) sit under the config file and the options.
        // Without a config file, the options resolved at the plugin's start for this root are the ones.
        !found.configFile && this.initial.resolved.root === root
          ? this.initial
          : resolvePluginOptions(
              { ...rebased(this.defaults, root, found.root), ...definedOnly(found.config) },
              process.env,
              root,
            ),
      )
      this.configs.set(root, opening)
    }
    this.project = await opening
    this.current = this.project.settings
  }

  /** One sync; runs after any sync still in flight (the core also locks, this keeps logs in order). */
  run = (target: SyncTarget): Promise<SyncResult | undefined> => {
    const next = this.chain.then(() => this.sync(target))
    this.chain = next.catch(() => {})
    return next
  }

  /**
   * Watch mode: with `watch` on, syncs the latest outputs once rebuilds have settled; a
   * failure is printed, never thrown. With `watch` off, says once that it will not sync.
   */
  rebuilt = (target: SyncTarget): void => {
    const { settings } = this
    if (!settings.enabled) return
    if (!settings.watch)
      return this.notice(target.logger, 'watch mode: not syncing (set `watch: true` to sync after rebuilds)')
    this.pending = target
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      const latest = this.pending!
      this.pending = undefined
      this.chain = this.chain.then(() => this.sync(latest, false)).catch(() => {})
    }, settings.watch.debounceMs)
  }

  /** A reason not to sync, printed once per plugin instance. */
  notice = (logger: Logger, message: string): void => {
    if (this.notices.has(message)) return
    this.notices.add(message)
    ;(this.settings.core.logger ?? logger).info(message)
  }

  /**
   * Runs one sync for the outputs. A failure is always printed; it is thrown (failing the
   * build) only when `failOnError` is on and `mayThrow` (a watch rebuild has nothing to fail).
   */
  private async sync(target: SyncTarget, mayThrow = true): Promise<SyncResult | undefined> {
    await this.prepare(target.root)
    const { settings } = this
    if (!settings.enabled)
      return void this.notice(target.logger, 'switched off by the config file (enabled: false): not syncing')
    const logger = settings.core.logger ?? target.logger
    // The project as the CLI sees it too: a sync that found another config or state shows it here.
    if (settings.core.debug && this.project)
      await this.project.identity().then(
        identity => logger.debug(identityLine(identity)),
        () => {},
      )
    let message = ''
    let synced: SyncResult | undefined
    const made: { vn?: Vectornator } = {}
    const build = { outDir: target.outDir ?? target.outputs[0]?.dir, site: target.site }
    const llms = (outcome: SyncOutcome) =>
      made.vn && writeBuildLlmsTxt(settings, made.vn, build, outcome, logger, mayThrow)
    try {
      const result = await this.syncOutputs(target, logger, made)
      if (!result) return undefined
      report(result, logger)
      const problem = problemOf(result)
      if (problem) message = problem
      else synced = result
    } catch (error) {
      message = errorMessage(error)
    }
    if (synced) {
      await llms(synced.dryRun ? 'dry run' : 'synced')
      return synced
    }
    logger.error(`sync failed: ${message}`)
    if (settings.failOnError && mayThrow)
      throw new SyncError(
        `[vectornator] sync failed: ${message} (failOnError is on, so the build fails; the store keeps its previous documents)`,
      )
    logger.warn(
      `${mayThrow ? 'the build goes on because failOnError is off' : 'the watch goes on'}: the store keeps its previous documents until a sync succeeds`,
    )
    await llms('failed')
    return undefined
  }

  /** The core's sync of the documents, with the emitted files `assets` selects and their routes. */
  private async syncOutputs(
    target: SyncTarget,
    logger: Logger,
    made: { vn?: Vectornator },
  ): Promise<SyncResult | undefined> {
    const { settings } = this
    const root = settings.core.root ?? target.root
    const outDirs = target.outputs.map(o => toPosix(relative(root, o.dir))).filter(d => d && !d.startsWith('..'))
    const routePrefixes = [...new Set([...outDirs, ...(target.routePrefixes ?? [])])]
    const routes =
      target.routes &&
      Object.fromEntries([...target.routes].map(([file, route]) => [toPosix(relative(root, file)), route]))
    const sources =
      target.sources &&
      Object.fromEntries(
        [...target.sources].map(([page, source]) => [toPosix(relative(root, page)), toPosix(relative(root, source))]),
      )
    // llms.txt written where the globs reach is never synced back as a document.
    const written = excludeWritten(settings, root, target.outDir ?? target.outputs[0]?.dir)
    const exclude = written ?? settings.core.exclude
    const resolved = {
      ...settings.resolved,
      logger,
      exclude: written ? [...DEFAULT_EXCLUDE, ...written] : settings.resolved.exclude,
    }
    const vn = createVectornator(
      { ...settings.core, root, logger, exclude },
      {
        routePrefixes,
        routes,
        sources,
        site: target.site,
        emitted: settings.assets ? () => selectAssets(settings.assets, target.outputs, vn.options.dot) : undefined,
      },
      resolved,
    )
    const skip = nothingToSyncInCI(vn.options, isCI())
    if (skip) return void this.notice(logger, skip)
    made.vn = vn
    return vn.sync()
  }
}

export function createRunner(
  options: VectornatorPluginOptions,
  initial: PluginSettings,
  defaults: VectornatorPluginOptions = {},
): Runner {
  return new Runner(options, initial, defaults)
}
