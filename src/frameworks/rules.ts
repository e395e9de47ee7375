import type { AttributeRule } from '../types'

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
const renderedIn = (outDir: string | undefined, locales: string[]) =>
  outDir ? locales.map(l => `${outDir}/{locale:${l}}/**`) : []

/**
 * Docusaurus: versioned_docs/version-1.0/, i18n/fr/docusaurus-plugin-content-docs/current/; the
 * rendered pages of a locale under build/fr/. A rendered page's version comes from its source.
 */
export function docusaurusRules(
  defaultLocale: string | undefined,
  hasVersions: boolean,
  locales: string[] = [],
  outDir?: string,
): FrameworkRules {
  return {
    ...(hasVersions
      ? {
          version: {
            patterns: [
              'versioned_docs/version-{version}/**',
              'i18n/*/docusaurus-plugin-content-docs/version-{version}/**',
            ],
            default: 'current',
          },
        }
      : {}),
    locale: {
      patterns: [
        'i18n/{locale}/**',
        ...renderedIn(
          outDir,
          locales.filter(l => l !== defaultLocale),
        ),
      ],
      ...(defaultLocale ? { default: defaultLocale } : {}),
    },
  }
}

/**
 * Starlight: src/content/docs/fr/... for each configured locale; the root locale has no folder.
 * A `{locale}` placeholder alone would also take src/content/docs/guide/ for a locale, so each
 * configured locale gets its own pattern, tried in order.
 */
export function starlightRules(locales: string[], defaultLocale: string | undefined, outDir?: string): FrameworkRules {
  if (locales.length === 0) return {}
  return {
    locale: {
      patterns: [...locales.map(l => `src/content/docs/{locale:${l}}/**`), ...renderedIn(outDir, locales)],
      ...(defaultLocale ? { default: defaultLocale } : {}),
    },
  }
}

/** A locale's own folder in each of `dirs` (each with its trailing slash, or '' for the top). */
const localeIn = (dirs: string[], locales: string[]) => dirs.flatMap(dir => locales.map(l => `${dir}{locale:${l}}/**`))

/** What a site configures about its languages and versions, as the framework's config says it. */
export interface Languages {
  locales: string[]
  defaultLocale?: string
  versions?: string[]
  defaultVersion?: string
}

/**
 * Rspress: docs/<version>/<lang>/..., either part optional (the default language's pages may sit
 * at the top of the doc root); the default version renders at the top of the output, each other version and each other
 * language in a folder of its own (doc_build/1.x/fr/). Rspress itself takes a folder for a
 * language or a version only when the config names it, and a language only with `lang` set.
 */
export function rspressRules(docs: string, outDir: string | undefined, site: Languages): FrameworkRules {
  const top = docs === '.' ? '' : `${docs}/`
  const versions = site.defaultVersion ? (site.versions ?? []) : []
  const others = versions.filter(v => v !== site.defaultVersion)
  const rules: FrameworkRules = {}
  if (versions.length) {
    rules.version = {
      patterns: [
        ...versions.map(v => `${top}{version:${v}}/**`),
        ...(outDir ? others.map(v => `${outDir}/{version:${v}}/**`) : []),
      ],
      default: site.defaultVersion,
    }
  }
  if (site.defaultLocale && site.locales.length) {
    const rendered = outDir ? ['', ...others.map(v => `${v}/`)].map(v => `${outDir}/${v}`) : []
    rules.locale = {
      patterns: [
        ...localeIn(
          ['', ...versions.map(v => `${v}/`)].map(v => `${top}${v}`),
          site.locales,
        ),
        ...localeIn(
          rendered,
          site.locales.filter(l => l !== site.defaultLocale),
        ),
      ],
      default: site.defaultLocale,
    }
  }
  return rules
}

/** The folders that hold a locale's sources in a folder of its own (content/fr/, app/fr/). */
const NEXT_LOCALE_FOLDERS = ['content/', 'src/content/', 'app/', 'src/app/']

/**
 * Next.js / Nextra: content/fr/... (Nextra 4 gives every locale, the default too, a folder),
 * app/fr/..., or a pages router's page.fr.mdx. No locales configured, no rule: a folder of
 * content/ is a section of the site until the site says it is a language.
 */
export function nextraRules(site: Languages): FrameworkRules {
  if (site.locales.length === 0) return {}
  const named = site.locales.flatMap(l => ['pages', 'src/pages'].map(dir => `${dir}/**/*.{locale:${l}}.{md,mdx,mdoc}`))
  return {
    locale: {
      patterns: [...localeIn(NEXT_LOCALE_FOLDERS, site.locales), ...named],
      ...(site.defaultLocale ? { default: site.defaultLocale } : {}),
    },
  }
}

/**
 * Nuxt with @nuxtjs/i18n: content/<code>/... (Nuxt Content's usual layout for one collection a
 * locale), and the prerendered pages of a locale under /<code>/ (its prefix strategies).
 */
export function nuxtRules(site: Languages, publicDir: string | undefined): FrameworkRules {
  if (site.locales.length === 0) return {}
  const rendered = publicDir ? site.locales.map(l => `${publicDir}/{locale:${l}}{.html,/**}`) : []
  return {
    locale: {
      patterns: [...localeIn(['content/'], site.locales), ...rendered],
      ...(site.defaultLocale ? { default: site.defaultLocale } : {}),
    },
  }
}
