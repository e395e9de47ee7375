import { unplugin } from './plugin'

/** `vectornator()` for rolldown: see VectornatorPluginOptions. */
export default unplugin.rolldown
