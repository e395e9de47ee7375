import withVectornator from './frameworks/next'

/** `export default withVectornator(nextConfig, options)` in next.config: see VectornatorPluginOptions. */
export { withVectornator }
export default withVectornator
