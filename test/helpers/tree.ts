import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** A temporary folder holding the given files. */
export function makeTree(files: Record<string, string | Buffer> = {}, prefix = 'vn-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix))
  writeTree(root, files)
  return root
}

export function writeTree(root: string, files: Record<string, string | Buffer | null>): void {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, path)
    if (content === null) {
      rmSync(abs, { force: true })
      continue
    }
    mkdirSync(dirname(abs), { recursive: true })
    writeFileSync(abs, content)
  }
}

/** `count` small Markdown pages with distinct words, as docs/page-NNN.md. */
export function pages(count: number, folder = 'docs'): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => {
      const n = String(i).padStart(3, '0')
      return [
        `${folder}/page-${n}.md`,
        `# Page ${n}\n\nThis page documents the widget number ${n} and its marker zq${n}x.\n`,
      ]
    }),
  )
}
