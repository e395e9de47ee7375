import { describe, expect, it } from 'vitest'
import { compileRule, ruleValue, RULE_NAMES, ruleProblems } from '../../src/core/scan/rules'
import { nextraRules, type FrameworkRules } from '../../src/frameworks/rules'
import { rspressSiteRules } from '../../src/frameworks/rspress'
import { nextLocales, sourcesOf } from '../../src/frameworks/next-routes'
import { nuxtSiteRules } from '../../src/frameworks/nuxt'

const root = '/site'

/** `version/locale` of each path as the scan gives them under the rules ('-' where none). */
function tags(rules: FrameworkRules, paths: string[], sources: Record<string, string> = {}): Record<string, string> {
  for (const name of RULE_NAMES) expect(ruleProblems(name, rules[name], 64)).toEqual([])
  const compiled = RULE_NAMES.map(name => rules[name] && compileRule(name, rules[name], root, undefined))
  return Object.fromEntries(
    paths.map(p => [p, compiled.map(c => (c && ruleValue(c, p, {}, sources[p])) ?? '-').join('/')]),
  )
}

describe('rspress', () => {
  const locales = [{ lang: 'en' }, { lang: 'fr' }]

  it('gives each page the language of its folder, the default lang to the rest; a rendered page the folder it was written to', () => {
    const rules = rspressSiteRules({ root: 'docs', lang: 'en', locales }, root)
    expect(
      tags(rules, [
        'docs/index.md',
        'docs/guide/intro.md',
        'docs/en/guide/intro.md',
        'docs/fr/guide/intro.md',
        'docs/guide/fr/x.md',
        'doc_build/guide/intro.html',
        'doc_build/fr/guide/intro.html',
        'doc_build/en/x.html',
      ]),
    ).toEqual({
      'docs/index.md': '-/en',
      'docs/guide/intro.md': '-/en',
      'docs/en/guide/intro.md': '-/en',
      'docs/fr/guide/intro.md': '-/fr',
      'docs/guide/fr/x.md': '-/en',
      'doc_build/guide/intro.html': '-/en',
      'doc_build/fr/guide/intro.html': '-/fr',
      // Rspress writes the default language at the top: an en/ folder there is a section.
      'doc_build/en/x.html': '-/en',
    })
  })

  it('reads themeConfig.locales too, and takes no language without lang (as Rspress, which then splits none off)', () => {
    expect(tags(rspressSiteRules({ lang: 'en', themeConfig: { locales } }, root), ['docs/fr/a.md'])).toEqual({
      'docs/fr/a.md': '-/fr',
    })
    expect(rspressSiteRules({ locales }, root)).toEqual({})
  })

  it('gives multiVersion sites the version of docs/<version>/, the default to the rest and to pages rendered at the top', () => {
    const rules = rspressSiteRules(
      { lang: 'en', locales, outDir: 'build', multiVersion: { default: '2.x', versions: ['1.x', '2.x'] } },
      root,
    )
    expect(
      tags(rules, [
        'docs/1.x/fr/a.md',
        'docs/2.x/en/a.md',
        'docs/1.x/a.md',
        'docs/fr/a.md',
        'docs/a.md',
        'build/a.html',
        'build/fr/a.html',
        'build/1.x/a.html',
        'build/1.x/fr/a.html',
        'build/2.x/a.html',
      ]),
    ).toEqual({
      'docs/1.x/fr/a.md': '1.x/fr',
      'docs/2.x/en/a.md': '2.x/en',
      'docs/1.x/a.md': '1.x/en',
      'docs/fr/a.md': '2.x/fr',
      'docs/a.md': '2.x/en',
      'build/a.html': '2.x/en',
      'build/fr/a.html': '2.x/fr',
      'build/1.x/a.html': '1.x/en',
      'build/1.x/fr/a.html': '1.x/fr',
      // The default version renders at the top: a 2.x/ folder there is a section.
      'build/2.x/a.html': '2.x/en',
    })
  })
})

