import { dirname, resolve } from 'node:path'
import type { OnEndResult, PluginBuild } from 'esbuild'
import { createConsoleLogger } from '../lib/logger'
import { errorMessage } from '../lib/errors'
import type { Runner } from './runner'

/**
 * esbuild: at the end of the first build of this plugin's setup (`onEnd`), when it has no
 * errors and wrote its output (`write: false` writes nothing, so nothing syncs). The emitted
 * files come from the metafile, switched on when `assets` asks for them. The later builds of a
 * context (`watch()`, `rebuild()`, `serve()`) sync only with `watch`. esbuild has no logger for
 * plugins' notes, so they go to stderr, prefixed; a failure that fails the build is returned to
 * esbuild as a build error.
 */
export function esbuildSetup(runner: Runner) {
  return async (build: PluginBuild): Promise<void> => {
    const options = build.initialOptions
    const cwd = options.absWorkingDir ?? process.cwd()
    await runner.prepare(cwd)
    const logger = createConsoleLogger({ debug: runner.settings.core.debug })
    if (runner.settings.assets) options.metafile = true
    let builds = 0

    build.onEnd(async (result): Promise<OnEndResult | undefined> => {
      builds++
      if (result.errors.length) return void runner.notice(logger, 'the build failed: not syncing')
      if (options.write === false) return void runner.notice(logger, 'write: false, nothing is on disk: not syncing')
      const dir = resolve(cwd, options.outdir ?? (options.outfile ? dirname(options.outfile) : '.'))
      const files = Object.keys(result.metafile?.outputs ?? {}).map(f => resolve(cwd, f))
      const target = { root: cwd, logger, outputs: [{ dir, files }] }
      if (builds > 1) return void runner.rebuilt(target)
      try {
        await runner.run(target)
      } catch (error) {
        return { errors: [{ text: errorMessage(error) }] }
      }
    })
  }
}
