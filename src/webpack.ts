import { unplugin } from './plugin'

/** `vectornator()` for webpack: see VectornatorPluginOptions. */
export default unplugin.webpack
