/**
 * Questions over the VitePress documentation (`../shared/corpora/vitepress-docs.tar.gz`), each in
 * words a user would type rather than the page's own, with the English page that answers it.
 * `hard` marks a question that shares no significant word with its page's title.
 */
export interface Question {
  question: string
  /** The answering page, relative to the corpus root. */
  page: string
  hard?: boolean
}

export const QUESTIONS: Question[] = [
  { question: 'How do I publish my website?', page: 'en/guide/deploy.md', hard: true },
  { question: 'put my documentation online on GitHub Pages or Netlify', page: 'en/guide/deploy.md' },
  {
    question: 'where should images and fonts be placed so they get copied',
    page: 'en/guide/asset-handling.md',
    hard: true,
  },
  { question: 'pull pages from a headless content management system', page: 'en/guide/cms.md' },
  {
    question: 'write my own look from scratch instead of the built-in one',
    page: 'en/guide/custom-theme.md',
    hard: true,
  },
  { question: 'fetch remote JSON when the site is generated', page: 'en/guide/data-loading.md', hard: true },
  {
    question: 'change the brand colors and fonts of the stock theme',
    page: 'en/guide/extending-default-theme.md',
    hard: true,
  },
  { question: 'YAML block at the top of a markdown page', page: 'en/guide/frontmatter.md', hard: true },
  {
    question: 'install it and scaffold a new project with the setup wizard',
    page: 'en/guide/getting-started.md',
    hard: true,
  },
  { question: 'translate my documentation into several languages', page: 'en/guide/i18n.md', hard: true },
  { question: 'tip and warning boxes, code highlighting and line numbers', page: 'en/guide/markdown.md', hard: true },
  { question: 'upgrade a site made with the old 0.x release', page: 'en/guide/migration-from-vitepress-0.md' },
  { question: 'move my docs over from VuePress', page: 'en/guide/migration-from-vuepress.md' },
  { question: 'ship pages with no client-side JavaScript at all', page: 'en/guide/mpa-mode.md', hard: true },
  { question: 'how do file names become URLs, links without .html', page: 'en/guide/routing.md', hard: true },
  { question: 'create a sitemap.xml for search engines', page: 'en/guide/sitemap-generation.md' },
  {
    question: 'my component fails because window is not defined on the server',
    page: 'en/guide/ssr-compat.md',
    hard: true,
  },
  { question: 'use components and template interpolation inside markdown files', page: 'en/guide/using-vue.md' },
  { question: 'why pick this static site generator over others', page: 'en/guide/what-is-vitepress.md', hard: true },
  {
    question: 'terminal commands to start the dev server and build for production',
    page: 'en/reference/cli.md',
    hard: true,
  },
  { question: 'small colored label next to a heading', page: 'en/reference/default-theme-badge.md', hard: true },
  { question: 'show advertisements on the docs', page: 'en/reference/default-theme-carbon-ads.md', hard: true },
  { question: 'set the logo and social links of the theme', page: 'en/reference/default-theme-config.md', hard: true },
  {
    question: 'a link that lets readers suggest changes to a page on GitHub',
    page: 'en/reference/default-theme-edit-link.md',
    hard: true,
  },
  {
    question: 'copyright message at the bottom of every page',
    page: 'en/reference/default-theme-footer.md',
    hard: true,
  },
  {
    question: 'landing page with a hero and feature cards',
    page: 'en/reference/default-theme-home-page.md',
    hard: true,
  },
  { question: 'show when a page was last modified', page: 'en/reference/default-theme-last-updated.md' },
  { question: 'a page without the sidebar, full width', page: 'en/reference/default-theme-layout.md', hard: true },
  { question: 'menu links in the bar at the top of the site', page: 'en/reference/default-theme-nav.md', hard: true },
  {
    question: 'buttons to the previous and next page at the bottom',
    page: 'en/reference/default-theme-prev-next-links.md',
  },
  { question: 'add a search box with Algolia or a local index', page: 'en/reference/default-theme-search.md' },
  { question: 'list of links on the left side of the docs', page: 'en/reference/default-theme-sidebar.md', hard: true },
  { question: 'show the people of our team with avatars', page: 'en/reference/default-theme-team-page.md', hard: true },
  { question: 'every option a page can set at its top', page: 'en/reference/frontmatter-config.md', hard: true },
  {
    question: 'composable to read page data and the theme config in code',
    page: 'en/reference/runtime-api.md',
    hard: true,
  },
  {
    question: 'set the title, description and base path for the whole site',
    page: 'en/reference/site-config.md',
    hard: true,
  },
]
