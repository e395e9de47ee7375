import { createUnplugin, type UnpluginFactory, type UnpluginInstance, type UnpluginOptions } from 'unplugin'
import type { Plugin as RolldownPlugin } from 'rolldown'
import { esbuildSetup } from './esbuild'
import { isDisabled, resolvePluginOptions, type VectornatorPluginOptions } from './options'
import { rollupHooks } from './rollup'
import { createRunner } from './runner'
import { vitePlugins } from './vite'
import { attachCompiler } from './webpack'

export type { VectornatorPluginOptions } from './options'

/**
 * The plugin: syncs the documents (and, with `assets`, the emitted pages) to the vector store
 * once per production build, after the output is written. Each bundler face only decides when;
 * the sync itself is the core's.
 */
export const unpluginFactory: UnpluginFactory<VectornatorPluginOptions | undefined> = (options = {}, meta) => {
  // Switched off: a bare plugin that does nothing and checks nothing.
  if (isDisabled(options)) return { name: 'vectornator' }

  // Bad options fail the build at once, before it starts, with the field named.
  const runner = createRunner(options, resolvePluginOptions(options))

  if (meta.framework === 'vite')
    return vitePlugins(runner).map((plugin): UnpluginOptions => ({ name: plugin.name, vite: plugin }))

  const rollup = rollupHooks(runner)
  return {
    name: 'vectornator',
    rollup,
    rolldown: rollup as Partial<RolldownPlugin>,
    webpack: compiler => attachCompiler(compiler, runner),
    rspack: compiler => attachCompiler(compiler, runner),
    esbuild: { setup: esbuildSetup(runner) },
  }
}

export const unplugin: UnpluginInstance<VectornatorPluginOptions | undefined, boolean> =
  /* #__PURE__ */ createUnplugin(unpluginFactory)

export default unplugin
