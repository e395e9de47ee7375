/**
 * Where each docs framework takes its pages from, relative to the site's root: its integration
 * syncs these folders, and `vectornator init` looks for them to write the same globs.
 */

/** Docusaurus: the docs, then the blog, pages, versions and translations it also renders. */
export const DOCUSAURUS_DOCS = 'docs'
export const DOCUSAURUS_FOLDERS = [DOCUSAURUS_DOCS, 'blog', 'src/pages', 'versioned_docs', 'i18n']

/** Astro: Starlight's docs collection, then plain Markdown pages. */
export const STARLIGHT_DOCS = 'src/content/docs'
export const ASTRO_FOLDERS = [STARLIGHT_DOCS, 'src/pages']

/** Next.js and Nextra: content folders, then the app router, then the pages router. */
export const NEXT_FOLDERS = ['content', 'src/content', 'app', 'src/app', 'pages', 'src/pages']

/** Rspress: its `root` option's default. */
export const RSPRESS_DOCS = 'docs'

/** Nuxt Content's collection folder. */
export const NUXT_CONTENT = 'content'
