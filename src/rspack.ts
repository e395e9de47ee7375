import { unplugin } from './plugin'

/** `vectornator()` for rspack: see VectornatorPluginOptions. */
export default unplugin.rspack
