import { execFile } from 'node:child_process'
import { existsSync, promises as fs, realpathSync, statSync } from 'node:fs'
import { join, posix, relative, sep } from 'node:path'
import fg from 'fast-glob'
import {
  ASTRO_FOLDERS,
  DOCUSAURUS_DOCS,
  NEXT_FOLDERS,
  NUXT_CONTENT,
  RSPRESS_DOCS,
  STARLIGHT_DOCS,
} from '../../frameworks/folders'

/** What `init` recognises, most specific first: a docs framework wins over the bundler under it. */
export type Framework =
  | 'vitepress'
  | 'starlight'
  | 'astro'
  | 'docusaurus'
  | 'rspress'
  | 'nextra'
  | 'next'
  | 'nuxt-content'
  | 'nuxt'
  | 'vite'
  | 'rspack'
  | 'webpack'
  | 'rolldown'
  | 'rollup'
  | 'esbuild'
  | 'none'

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun'

export interface GitInfo {
  /** Inside a git work tree. */
  repo: boolean
  /** The work tree's top folder (where `.github/` belongs). */
  top?: string
  /** Branch the workflow syncs on push. */
  defaultBranch: string
  /** Where the branch name came from. */
  branchFrom: 'origin/HEAD' | 'current branch' | 'default'
}

export interface Project {
  root: string
  framework: Framework
  /** The framework's or bundler's config file (root-relative POSIX path), when there is one. */
  frameworkConfig?: string
  /** Folder of the documents, root-relative POSIX (`.` for the root); undefined when nothing was found. */
  docsDir?: string
  /**
   * The docs folder is the site's source folder (its paths are the page routes: VitePress srcDir,
   * Starlight's src/content/docs), so it becomes the config's `root`.
   */
  docsIsSiteRoot: boolean
  /** File extensions the framework renders, as a glob part: `md` or `{md,mdx}`. */
  extensions?: string
  /** Site base for the `url` attribute, when the project says it. */
  baseUrl?: string
  /** Why baseUrl was inferred (for the summary). */
  baseUrlFrom?: string
  typescript: boolean
  packageManager?: PackageManager
  /** Yarn 2+ (a .yarnrc.yml beside the lockfile). */
  yarnBerry: boolean
  /** `vectornator` is already a dependency of the project. */
  installed: boolean
  git: GitInfo
}

interface PackageJson {
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  homepage?: string
  packageManager?: string
}

const CONFIG_EXT = '{ts,mts,cts,js,mjs,cjs}'

const toPosix = (p: string) => (sep === '/' ? p : p.split(sep).join('/'))

export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

async function readJson(file: string): Promise<PackageJson | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as PackageJson
  } catch {
    return undefined
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8')
  } catch {
    return undefined
  }
}

/** The first config file of a tool in the root, e.g. `vite.config.ts`. */
async function configFile(root: string, base: string): Promise<string | undefined> {
  const found = await fg(`${base}.${CONFIG_EXT}`, { cwd: root, onlyFiles: true, dot: true })
  return found.sort()[0]
}

/** `.vitepress/config.*` at the root or up to two folders down, the shallowest first. */
async function vitepressConfig(root: string): Promise<string | undefined> {
  const found = await fg(
    [`.vitepress/config.${CONFIG_EXT}`, `*/.vitepress/config.${CONFIG_EXT}`, `*/*/.vitepress/config.${CONFIG_EXT}`],
    {
      cwd: root,
      onlyFiles: true,
      dot: true,
      ignore: ['**/node_modules/**'],
    },
  )
  return found.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))[0]
}

/** A string literal given to `key:` in a config file's source (best effort, never executed). */
export function literal(source: string, key: string): string | undefined {
  const match = new RegExp(`(?<![\\w$.])${key}\\s*:\\s*(['"\`])([^'"\`\\n]*)\\1`).exec(source)
  return match?.[2]
}

/** A homepage that is the site itself, not a repository or registry page. */
export function siteUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (/^(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|npmjs\.com|npmjs\.org)$/.test(url.hostname))
    return undefined
  url.hash = ''
  url.search = ''
  return url
}

/** A site's base: an origin (or full URL) and a base path, either of which may be missing. */
export function joinBase(site: URL | undefined, base: string | undefined): string | undefined {
  const path = base && base !== '/' ? `/${base.replace(/^\/+|\/+$/g, '')}/` : undefined
  if (site && path) return new URL(path, site.origin).href
  if (site) return site.href.endsWith('/') ? site.href : `${site.href}/`
  return path
}

async function run(cmd: string, args: string[], cwd: string): Promise<string | undefined> {
  return new Promise(resolve => {
    execFile(cmd, args, { cwd, timeout: 10_000 }, (error, stdout) => resolve(error ? undefined : stdout.trim()))
  })
}

