import plugin from './frameworks/rspress'

/** `plugins: [vectornator()]` in rspress.config: see VectornatorPluginOptions. */
export default plugin
