import { describe, expect, it } from 'vitest'
import { chunkText, stripFrontMatter } from '../src/providers/postgres/chunk'

const words = (n: number, word = 'lorem') => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ')
const sentences = (n: number, prefix = 'Sentence') =>
  Array.from({ length: n }, (_, i) => `${prefix} number ${i} says something useful.`).join(' ')

describe('chunkText', () => {
  it('splits Markdown by headings and prefixes each chunk with its heading trail', () => {
    const md =
      '# Guide\n\nIntro text.\n\n## Install\n\nRun the installer.\n\n### Linux\n\nUse apt.\n\n## Usage\n\nCall it.\n'
    const chunks = chunkText(md, { path: 'docs/guide.md' })
    expect(chunks.map(c => c.heading)).toEqual(['Guide', 'Guide > Install', 'Guide > Install > Linux', 'Guide > Usage'])
    expect(chunks[2]!.text).toBe('Guide > Install > Linux\n\nUse apt.')
    expect(chunks[3]!.text).not.toContain('Linux')
  })

  it('strips YAML and TOML front matter and treats a file with it as Markdown', () => {
    const yaml = '---\ntitle: Hello\ntags: [a]\n---\n# Title\n\nBody text.\n'
    expect(stripFrontMatter(yaml)).toEqual({ body: '# Title\n\nBody text.\n', hadFrontMatter: true })
    const chunks = chunkText(yaml, { path: 'notes.txt' })
    expect(chunks).toEqual([{ text: 'Title\n\nBody text.', heading: 'Title' }])
    expect(chunkText('+++\ntitle = "x"\n+++\nBody.', { path: 'a.md' })).toEqual([{ text: 'Body.' }])
    expect(chunkText('\uFEFF---\r\na: 1\r\n---\r\nBody.\r\n', { path: 'a.md' })).toEqual([{ text: 'Body.' }])
  })

  it('does not take # lines inside fenced code for headings, and keeps a fence whole', () => {
    const md = '# Setup\n\n```sh\n# install deps\nnpm install\n\nnpm test\n```\n\nDone.\n'
    const chunks = chunkText(md, { path: 'a.md' })
    expect(chunks).toHaveLength(1)
    expect(chunks[0]!.text).toBe('Setup\n\n```sh\n# install deps\nnpm install\n\nnpm test\n```\n\nDone.')
  })

  it('recognises setext headings but not a thematic break after a blank line', () => {
    const md = 'Title\n=====\n\nText.\n\nSub\n---\n\nMore.\n\n---\n\nAfter the rule.\n'
    expect(chunkText(md, { path: 'a.md' }).map(c => c.heading)).toEqual(['Title', 'Title > Sub'])
  })

  it('cleans heading markup (links, emphasis, code, custom ids)', () => {
    const chunks = chunkText('## The [`run`](./run.md) *command* {#run}\n\nText.', { path: 'a.md' })
    expect(chunks[0]!.heading).toBe('The run command')
  })

  it('bounds chunks by size, cutting at paragraph then sentence boundaries, with overlap', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => sentences(4, `P${i}`)).join('\n\n')
    const chunks = chunkText(`# Long\n\n${paragraphs}`, { path: 'a.md', size: 500, overlap: 100 })
    expect(chunks.length).toBeGreaterThan(3)
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(500)
      expect(chunk.text.startsWith('Long\n\n')).toBe(true)
      // Every chunk ends on a sentence boundary.
      expect(chunk.text.trimEnd()).toMatch(/\.$/)
    }
    // Overlap: each chunk's body starts with the last whole sentences (<= 100 chars) of the one before.
    const body = (i: number) => chunks[i]!.text.slice('Long\n\n'.length)
    for (let i = 1; i < chunks.length; i++) {
      const carried = body(i).split('\n\n')[0]!
      expect(carried.length).toBeLessThanOrEqual(100)
      expect(body(i - 1).endsWith(carried)).toBe(true)
      expect(carried).toMatch(/^P\d+ number \d+ says/)
    }
    // Nothing is lost: every sentence appears in some chunk.
    for (let p = 0; p < 12; p++) expect(chunks.some(c => c.text.includes(`P${p} number 3 says`))).toBe(true)
  })

  it('cuts a sentence longer than the size at word boundaries, and an endless word hard', () => {
    const chunks = chunkText(words(400), { path: 'a.txt', size: 300, overlap: 0 })
    expect(chunks.length).toBeGreaterThan(5)
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(300)
    expect(chunks.map(c => c.text).join(' ')).toBe(words(400))
    const blob = chunkText('x'.repeat(1000), { path: 'a.txt', size: 300, overlap: 0 })
    expect(blob.map(c => c.text.length)).toEqual([300, 300, 300, 100])
  })

  it('splits plain text by paragraphs, without headings', () => {
    const text = `${sentences(10, 'A')}\n\n${sentences(10, 'B')}\n\n# not a heading in a .txt`
    const chunks = chunkText(text, { path: 'notes.txt', size: 600, overlap: 0 })
    expect(chunks.every(c => c.heading === undefined)).toBe(true)
    expect(chunks.at(-1)!.text).toContain('# not a heading')
    expect(chunks[0]!.text.startsWith('A number 0')).toBe(true)
  })

  it('drops MDX import/export lines but keeps the prose', () => {
    const mdx = "import Tabs from './Tabs'\nexport const meta = {}\n\n# Page\n\nSome <Tabs /> prose.\n"
    expect(chunkText(mdx, { path: 'page.mdx' })).toEqual([{ text: 'Page\n\nSome <Tabs /> prose.', heading: 'Page' }])
  })

  it('returns nothing for blank text and a heading-only chunk for a headings-only page', () => {
    expect(chunkText('  \n\n ', { path: 'a.md' })).toEqual([])
    expect(chunkText('---\ntitle: x\n---\n', { path: 'a.md' })).toEqual([])
    expect(chunkText('# Only\n## Headings', { path: 'a.md' })).toEqual([
      { text: 'Only > Headings', heading: 'Only > Headings' },
    ])
  })

  it('is deterministic and clamps an overlap of half the size or more', () => {
    const text = sentences(80)
    expect(chunkText(text, { size: 400, overlap: 1000 })).toEqual(chunkText(text, { size: 400, overlap: 1000 }))
    for (const chunk of chunkText(text, { size: 400, overlap: 1000 }))
      expect(chunk.text.length).toBeLessThanOrEqual(400)
  })
})

