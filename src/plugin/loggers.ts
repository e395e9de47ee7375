import pc from 'picocolors'
import { type Logger, PREFIX } from '../lib/logger'

/** The subset of Vite's `config.logger` (and VitePress's `siteConfig.logger`) used here. */
export interface ViteLikeLogger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** Through Vite's logger, so `logLevel` and `customLogger` apply to these lines too. */
export function viteLogger(logger: ViteLikeLogger, debug = false): Logger {
  const tag = pc.cyan(PREFIX)
  return {
    info: m => logger.info(`${tag} ${m}`),
    warn: m => logger.warn(`${tag} ${pc.yellow(m)}`),
    error: m => logger.error(`${tag} ${pc.red(m)}`),
    debug: m => {
      if (debug) logger.info(`${tag} ${pc.dim(m)}`)
    },
  }
}

/** Rollup and Rolldown plugin context logging; they add `[plugin vectornator]` themselves. */
export interface RollupLikeContext {
  info(message: string): void
  warn(message: string): void
  debug(message: string): void
}

export function rollupLogger(context: RollupLikeContext): Logger {
  return {
    info: m => context.info(m),
    warn: m => context.warn(m),
    // Rollup's only error log is `this.error`, which throws; the failure policy decides that.
    error: m => context.warn(m),
    debug: m => context.debug(m),
  }
}

/** webpack's and Rspack's infrastructure logger, named `vectornator` (printed `[vectornator]`). */
export interface WebpackLikeLogger {
  info(...args: unknown[]): void
  warn(...args: unknown[]): void
  error(...args: unknown[]): void
  debug(...args: unknown[]): void
}

export function webpackLogger(logger: WebpackLikeLogger): Logger {
  return {
    info: m => logger.info(m),
    warn: m => logger.warn(m),
    error: m => logger.error(m),
    debug: m => logger.debug(m),
  }
}