describe('next + nextra', () => {
  // Where Next.js 16.4 keeps a prerendered page for its adapter.
  const cached = (page: string) => `.next/server/route-cache/APP_PAGE/fbc75e3f/$/${page}.html`

  it("reads the locales Nextra 4 moved out of i18n, and the pages router's i18n", () => {
    expect(nextLocales({ env: { NEXTRA_LOCALES: '["en","fr"]', NEXTRA_DEFAULT_LOCALE: 'en' } })).toEqual({
      locales: ['en', 'fr'],
      defaultLocale: 'en',
    })
    expect(nextLocales({ i18n: { locales: ['en', 'de'], defaultLocale: 'de' } })).toEqual({
      locales: ['en', 'de'],
      defaultLocale: 'de',
    })
    // What Nextra writes for a site without i18n.
    expect(nextLocales({ env: { NEXTRA_LOCALES: '[""]' } })).toEqual({ locales: [] })
    expect(nextraRules(nextLocales({ env: { NEXTRA_LOCALES: '[""]' } }))).toEqual({})
  })

  it("gives content/<locale>/ and page.fr.mdx their locale, a rendered page its source's, and content/guide/ none of its own", () => {
    const rules = nextraRules({ locales: ['en', 'fr'], defaultLocale: 'en' })
    const pages = new Map([
      [cached('fr'), '/widget/fr/'],
      [cached('guide/intro'), '/widget/guide/intro/'],
      [cached('about'), '/widget/about/'],
    ])
    const routes = new Map([
      ...pages,
      ['content/fr/index.mdx', '/widget/fr/'],
      ['content/guide/intro.md', '/widget/guide/intro/'],
    ])
    const sources = Object.fromEntries(sourcesOf(pages, routes))
    expect(sources).toEqual({
      [cached('fr')]: 'content/fr/index.mdx',
      [cached('guide/intro')]: 'content/guide/intro.md',
    })
    expect(
      tags(
        rules,
        [
          'content/fr/index.mdx',
          'content/en/guide.mdx',
          'content/guide/intro.md',
          'content/guide/fr/x.md',
          'src/app/fr/page.mdx',
          'pages/guide/intro.fr.mdx',
          'pages/guide/intro.mdx',
          ...pages.keys(),
        ],
        sources,
      ),
    ).toEqual({
      'content/fr/index.mdx': '-/fr',
      'content/en/guide.mdx': '-/en',
      'content/guide/intro.md': '-/en',
      'content/guide/fr/x.md': '-/en',
      'src/app/fr/page.mdx': '-/fr',
      'pages/guide/intro.fr.mdx': '-/fr',
      'pages/guide/intro.mdx': '-/en',
      [cached('fr')]: '-/fr',
      [cached('guide/intro')]: '-/en',
      [cached('about')]: '-/en',
    })
  })
})

describe('nuxt', () => {
  it('gives content/<code>/ and the pages prerendered under /<code>/ that locale, strings or { code } alike', () => {
    const rules = nuxtSiteRules({ locales: ['en', { code: 'fr' }], defaultLocale: 'en' }, root, '/site/.output/public')
    expect(
      tags(rules, [
        'content/fr/guide.md',
        'content/guide.md',
        'content/guide/fr.md',
        '.output/public/fr/index.html',
        '.output/public/fr.html',
        '.output/public/guide/index.html',
        '.output/public/french/index.html',
      ]),
    ).toEqual({
      'content/fr/guide.md': '-/fr',
      'content/guide.md': '-/en',
      'content/guide/fr.md': '-/en',
      '.output/public/fr/index.html': '-/fr',
      '.output/public/fr.html': '-/fr',
      '.output/public/guide/index.html': '-/en',
      '.output/public/french/index.html': '-/en',
    })
  })

  it('takes no locale without i18n locales', () => {
    expect(nuxtSiteRules(undefined, root, '/site/.output/public')).toEqual({})
    expect(nuxtSiteRules({ defaultLocale: 'en' }, root, '/site/.output/public')).toEqual({})
  })
})
