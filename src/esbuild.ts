import { unplugin } from './plugin'

/** `vectornator()` for esbuild: see VectornatorPluginOptions. */
export default unplugin.esbuild
