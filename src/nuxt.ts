import module from './frameworks/nuxt'

/** `modules: ['vectornator/nuxt']` in nuxt.config, options under `vectornator`: see VectornatorPluginOptions. */
export default module
