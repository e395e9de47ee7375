import { describe, expect, it } from 'vitest'
import { buildAttributes, routeOf, titleOf } from '../src/core/scan/attributes'

const limits = { maxAttributes: 16, maxAttributeKeyLength: 64, maxAttributeValueLength: 512 }

describe('page attributes', () => {
  it('routes paths as docs sites do', () => {
    expect(routeOf('guide/intro.md')).toBe('/guide/intro')
    expect(routeOf('index.md')).toBe('/')
    expect(routeOf('guide/index.md')).toBe('/guide/')
    expect(routeOf('dist/guide/intro.html', ['dist'])).toBe('/guide/intro')
    expect(routeOf('dist/index.html', ['dist/'])).toBe('/')
  })

  it('takes the title from front matter, then the first heading, then the file name', () => {
    expect(titleOf('a.md', 'x', { title: 'From FM' })).toBe('From FM')
    expect(titleOf('a.md', 'intro\n\n## Second\n', {})).toBe('Second')
    expect(titleOf('dir/setup-guide.md', 'no heading', {})).toBe('setup-guide')
    expect(titleOf('p.html', '<html><title>Page</title></html>', {})).toBe('Page')
  })

  it('builds path, sha256, title, url and the named front matter fields', async () => {
    const content = '---\ntitle: Install\nversion: 2\nlocale: en\ntags: [a, b]\n---\n# Ignored\n'
    const attrs = await buildAttributes(
      { path: 'guide/install.md', sha256: 'ab', content },
      { baseUrl: 'https://docs.x.dev/', attributes: ['version', 'locale', 'tags', 'missing'] },
      limits,
    )
    expect(attrs).toEqual({
      path: 'guide/install.md',
      sha256: 'ab',
      title: 'Install',
      url: 'https://docs.x.dev/guide/install',
      version: 2,
      locale: 'en',
      tags: 'a, b',
    })
  })

  it('cuts long values to the store limit and refuses too many keys', async () => {
    const long = `# ${'t'.repeat(600)}`
    expect(
      (
        (await buildAttributes({ path: 'a.md', sha256: 'x', content: long }, { attributes: [] }, limits))
          .title as string
      ).length,
    ).toBe(512)
    const many = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i]))
    await expect(
      buildAttributes({ path: 'a.md', sha256: 'x', content: 'x' }, { attributes: () => many }, limits),
    ).rejects.toThrow(/allows 16/)
  })
})
