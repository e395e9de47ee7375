/** The folders a Docusaurus site renders pages from (docs, blog, pages, versions, translations). */
export const DOCUSAURUS_FOLDERS = ['docs', 'blog', 'src/pages', 'versioned_docs', 'i18n']
