import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { mdxToText } from '../../src/core/scan/mdx-text'

const page = readFileSync(new URL('../fixtures/frameworks/mdx/install.mdx', import.meta.url), 'utf8')

describe('MDX as text', () => {
  const text = mdxToText(page)

  it('keeps the prose, the admonitions and the labels a reader sees', () => {
    expect(text.startsWith('# Installing the widget\n\nInstall the widget with your package manager.\n')).toBe(true)
    expect(text).toContain('Tip: Use the lockfile\nCommit the lockfile so CI installs **the same** versions.')
    expect(text).toContain('Warning: Old browsers\nInternet Explorer is not supported.')
    expect(text).toContain('Run pnpm add widget in the project.')
    expect(text).toMatch(/Fast\s+Builds in under a second\./)
    expect(text).toContain('npm')
    expect(text).toContain('The current version is , or the next one when you opt in.')
    expect(text).toContain('Use `<Tabs>` and `{props}` literally in code spans; escaped {braces} stay.')
  })

  it('keeps code blocks as written, inside components too', () => {
    expect(text).toContain(
      '```jsx title="App.jsx"\nimport { Widget } from \'widget\'\n\nexport default function App() {\n  return <Widget size={2} />\n}\n```',
    )
    expect(text).toContain('    ```bash\n    npm install widget\n    ```')
  })

  it('drops front matter, imports, exports, tags, comments and code-only expressions', () => {
    for (const gone of [
      'sidebar_position',
      'import Tabs',
      '@astrojs/starlight/components',
      'export const',
      'stable:',
      'groupId',
      '<TabItem',
      '</Tabs>',
      'icon=',
      'a note for writers',
      '<Admonition',
      ':::',
    ])
      expect(text).not.toContain(gone)
    expect(text).not.toMatch(/\n{3}/)
  })

  it('titles a page without front matter by its first heading, and leaves it as it is', () => {
    expect(mdxToText('# Hello\n\n<Intro />\n\nWords.\n')).toBe('# Hello\n\nWords.\n')
  })

  it('reduces Markdoc tags too', () => {
    expect(mdxToText('{% callout type="note" %}\nRead this.\n{% /callout %}\n')).toBe('Read this.\n')
  })
})
