import adapter from './frameworks/next-adapter'

/** The Next.js build adapter `withVectornator` sets as `adapterPath`; not imported by users. */
export default adapter
