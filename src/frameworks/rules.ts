import type { AttributeRule } from '../core/scan/rules'

/**
 * How a docs framework lays out versions and locales, as the core's `version` / `locale` rules
 * (see core/scan/rules.ts): a pattern holds a `{version}` or `{locale}` placeholder, the first
 * match wins, `default` covers the rest. `outDir` is the build's output folder relative to the
 * site: a rendered page takes the locale it was rendered in from its folder there.
 */
export interface FrameworkRules {
  version?: AttributeRule
  locale?: AttributeRule
}

/** `build/{locale:fr}/**` for each locale that renders into a folder of its own. */
const renderedIn = (outDir: string | undefined, locales: string[]) => outDir ? locales.map(l => `${outDir}/{locale:${l}}/**`) : []

/**
 * Docusaurus: versioned_docs/version-1.0/, i18n/fr/docusaurus-plugin-content-docs/current/; the
 * rendered pages of a locale under build/fr/. A rendered page's version comes from its source.
 */
export function docusaurusRules(defaultLocale: string | undefined, hasVersions: boolean, locales: string[] = [], outDir?: string): FrameworkRules {
  return {
    ...(hasVersions ? { version: { patterns: ['versioned_docs/version-{version}/**', 'i18n/*/docusaurus-plugin-content-docs/version-{version}/**'], default: 'current' } } : {}),
    locale: { patterns: ['i18n/{locale}/**', ...renderedIn(outDir, locales.filter(l => l !== defaultLocale))], ...(defaultLocale ? { default: defaultLocale } : {}) },
  }
}

/**
 * Starlight: src/content/docs/fr/... for each configured locale; the root locale has no folder.
 * A `{locale}` placeholder alone would also take src/content/docs/guide/ for a locale, so each
 * configured locale gets its own pattern, tried in order.
 */
export function starlightRules(locales: string[], defaultLocale: string | undefined, outDir?: string): FrameworkRules {
  if (locales.length === 0) return {}
  return { locale: { patterns: [...locales.map(l => `src/content/docs/{locale:${l}}/**`), ...renderedIn(outDir, locales)], ...(defaultLocale ? { default: defaultLocale } : {}) } }
}

/** Nextra: content/fr/... or pages/ files named page.fr.mdx. */
export function nextraRules(defaultLocale: string | undefined): FrameworkRules {
  return { locale: { patterns: ['content/{locale}/**', 'app/{locale}/**', 'pages/**/*.{locale}.mdx', 'pages/**/*.{locale}.md'], ...(defaultLocale ? { default: defaultLocale } : {}) } }
}