export async function detectGit(root: string): Promise<GitInfo> {
  const top = await run('git', ['rev-parse', '--show-toplevel'], root)
  if (!top) return { repo: false, defaultBranch: 'main', branchFrom: 'default' }
  const originHead = await run('git', ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], root)
  if (originHead && originHead.includes('/'))
    return { repo: true, top, defaultBranch: originHead.slice(originHead.indexOf('/') + 1), branchFrom: 'origin/HEAD' }
  const current = await run('git', ['symbolic-ref', '--quiet', '--short', 'HEAD'], root)
  if (current) return { repo: true, top, defaultBranch: current, branchFrom: 'current branch' }
  return { repo: true, top, defaultBranch: 'main', branchFrom: 'default' }
}

function packageManager(
  root: string,
  top: string | undefined,
  pkg: PackageJson | undefined,
): { pm?: PackageManager; berry: boolean } {
  for (const dir of top && top !== root ? [root, top] : [root]) {
    const has = (name: string) => existsSync(join(dir, name))
    if (has('pnpm-lock.yaml')) return { pm: 'pnpm', berry: false }
    if (has('yarn.lock')) return { pm: 'yarn', berry: has('.yarnrc.yml') }
    if (has('bun.lock') || has('bun.lockb')) return { pm: 'bun', berry: false }
    if (has('package-lock.json') || has('npm-shrinkwrap.json')) return { pm: 'npm', berry: false }
  }
  const declared = /^(npm|pnpm|yarn|bun)@/.exec(pkg?.packageManager ?? '')?.[1] as PackageManager | undefined
  return { pm: declared, berry: declared === 'yarn' && !/^yarn@1\./.test(pkg?.packageManager ?? '') }
}

/** The first of the usual docs folders that exists. */
function genericDocsDir(root: string): string | undefined {
  return ['docs', 'content', 'src/content/docs', 'pages'].find(dir => isDir(join(root, dir)))
}

/** What every framework's detector reads and fills in. */
interface Detection {
  root: string
  has: (name: string) => boolean
  homepage: URL | undefined
  project: Project
  setBase: (site: URL | undefined, base: string | undefined, from: string) => void
}

async function detectVitePress({ root, has, homepage, project, setBase }: Detection): Promise<boolean> {
  const vitepress = await vitepressConfig(root)
  if (!has('vitepress') && !vitepress) return false
  project.framework = 'vitepress'
  project.extensions = 'md'
  if (vitepress) {
    project.frameworkConfig = vitepress
    const source = (await readText(join(root, vitepress))) ?? ''
    const siteDir = posix.dirname(posix.dirname(vitepress))
    const srcDir = literal(source, 'srcDir')
    project.docsDir = posix.normalize(srcDir ? posix.join(siteDir, srcDir) : siteDir).replace(/\/$/, '') || '.'
    project.docsIsSiteRoot = true
    const hostname = siteUrl(literal(source, 'hostname'))
    setBase(
      hostname ?? homepage,
      literal(source, 'base'),
      `${vitepress}${hostname ? ' (base, sitemap.hostname)' : homepage ? ' base and package.json homepage' : ' base'}`,
    )
  }
  return true
}

/** The framework's config file as text ('' when there is none). */
async function configSource(root: string, project: Project): Promise<string> {
  return project.frameworkConfig ? ((await readText(join(root, project.frameworkConfig))) ?? '') : ''
}

async function detectAstro({ root, has, homepage, project, setBase }: Detection): Promise<boolean> {
  if (!has('@astrojs/starlight') && !has('astro') && !(await configFile(root, 'astro.config'))) return false
  project.framework = has('@astrojs/starlight') ? 'starlight' : 'astro'
  project.frameworkConfig = await configFile(root, 'astro.config')
  project.extensions = '{md,mdx}'
  const dir = (project.framework === 'astro' ? ASTRO_FOLDERS : [STARLIGHT_DOCS]).find(d => isDir(join(root, d)))
  if (dir) {
    project.docsDir = dir
    project.docsIsSiteRoot = true
  }
  const source = await configSource(root, project)
  const site = siteUrl(literal(source, 'site'))
  setBase(
    site ?? homepage,
    literal(source, 'base'),
    site ? `${project.frameworkConfig} (site, base)` : 'package.json homepage',
  )
  return true
}

async function detectDocusaurus({ root, has, homepage, project, setBase }: Detection): Promise<boolean> {
  if (!has('@docusaurus/core') && !(await configFile(root, 'docusaurus.config'))) return false
  project.framework = 'docusaurus'
  project.frameworkConfig = await configFile(root, 'docusaurus.config')
  project.extensions = '{md,mdx}'
  // Docusaurus serves docs/intro.md at /docs/intro: root-relative paths are already the routes.
  if (isDir(join(root, DOCUSAURUS_DOCS))) project.docsDir = DOCUSAURUS_DOCS
  const source = await configSource(root, project)
  const site = siteUrl(literal(source, 'url'))
  setBase(
    site ?? homepage,
    literal(source, 'baseUrl'),
    site ? `${project.frameworkConfig} (url, baseUrl)` : 'package.json homepage',
  )
  return true
}

