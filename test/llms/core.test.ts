import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sync } from '../../src/core/sync'
import { readSyncedState, resolveLlmsTxt, writeLlmsTxt, type LlmsTxtOptions } from '../../src/core/llms'
import { resolveOptions } from '../../src/core/options/options'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { runCli } from '../helpers/cli'
import { writeTree } from '../helpers/tree'
import { Lines, loggerInto } from '../plugin/helpers'
import { linksOf, sectionsOf, tempCopy } from './helpers'

let server: OpenAIServer
let root: string

/** A docs tree with a home page, a guide (numbered pages), an MDX reference, a French page and an old version. */
const TREE = {
  'package.json': JSON.stringify({ name: 'widgets', description: 'Widgets for everyone' }),
  'docs/index.md':
    '---\ntitle: Widgets\ndescription: What widgets are, and why\n---\n\n# Widgets\n\nWidgets are small.\n',
  'docs/changelog.md': '# Changelog\n\nEvery release.\n',
  'docs/guide/index.md': '# Guide\n\nStart here.\n',
  'docs/guide/2-setup.md': '# Setup\n\nInstall the widget.\n',
  'docs/guide/10-faq.md': '# FAQ\n\nQuestions.\n',
  'docs/reference/api.mdx':
    'import Tabs from \'@theme/Tabs\'\n\n# API [v2]\n\n<Tabs>\n  <TabItem label="npm">\n\n```sh\nnpm i widgets\n```\n\n  </TabItem>\n</Tabs>\n',
  'docs/fr/index.md': '---\nlocale: fr\n---\n\n# Les widgets\n',
  'docs/fr/guide/setup.md': '---\nlocale: fr\n---\n\n# Installation\n\nInstaller le widget.\n',
  'docs/v1/guide/setup.md': '---\nversion: "1.0"\n---\n\n# Setup (1.0)\n\nThe old way.\n',
}

beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1 })
  root = tempCopy(undefined)
  writeTree(root, TREE)
  const result = await sync({
    root,
    provider: 'openai',
    apiKey: 'test',
    baseURL: server.url,
    metadata: 'file',
    include: 'docs/**',
    attributes: ['locale', 'version'],
    logger: loggerInto(new Lines()),
  })
  expect(result.added).toHaveLength(9)
})
afterAll(() => server.close())

/** Writes the files from the synced state with these options, into a fresh folder. */
async function write(options: LlmsTxtOptions | true = true) {
  const errors: string[] = []
  const settings = resolveLlmsTxt(options, errors)
  expect(errors).toEqual([])
  const resolved = resolveOptions({ root, metadata: 'file', logger: loggerInto(new Lines()) })
  const state = await readSyncedState(resolved)
  const lines = new Lines()
  const outDir = tempCopy(undefined)
  const written = await writeLlmsTxt({
    root,
    outDir,
    state: state!,
    settings: settings as Exclude<typeof settings, false>,
    logger: loggerInto(lines),
  })
  return {
    outDir,
    lines,
    written,
    index: readFileSync(join(outDir, 'llms.txt'), 'utf8'),
    full: existsSync(join(outDir, 'llms-full.txt')) ? readFileSync(join(outDir, 'llms-full.txt'), 'utf8') : undefined,
  }
}

