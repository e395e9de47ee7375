import integration from './frameworks/astro'

/** `integrations: [vectornator()]` in astro.config: see VectornatorPluginOptions. */
export default integration
