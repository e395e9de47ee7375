import { execFileSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { once } from 'node:events'
import { mulberry32 } from '../../src/testing/faults'

/** The real corpus: 7,425 tldr pages in 11 folders (4.3 MB; 7,424 documents, one name starts with a dot), when the shared copy is present. */
export const TLDR_ARCHIVE = resolve(import.meta.dirname, '../../../shared/corpora/tldr-pages.tar.gz')

export interface Corpus {
  /** Folder holding the documents (the sync's root). */
  root: string
  files: number
  bytes: number
  /** `tldr-pages (real)` or `generated (same shape as tldr-pages)`. */
  source: string
}

/** Pages per folder in tldr-pages at 08e345f (the shape the generated corpus copies). */
const FOLDERS: [string, number][] = [
  ['android', 22],
  ['cisco-ios', 17],
  ['common', 4613],
  ['dos', 26],
  ['freebsd', 16],
  ['linux', 2030],
  ['netbsd', 8],
  ['openbsd', 10],
  ['osx', 370],
  ['sunos', 11],
  ['windows', 302],
]

/** A deterministic PRNG (the offline server's mulberry32), so every generated corpus is the same. */
const random = mulberry32

const WORDS = (
  'list show create delete file files directory the a of to and in for with from into current ' +
  'specified given output input remote local user process network package install update display all ' +
  'recursive verbose mode print status start stop service config path archive contents permissions'
).split(' ')

/**
 * Unpacks the real corpus into `into`, or (when the archive is absent, or `generated` is asked for)
 * writes one of the same shape: 7,425 Markdown pages, the same folders and counts, the big folders
 * split one level further by initial, sizes log-normal around tldr's (median 552 B, p90 956 B,
 * max 2.3 KB), about 4.4 MB in all.
 */
export function prepareCorpus(into: string, options: { generated?: boolean } = {}): Corpus {
  mkdirSync(into, { recursive: true })
  if (!options.generated && existsSync(TLDR_ARCHIVE)) {
    execFileSync('tar', ['xzf', TLDR_ARCHIVE, '-C', into])
    const root = join(into, 'tldr', 'pages')
    return { root, ...measure(root), source: 'tldr-pages (real, 08e345f)' }
  }
  const root = join(into, 'pages')
  const rand = random(7425)
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
  let n = 0
  for (const [folder, count] of FOLDERS) {
    for (let i = 0; i < count; i++) {
      const name = `cmd-${(n++).toString(36)}`
      const sub = count > 1000 ? join(folder, String.fromCharCode(97 + (i % 26))) : folder
      const size = Math.round(Math.min(2400, Math.max(100, 552 * Math.exp(0.428 * normal()))))
      const path = join(root, sub, `${name}.md`)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, page(name, size, rand))
    }
  }
  return { root, ...measure(root), source: 'generated (shape of tldr-pages)' }
}

/** A tldr-style page of about `size` bytes. */
function page(name: string, size: number, rand: () => number): string {
  const words = (k: number) => Array.from({ length: k }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ')
  let text = `# ${name}\n\n> ${words(8)}.\n> More information: <https://example.com/${name}>.\n`
  while (text.length < size) text += `\n- ${words(6)}:\n\n\`${name} --${words(1)} {{${words(1)}}}\`\n`
  return text.slice(0, size - 1) + '\n'
}

/**
 * The documents a sync with the default globs takes: like the globs, names starting with a dot
 * are left out (tldr-pages has one, `common/..md`).
 */
function measure(root: string): { files: number; bytes: number } {
  let files = 0
  let bytes = 0
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue
      if (e.isDirectory()) walk(join(dir, e.name))
      else {
        files++
        bytes += statSync(join(dir, e.name)).size
      }
    }
  }
  walk(root)
  return { files, bytes }
}

/** A Markdown file of `bytes` bytes, written in 1 MiB pieces (never held whole in memory). */
export async function writeLargeFile(path: string, bytes: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true })
  const out = createWriteStream(path)
  const line = '- the quick brown fox jumps over the lazy dog, and the store indexes every word of it\n'
  const piece = `# Large document\n\n${line.repeat(Math.ceil(2 ** 20 / line.length))}`.slice(0, 2 ** 20)
  let written = 0
  while (written < bytes) {
    const chunk = piece.slice(0, Math.min(piece.length, bytes - written))
    written += chunk.length
    if (!out.write(chunk)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

/**
 * `count` small pages (100 B to 2.4 KB, the tldr sizes) in folders of 500, from the same seeded
 * PRNG: the scale case (`npm run bench -- --scale`). Written on demand, never committed.
 */
export function generateScaleCorpus(root: string, count: number): Corpus {
  const rand = random(100_000)
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
  for (let i = 0; i < count; i++) {
    const dir = join(
      root,
      `part-${Math.floor(i / 500)
        .toString()
        .padStart(3, '0')}`,
    )
    if (i % 500 === 0) mkdirSync(dir, { recursive: true })
    const name = `page-${i.toString(36)}`
    const size = Math.round(Math.min(2400, Math.max(100, 552 * Math.exp(0.428 * normal()))))
    writeFileSync(join(dir, `${name}.md`), page(name, size, rand))
  }
  return { root, ...measure(root), source: `generated (${count.toLocaleString('en')} pages, seeded)` }
}
