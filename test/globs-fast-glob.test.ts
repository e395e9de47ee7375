import { execFileSync } from 'node:child_process'
import { lstatSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import fg from 'fast-glob'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scan } from '../src/core/scan/scan'
import { DEFAULT_EXCLUDE, DEFAULT_INCLUDE } from '../src/core/options/options'
import { createOpenAIServer } from '../src/testing'
import { runCli } from './helpers/cli'
import { makeTree } from './helpers/tree'

/**
 * The scan lists what fast-glob lists with the options the scan has always meant
 * (`{ ignore: exclude, dot, onlyFiles, followSymbolicLinks, unique }`), on a real tree built to
 * hold every case where the walk's own fast paths could answer differently.
 */

const FILES = [
  'README.md',
  'notes.txt',
  'a.js',
  '.md',
  '..md',
  '.draft.md',
  'local.md',
  'keep.draft.md',
  'top.draft.md',
  'docs/guide.md',
  'docs/intro.mdx',
  'docs/.hidden.md',
  'docs/.hidden/x.md',
  'docs/.a/.b/n.md',
  'docs/.a/plain.md',
  'docs/sub/deep.md',
  'docs/sub/page.html',
  'docs/local.md',
  'docs/wip.draft.md',
  'docs/keep.draft.md',
  'docs/.vitepress/config.md',
  'docs/.vitepress/theme/notes.md',
  'docs/.vitepress/cache/c.md',
  'docs/x.md/inner.txt',
  '.github/PULL_REQUEST_TEMPLATE.md',
  '.github/ISSUE_TEMPLATE/bug.md',
  '.github/.x/y.md',
  '.github/ignored.md',
  '.changeset/brave-cats.md',
  '.husky/notes.txt',
  'guide/.github/nested.md',
  'guide/a.b/c.md',
  '.env.md',
  'docs/.env.local.md',
  '.envrc',
  'node_modules/pkg/readme.md',
  'dist/page.md',
  'private/p.md',
]

const GITIGNORES: Record<string, string> = {
  '.gitignore': 'private/\n*.draft.md\n!keep.draft.md\n',
  'docs/.gitignore': 'local.md\n',
  '.github/.gitignore': 'ignored.md\n',
}

/** Globs of documents, each tried with every exclude list below, with `dot` off and on. */
const INCLUDES: string[][] = [
  DEFAULT_INCLUDE,
  ['docs/**/*.md'],
  ['**/*.md'],
  ['*.md'],
  ['.github/**/*.md'],
  ['docs/**'],
  ['**'],
  ['**/*.{md,txt}'],
  ['{docs,.github}/**/*.md'],
  ['{,.}*.md'],
  ['**/.*'],
  ['docs/.vitepress/**/*.md'],
  ['**/.github/**'],
  ['**/sub/**'],
  ['[.]github/*.md'],
  ['docs/guide.md', '.github/PULL_REQUEST_TEMPLATE.md'],
  ['**/*.md', '!docs/**'],
  ['**/*.md', '!**/.github/**'],
  ['**/*.md', '.github/**/*.md'],
]

const EXCLUDES: string[][] = [
  [],
  ['docs/**'],
  ['**/.hidden/**'],
  ['**/.*/**'],
  ['**/*.draft.md', '.github/**'],
  ['**/sub'],
  ['docs/sub/'],
  ['**/{sub,.a}'],
]

