import { unplugin } from './plugin'

/** `vectornator()` for rollup: see VectornatorPluginOptions. */
export default unplugin.rollup
