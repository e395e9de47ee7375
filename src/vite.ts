import { unplugin } from './plugin'

/** `vectornator()` for vite: see VectornatorPluginOptions. */
export default unplugin.vite