async function detectRspress({ root, has, homepage, project, setBase }: Detection): Promise<boolean> {
  if (!has('@rspress/core') && !has('rspress') && !(await configFile(root, 'rspress.config'))) return false
  project.framework = 'rspress'
  project.frameworkConfig = await configFile(root, 'rspress.config')
  project.extensions = '{md,mdx}'
  const source = await configSource(root, project)
  // Root-relative paths, as the Rspress plugin syncs them (it knows each page's route).
  const docs = literal(source, 'root') ?? RSPRESS_DOCS
  if (isDir(join(root, docs))) project.docsDir = posix.normalize(docs).replace(/\/$/, '')
  setBase(
    siteUrl(literal(source, 'siteOrigin')) ?? homepage,
    literal(source, 'base'),
    `${project.frameworkConfig ?? 'package.json'} (siteOrigin, base)`,
  )
  return true
}

async function detectNext({ root, has, homepage, project, setBase }: Detection): Promise<boolean> {
  if (!has('nextra') && !has('next') && !(await configFile(root, 'next.config'))) return false
  project.framework = has('nextra') ? 'nextra' : 'next'
  project.frameworkConfig = await configFile(root, 'next.config')
  project.extensions = '{md,mdx}'
  // One folder for the config: a pages router before an app router, as `init` has always chosen.
  const router = (dir: string) => (/(^|\/)app$/.test(dir) ? 1 : 0)
  project.docsDir = [...NEXT_FOLDERS].sort((a, b) => router(a) - router(b)).find(d => isDir(join(root, d)))
  const source = await configSource(root, project)
  setBase(homepage, literal(source, 'basePath'), `${project.frameworkConfig ?? 'package.json'} (basePath)`)
  return true
}

async function detectNuxtContent({ root, has, project }: Detection): Promise<boolean> {
  if (!has('@nuxt/content')) return false
  project.framework = 'nuxt-content'
  project.frameworkConfig = await configFile(root, 'nuxt.config')
  project.extensions = 'md'
  // Root-relative paths, as the Nuxt module syncs them (it knows each page's content path).
  if (isDir(join(root, NUXT_CONTENT))) project.docsDir = NUXT_CONTENT
  return true
}

const BUNDLERS: [Framework, string[], string][] = [
  ['nuxt', ['nuxt'], 'nuxt.config'],
  ['vite', ['vite'], 'vite.config'],
  ['rspack', ['@rspack/core', '@rspack/cli'], 'rspack.config'],
  ['webpack', ['webpack', 'webpack-cli'], 'webpack.config'],
  ['rolldown', ['rolldown'], 'rolldown.config'],
  ['rollup', ['rollup'], 'rollup.config'],
  ['esbuild', ['esbuild'], 'esbuild.config'],
]

async function detectBundler({ root, has, project }: Detection): Promise<boolean> {
  for (const [framework, names, config] of BUNDLERS) {
    const file = await configFile(root, config)
    if (names.some(has) || file) {
      project.framework = framework
      project.frameworkConfig = file
      return true
    }
  }
  return false
}

/** Tried in order; the first that recognises the project fills it in. */
const DETECTORS = [
  detectVitePress,
  detectAstro,
  detectDocusaurus,
  detectRspress,
  detectNext,
  detectNuxtContent,
  detectBundler,
]

/**
 * Looks at the project and infers everything `init` needs: framework, docs folder, site base,
 * TypeScript, package manager, git. Reads files and runs `git`; writes nothing, asks nothing.
 */
export async function detectProject(root: string): Promise<Project> {
  const pkg = await readJson(join(root, 'package.json'))
  const deps = { ...pkg?.peerDependencies, ...pkg?.devDependencies, ...pkg?.dependencies }
  const has = (name: string) => name in deps
  const git = await detectGit(root)
  const { pm, berry } = packageManager(realpath(root), git.top, pkg)
  const homepage = siteUrl(pkg?.homepage)

  const project: Project = {
    root,
    framework: 'none',
    docsIsSiteRoot: false,
    typescript: existsSync(join(root, 'tsconfig.json')),
    packageManager: pm,
    yarnBerry: berry,
    installed: has('vectornator'),
    git,
  }
  const setBase = (site: URL | undefined, base: string | undefined, from: string) => {
    const value = joinBase(site, base)
    if (value) {
      project.baseUrl = value
      project.baseUrlFrom = from
    }
  }
  const detection: Detection = { root, has, homepage, project, setBase }
  for (const detect of DETECTORS) if (await detect(detection)) break

  if (project.docsDir === undefined) {
    project.docsDir = genericDocsDir(root)
    project.docsIsSiteRoot = false
  }
  if (!project.baseUrl && homepage) setBase(homepage, undefined, 'package.json homepage')
  return project
}

function realpath(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

/** `dir` relative to `from`, POSIX, `.` when equal. */
export function relativePosix(from: string, dir: string): string {
  return toPosix(relative(realpath(from), realpath(dir))) || '.'
}
