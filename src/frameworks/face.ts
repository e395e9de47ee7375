import { createConsoleLogger, type Logger } from '../lib/logger'
import { isDisabled, resolvePluginOptions, type VectornatorPluginOptions } from '../plugin/options'
import { createRunner, type Runner, type SyncTarget } from '../plugin/runner'

/**
 * What a docs framework implies for a site, put under the user's config file and options: the
 * folders its pages come from, and the rules that give a page its `version` and `locale`.
 */
export interface FrameworkDefaults extends VectornatorPluginOptions {}

/** A framework integration: the shared runner, or nothing at all when switched off. */
export interface Face {
  runner: Runner | undefined
  logger: Logger
  /** One sync for the build's rendered pages (absolute paths), each under its route when known. */
  sync(target: Omit<SyncTarget, 'logger'>): Promise<void>
}

/**
 * The part every framework face shares: options checked once, up front (a bad option fails the
 * build before it starts, with the field named); the sync through the bundler plugin's runner,
 * so `failOnError`, the config file and the report behave exactly as they do there.
 */
export function createFace(
  options: VectornatorPluginOptions = {},
  defaults: FrameworkDefaults = {},
  logger?: Logger,
): Face {
  const log = logger ?? createConsoleLogger({ debug: options.debug })
  if (isDisabled(options)) return { runner: undefined, logger: log, async sync() {} }
  const runner = createRunner(options, resolvePluginOptions({ ...defaults, ...options }), defaults)
  return {
    runner,
    logger: log,
    async sync(target) {
      await runner.run({ ...target, logger: log })
    },
  }
}

/** A base path as `/docs/` (or `/`), whatever way the user wrote it. */
export function normalBase(base: string | undefined): string {
  const trimmed = (base ?? '/').replace(/^\/+|\/+$/g, '')
  return trimmed ? `/${trimmed}/` : '/'
}
