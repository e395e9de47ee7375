import plugin from './frameworks/docusaurus'

/** `plugins: ['vectornator/docusaurus']` in docusaurus.config: see VectornatorPluginOptions. */
export default plugin