let root: string
let outside: string
/** Tree files git ignores, asked once of git itself. */
let gitIgnored: Set<string>

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'vn-fg-'))
  outside = mkdtempSync(join(tmpdir(), 'vn-fg-out-'))
  for (const path of FILES) write(root, path, `# ${path}\n`)
  for (const [path, rules] of Object.entries(GITIGNORES)) write(root, path, rules)
  write(outside, 'secret.md', 'outside\n')
  write(outside, 'folder/s.md', 'outside\n')
  write(outside, 'folder/.h.md', 'outside\n')
  symlinkSync(join(root, 'README.md'), join(root, 'link-in.md'))
  symlinkSync(join(root, 'docs/guide.md'), join(root, '.dotlink.md'))
  symlinkSync(join(root, 'docs/sub'), join(root, 'docs-alias'), 'dir')
  symlinkSync(join(root, 'docs/sub'), join(root, '.dotdir'), 'dir')
  symlinkSync(join(root, 'docs/sub'), join(root, 'docs/sub/loop'), 'dir')
  symlinkSync(join(outside, 'secret.md'), join(root, 'out.md'))
  symlinkSync(join(outside, 'folder'), join(root, 'out-dir'), 'dir')
  symlinkSync(join(root, 'missing.md'), join(root, 'broken.md'))
  execFileSync('git', ['init', '-q'], { cwd: root })
  gitIgnored = askGit(
    fg.sync('**', {
      cwd: root,
      dot: true,
      onlyFiles: true,
      followSymbolicLinks: true,
      ignore: ['.git/**', '**/loop/**'],
    }),
  )
})

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
  rmSync(outside, { recursive: true, force: true })
})

function write(dir: string, path: string, content: string): void {
  mkdirSync(join(dir, path, '..'), { recursive: true })
  writeFileSync(join(dir, path), content)
}

/** True when some folder on the path is a link (git never looks through one). */
function throughLink(path: string): boolean {
  const parts = path.split('/')
  for (let i = 1; i < parts.length; i++) if (lstatSync(join(root, ...parts.slice(0, i))).isSymbolicLink()) return true
  return false
}

function askGit(paths: string[]): Set<string> {
  const asked = paths.filter(p => !throughLink(p))
  let out = ''
  try {
    out = execFileSync('git', ['-c', 'core.excludesFile=/dev/null', 'check-ignore', '--no-index', '--stdin'], {
      cwd: root,
      input: asked.join('\n'),
      encoding: 'utf8',
    })
  } catch (error) {
    out = String((error as { stdout?: string }).stdout ?? '')
  } // exit 1: nothing ignored
  return new Set(out.split('\n').filter(Boolean))
}

/** The real path of each folder on the path, and of the path: a repeat is a link back into the walk. */
function loops(path: string): boolean {
  const parts = path.split('/')
  const seen = new Set<string>([realpathSync(root)])
  for (let i = 1; i < parts.length; i++) {
    const real = realpathSync(join(root, ...parts.slice(0, i)))
    if (seen.has(real)) return true
    seen.add(real)
  }
  return false
}

const insideRoot = (path: string) => {
  const real = realpathSync(join(root, path))
  const rootReal = realpathSync(root)
  return real.startsWith(rootReal + sep)
}

/**
 * fast-glob's answer, with the rules the scan applies on purpose besides the globs:
 * - .gitignore files are honoured (git itself says which paths; paths through a linked folder,
 *   where git has no answer, are in no folder a rule of this tree names);
 * - `.env*` files are never listed, whatever the globs say;
 * - a link back to a folder being walked is not followed again (fast-glob follows it until the
 *   system refuses: `docs/sub/loop/loop/...`);
 * - a link out of the root is never read: the scan reports it skipped rather than listed.
 */
function fastGlob(include: string[], exclude: string[], dot: boolean): { files: string[]; outside: string[] } {
  const listed = fg.sync(include, {
    cwd: root,
    ignore: exclude,
    dot,
    onlyFiles: true,
    followSymbolicLinks: true,
    unique: true,
    suppressErrors: true,
  })
  const kept = listed.filter(p => !gitIgnored.has(p) && !p.split('/').at(-1)!.startsWith('.env') && !loops(p))
  return { files: kept.filter(insideRoot).sort(), outside: kept.filter(p => !insideRoot(p)).sort() }
}