describe('chunkText: tables', () => {
  const header = '| Option | Default | Meaning |\n|---|:---:|---|'
  const rows = Array.from(
    { length: 80 },
    (_, i) => `| opt${i} | ${i} | sets the tide table number ${i} for the harbour |`,
  )
  const table = `${header}\n${rows.join('\n')}`

  it('keeps a table that fits whole, in one chunk', () => {
    const small = `# Options\n\nSome text.\n\n${header}\n${rows.slice(0, 3).join('\n')}\n\nAfter.\n`
    const chunks = chunkText(small, { path: 'a.md', size: 1500 })
    expect(chunks.filter(c => c.text.includes('| opt0 |'))).toHaveLength(1)
    expect(chunks.find(c => c.text.includes('| opt0 |'))!.text).toContain(`${header}\n${rows.slice(0, 3).join('\n')}`)
  })

  it('cuts a long table between rows, each piece with the header again, no row cut', () => {
    const chunks = chunkText(`# Options\n\n${table}\n`, { path: 'a.md', size: 600, overlap: 100 })
    expect(chunks.length).toBeGreaterThan(3)
    for (const chunk of chunks) {
      expect(chunk.text).toContain(header)
      expect(chunk.text.length).toBeLessThanOrEqual(600)
    }
    // Every row in exactly one chunk, whole.
    for (const row of rows) expect(chunks.filter(c => c.text.split('\n').includes(row))).toHaveLength(1)
  })
})
