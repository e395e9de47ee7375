/**
 * How a docs framework lays out versions and locales, as `version` / `locale` rules: a pattern
 * holds a `{version}` or `{locale}` placeholder, the first match wins, `default` covers the rest.
 */
export interface AttributeRule {
  patterns?: string[]
  frontmatter?: string | false
  default?: string
}

export interface FrameworkRules {
  version?: AttributeRule
  locale?: AttributeRule
}

/** Docusaurus: versioned_docs/version-1.0/, i18n/fr/docusaurus-plugin-content-docs/current/. */
export function docusaurusRules(defaultLocale: string | undefined, hasVersions: boolean): FrameworkRules {
  return {
    ...(hasVersions ? { version: { patterns: ['versioned_docs/version-{version}/**', 'i18n/*/docusaurus-plugin-content-docs/version-{version}/**'], default: 'current' } } : {}),
    locale: { patterns: ['i18n/{locale}/**'], ...(defaultLocale ? { default: defaultLocale } : {}) },
  }
}

/**
 * Starlight: src/content/docs/fr/... for each configured locale; the root locale has no folder.
 * A `{locale}` placeholder alone would also take src/content/docs/guide/ for a locale, so each
 * configured locale gets its own pattern, tried in order.
 */
export function starlightRules(locales: string[], defaultLocale: string | undefined): FrameworkRules {
  if (locales.length === 0) return {}
  return { locale: { patterns: locales.map(l => `src/content/docs/{locale:${l}}/**`), ...(defaultLocale ? { default: defaultLocale } : {}) } }
}

/** Nextra: content/fr/... or pages/ files named page.fr.mdx. */
export function nextraRules(defaultLocale: string | undefined): FrameworkRules {
  return { locale: { patterns: ['content/{locale}/**', 'app/{locale}/**', 'pages/**/*.{locale}.mdx', 'pages/**/*.{locale}.md'], ...(defaultLocale ? { default: defaultLocale } : {}) } }
}