describe('the scan lists what fast-glob lists', () => {
  for (const dot of [false, true]) {
    for (const include of INCLUDES) {
      it(`include ${JSON.stringify(include)}, dot ${dot}, with each exclude list`, async () => {
        for (const userExclude of EXCLUDES) {
          const exclude = [...DEFAULT_EXCLUDE, ...userExclude]
          const expected = fastGlob(include, exclude, dot)
          const { files, skipped } = await scan({
            root,
            include,
            exclude,
            gitignore: true,
            dot,
            maxFileBytes: 1_000_000,
          })
          const got = {
            files: files.map(f => f.path),
            outside: skipped.filter(s => s.reason === 'links outside the root').map(s => s.path),
          }
          expect({ exclude: userExclude, ...got }).toEqual({ exclude: userExclude, ...expected })
        }
      })
    }
  }

  it('leaves dot files and folders out unless asked, and lists those a glob names', async () => {
    const paths = async (include: string[], dot = false) =>
      (
        await scan({ root, include, exclude: DEFAULT_EXCLUDE, gitignore: true, dot, maxFileBytes: 1_000_000 })
      ).files.map(f => f.path)
    const defaults = await paths(DEFAULT_INCLUDE)
    expect(defaults).toContain('docs/guide.md')
    expect(defaults.filter(p => p.startsWith('.') || p.includes('/.'))).toEqual([])
    expect(await paths(['.github/**/*.md'])).toEqual([
      '.github/ISSUE_TEMPLATE/bug.md',
      '.github/PULL_REQUEST_TEMPLATE.md',
    ])
    expect(await paths(['docs/.vitepress/**/*.md'])).toEqual([
      'docs/.vitepress/config.md',
      'docs/.vitepress/theme/notes.md',
    ])
    const all = await paths(DEFAULT_INCLUDE, true)
    for (const p of [
      '.md',
      '..md',
      'docs/.hidden.md',
      'docs/.a/.b/n.md',
      '.changeset/brave-cats.md',
      '.husky/notes.txt',
      '.github/.x/y.md',
    ])
      expect(all).toContain(p)
    // Secrets and ignored files stay out with dot on too; the cache folder stays excluded.
    for (const p of ['.env.md', 'docs/.env.local.md', '.github/ignored.md', '.draft.md', 'docs/.vitepress/cache/c.md'])
      expect(all).not.toContain(p)
  })
})

describe('the dot option, as a user gives it', () => {
  it('sync leaves .github/ and .changeset/ out by default, takes them with --dot, and names a bad config value', async () => {
    const server = await createOpenAIServer({ processingMs: 1 })
    try {
      const env = {
        OPENAI_API_KEY: 'sk-test-dot-0123456789abcdef',
        OPENAI_BASE_URL: server.url,
        VECTORNATOR_STORE_ID: undefined,
      }
      const files = {
        'docs/a.md': '# A\n',
        '.github/PULL_REQUEST_TEMPLATE.md': '# PR\n',
        '.changeset/brave-cats.md': '# change\n',
        'docs/.draft.md': '# draft\n',
      }
      const plan = async (args: string[], cwd: string) => {
        const run = await runCli(['sync', '--dry-run', '--json', '--metadata', 'file', ...args], { cwd, env })
        expect(run.code, run.stderr).toBe(0)
        return JSON.parse(run.stdout).added as string[]
      }
      const root = makeTree(files)
      expect(await plan([], root)).toEqual(['docs/a.md'])
      expect(await plan(['--include', '.github/**/*.md'], root)).toEqual(['.github/PULL_REQUEST_TEMPLATE.md'])
      expect(await plan(['--dot'], root)).toEqual([
        '.changeset/brave-cats.md',
        '.github/PULL_REQUEST_TEMPLATE.md',
        'docs/.draft.md',
        'docs/a.md',
      ])
      const bad = makeTree({ ...files, 'vectornator.config.json': JSON.stringify({ dot: 'yes' }) })
      const run = await runCli(['sync', '--dry-run', '--metadata', 'file'], { cwd: bad, env })
      expect(run.code).toBe(2)
      expect(run.stderr.trim().split('\n')).toHaveLength(1)
      expect(run.stderr).toContain('dot must be true or false, got "yes"')
      for (const dir of [root, bad]) rmSync(dir, { recursive: true, force: true })
    } finally {
      await server.close()
    }
  })
})
