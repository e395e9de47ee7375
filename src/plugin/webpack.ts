import { resolve } from 'node:path'
import type { Compiler as WebpackCompiler } from 'webpack'
import type { Compiler as RspackCompiler } from '@rspack/core'
import { webpackLogger } from './loggers'
import type { Output, Runner } from './runner'

type Compiler = WebpackCompiler | RspackCompiler

/** What a compiler of a batch brought back from its last run. */
interface Finished {
  ok: boolean
  output: Output
}

/**
 * Compilers that got the plugin, syncing the same root, while one `webpack([...])` /
 * `rspack([...])` call was creating them (all synchronously, before any runs).
 */
interface Batch {
  members: Set<Compiler>
  finished: Map<Compiler, Finished>
}

let forming: Map<string, Batch> | undefined

function join(key: string, compiler: Compiler): Batch {
  if (!forming) {
    forming = new Map()
    queueMicrotask(() => {
      forming = undefined
    })
  }
  let batch = forming.get(key)
  if (!batch) forming.set(key, (batch = { members: new Set(), finished: new Map() }))
  batch.members.add(compiler)
  return batch
}

/** A child of a MultiCompiler: webpack and Rspack both tap its `done` as `MultiCompiler`. */
function inMultiCompiler(compiler: Compiler): boolean {
  const taps = (compiler.hooks.done as unknown as { taps?: { name: string }[] }).taps
  return Boolean(taps?.some(t => t.name === 'MultiCompiler'))
}

/**
 * webpack and Rspack: once the compiler is `done` (after `afterEmit`: output on disk), unless
 * the compilation has errors. A MultiCompiler (an array of
 * configs) syncs once, after the last of its compilers carrying the plugin, with all their
 * outputs. Watch mode (`--watch`, dev server) syncs only with `watch`.
 */
export function attachCompiler(compiler: Compiler, runner: Runner): void {
  const logger = webpackLogger(compiler.getInfrastructureLogger('vectornator'))
  const root = compiler.context
  const batch = join(resolve(runner.settings.core.root ?? root), compiler)
  let output: Output | undefined

  // The config file is read before compiling, so a bad one fails the run at once.
  compiler.hooks.beforeRun.tapPromise('vectornator', () => runner.prepare(root))
  compiler.hooks.watchRun.tapPromise('vectornator', () => runner.prepare(root))

  compiler.hooks.afterEmit.tap('vectornator', compilation => {
    const dir = resolve(compilation.outputOptions.path ?? compiler.outputPath)
    output = { dir, files: compilation.getAssets().map(a => resolve(dir, a.name)) }
  })

  compiler.hooks.done.tapPromise('vectornator', async stats => {
    const ok = !stats.hasErrors() && output !== undefined
    const mine = output ?? { dir: resolve(compiler.outputPath), files: [] }
    output = undefined
    if (compiler.watchMode) {
      if (ok) runner.rebuilt({ root, logger, outputs: [mine] })
      return
    }

    const siblings = inMultiCompiler(compiler) ? [...batch.members].filter(inMultiCompiler) : [compiler]
    batch.finished.set(compiler, { ok, output: mine })
    if (!siblings.every(c => batch.finished.has(c))) return
    const finished = siblings.map(c => batch.finished.get(c)!)
    for (const c of siblings) batch.finished.delete(c)
    if (finished.some(f => !f.ok)) return runner.notice(logger, 'the build failed: not syncing')
    await runner.run({ root, logger, outputs: finished.map(f => f.output) })
  })
}