describe('llms.txt from the sync state', () => {
  it('groups by folder below the shared /docs/, top pages first, numbers in order; the default locale and version only', async () => {
    const { index } = await write()
    expect(index).toBe(
      [
        '# widgets',
        '',
        '> Widgets for everyone',
        '',
        '## Pages',
        '',
        '- [Widgets](/docs/): What widgets are, and why',
        '- [Changelog](/docs/changelog)',
        '',
        '## Guide',
        '',
        '- [Guide](/docs/guide/)',
        '- [Setup](/docs/guide/2-setup)',
        '- [FAQ](/docs/guide/10-faq)',
        '',
        '## Reference',
        '',
        '- [API \\[v2\\]](/docs/reference/api)',
        '',
      ].join('\n'),
    )
  })

  it('llms-full.txt: each page under its title and url, MDX as readable text', async () => {
    const { full } = await write()
    const api = full!.split('\n---\n\n').find(part => part.startsWith('# API'))
    expect(api).toBe('# API [v2]\n\nSource: /docs/reference/api\n\nnpm\n\n```sh\nnpm i widgets\n```\n')
    expect(full).not.toContain('import Tabs')
    expect(full).not.toContain('Installer le widget')
    expect(full).not.toContain('The old way')
  })

  it('`full: false` writes llms.txt alone', async () => {
    const { full, written } = await write({ full: false })
    expect(full).toBeUndefined()
    expect(written.files.map(f => f.split('/').at(-1))).toEqual(['llms.txt'])
  })

  it('with sections: each page under the first section matching it, in the order of its globs; the rest left out and said; Optional last', async () => {
    const { index, lines, written } = await write({
      sections: [
        { title: 'Start', include: ['docs/index.md', 'docs/guide/2-setup.md'] },
        { title: 'Guide', include: ['docs/guide/**'] },
      ],
      optional: 'docs/changelog.md',
    })
    expect(sectionsOf(index)).toEqual(['Start', 'Guide', 'Optional'])
    expect(linksOf(index).map(l => l.url)).toEqual([
      '/docs/',
      '/docs/guide/2-setup',
      '/docs/guide/',
      '/docs/guide/10-faq',
      '/docs/changelog',
    ])
    expect(written.unlisted).toEqual(['docs/reference/api.mdx'])
    expect(
      lines.has(
        /llms\.txt: 1 page in no section left out \(docs\/reference\/api\.mdx\): add a section for them to list them/,
      ),
    ).toBe(true)
  })

  it('perLocale writes fr/llms.txt with the French pages; `version` picks another version', async () => {
    const { outDir, written } = await write({ perLocale: true })
    expect(written.files.map(f => f.slice(outDir.length + 1))).toEqual([
      'llms.txt',
      'llms-full.txt',
      'fr/llms.txt',
      'fr/llms-full.txt',
    ])
    const fr = readFileSync(join(outDir, 'fr/llms.txt'), 'utf8')
    // The locale's own prefix is not a folder of its pages.
    expect(sectionsOf(fr)).toEqual(['Pages', 'Guide'])
    expect(linksOf(fr)).toEqual([
      { title: 'Les widgets', url: '/docs/fr/' },
      { title: 'Installation', url: '/docs/fr/guide/setup' },
    ])
    expect(readFileSync(join(outDir, 'fr/llms-full.txt'), 'utf8')).toContain('Installer le widget.')

    const old = await write({ version: '1.0', title: 'Widgets 1.0', description: 'The old docs' })
    expect(old.index.startsWith('# Widgets 1.0\n\n> The old docs\n')).toBe(true)
    expect(linksOf(old.index).map(l => l.url)).toContain('/docs/v1/guide/setup')
  })

  it('the CLI refuses bad llmsTxt settings and a root never synced, one line each, exit 2', async () => {
    const bad = tempCopy(undefined)
    writeTree(bad, {
      'vectornator.config.json': JSON.stringify({
        metadata: 'file',
        llmsTxt: { sections: [{ title: 'A' }], perLocale: 'yes' },
      }),
    })
    const run = await runCli(['llms-txt'], { cwd: bad })
    expect(run.code).toBe(2)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toMatch(
      /llmsTxt\.perLocale must be true or false, got "yes"; llmsTxt\.sections\[0\]\.include must be a glob/,
    )

    const never = tempCopy(undefined)
    writeTree(never, { 'docs/a.md': '# A\n' })
    const none = await runCli(['llms-txt', '--metadata', 'file'], { cwd: never })
    expect(none.code).toBe(2)
    expect(none.stderr.trim().split('\n')).toHaveLength(1)
    expect(none.stderr).toMatch(/nothing has been synced from .* yet: run `vectornator sync` first/)
    expect(existsSync(join(never, 'llms.txt'))).toBe(false)

    // Synced, but no build output to write into and no --out.
    const noOut = await runCli(['llms-txt', '--metadata', 'file'], { cwd: root })
    expect(noOut.code).toBe(2)
    expect(noOut.stderr.trim().split('\n')).toHaveLength(1)
    expect(noOut.stderr).toMatch(
      /no build output folder in .* \(looked for \.vitepress\/dist, docs\/\.vitepress\/dist, build, dist, out\): build the site first, or pass --out DIR/,
    )
  })
})
