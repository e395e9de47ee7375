import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))
const temps: string[] = []
afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/**
 * A copy of a fixture (or an empty folder) in a temp folder kept until the test file ends, so
 * one build can serve every test of a file. `modules` links node_modules in (VitePress needs it).
 */
export function tempCopy(name: string | undefined, options: { modules?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `vectornator-llms-${name ?? 'out'}-`))
  temps.push(dir)
  if (name) cpSync(join(fixtures, name), dir, { recursive: true })
  if (options.modules)
    symlinkSync(fileURLToPath(new URL('../../node_modules', import.meta.url)), join(dir, 'node_modules'), 'dir')
  return dir
}

export interface Link {
  title: string
  url: string
  note?: string
}

/** The `- [Title](url): note` lines of an llms.txt, in order. */
export function linksOf(llmsTxt: string): Link[] {
  return [...llmsTxt.matchAll(/^- \[((?:\\.|[^\]])+)\]\(([^)]+)\)(?:: (.+))?$/gm)].map(m => ({
    title: m[1].replace(/\\(.)/g, '$1'),
    url: m[2],
    ...(m[3] ? { note: m[3] } : {}),
  }))
}

/** The `## Section` headings of an llms.txt, in order. */
export function sectionsOf(llmsTxt: string): string[] {
  return [...llmsTxt.matchAll(/^## (.+)$/gm)].map(m => m[1])
}

/** The HTML file a static host serves for a link's path: `/` → index.html, `/a/` → a/index.html, `/a` → a.html or a/index.html. */
export function pageFor(outDir: string, url: string): string | undefined {
  const path = decodeURIComponent(new URL(url, 'http://site.invalid').pathname).replace(/^\/+/, '')
  const candidates =
    path === '' || path.endsWith('/') ? [`${path}index.html`] : [`${path}.html`, `${path}/index.html`, path]
  return candidates.map(c => join(outDir, c)).find(existsSync)
}

/** The `<title>` of a built page. */
export function htmlTitle(file: string): string {
  return /<title[^>]*>([^<]*)<\/title>/i.exec(readFileSync(file, 'utf8'))?.[1].trim() ?? ''
}

/** The `# Title` + `Source: url` headers of an llms-full.txt, in order. */
export function fullEntries(full: string): { title: string; url: string }[] {
  return [...full.matchAll(/^# (.+)\n\nSource: (.+)$/gm)].map(m => ({ title: m[1], url: m[2] }))
}
