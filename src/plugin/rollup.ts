import { dirname, resolve } from 'node:path'
import type { Plugin as RollupPlugin } from 'rollup'
import { rollupLogger } from './loggers'
import type { Output, Runner } from './runner'

/**
 * Rollup and Rolldown: outputs are collected as each is written (`writeBundle`) and synced once
 * when the bundle is closed (`closeBundle`: after every output of the build, as the CLIs do;
 * JavaScript API users call `bundle.close()`, as Rollup asks of them). A failed build, or one
 * that wrote nothing (`generate()` only), does not sync. Watch mode syncs only with `watch`.
 */
export function rollupHooks(runner: Runner): Partial<RollupPlugin> {
  let outputs: Output[] = []
  let failed = false

  return {
    async buildStart() {
      outputs = []
      failed = false
      await runner.prepare(process.cwd())
    },

    buildEnd(error) {
      if (error) failed = true
    },

    renderError() {
      failed = true
    },

    writeBundle(options, bundle) {
      const dir = resolve(options.dir ?? (options.file ? dirname(options.file) : '.'))
      outputs.push({ dir, files: Object.keys(bundle).map(name => resolve(dir, name)) })
      if (this.meta.watchMode) runner.rebuilt({ root: process.cwd(), logger: rollupLogger(this), outputs })
    },

    async closeBundle() {
      if (this.meta.watchMode) return
      if (failed) return runner.notice(rollupLogger(this), 'the build failed: not syncing')
      if (outputs.length === 0) return
      const written = outputs
      outputs = []
      await runner.run({ root: process.cwd(), logger: rollupLogger(this), outputs: written })
    },
  }
}
