import { DEFAULT_INCLUDE } from '../../core'
import type { Framework, PackageManager, Project } from './detect'
import { DOCUSAURUS_DOCS, DOCUSAURUS_FOLDERS } from '../../frameworks/folders'

/** The options `init` writes: only what it inferred; everything else keeps its default. */
export interface InitConfig {
  /** The provider chosen; none for the default (see the --provider help). */
  provider?: string
  root?: string
  include: string[]
  baseUrl?: string
}

export type ConfigFormat = 'ts' | 'esm' | 'cjs' | 'json'

/** The config for a docs folder: a site's source folder becomes the root, so paths are routes. */
export function initConfig(project: Project, docsDir: string, provider?: string): InitConfig {
  const named = provider === undefined ? {} : { provider }
  const ext = project.extensions
  const patterns = ext ? [`**/*.${ext}`] : DEFAULT_INCLUDE
  // Every folder a Docusaurus site renders pages from, as its plugin syncs them.
  if (project.framework === 'docusaurus' && docsDir === DOCUSAURUS_DOCS)
    return {
      ...named,
      include: DOCUSAURUS_FOLDERS.map(dir => `${dir}/**/*.{md,mdx}`),
      ...(project.baseUrl ? { baseUrl: project.baseUrl } : {}),
    }
  const config: InitConfig =
    docsDir === '.'
      ? { ...named, include: patterns }
      : project.docsIsSiteRoot
        ? { ...named, root: docsDir, include: patterns }
        : { ...named, include: patterns.map(p => `${docsDir}/${p}`) }
  if (project.baseUrl) config.baseUrl = project.baseUrl
  return config
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

function body(config: InitConfig): string {
  const lines: string[] = []
  if (config.provider !== undefined) lines.push(`  provider: ${quote(config.provider)},`)
  if (config.root !== undefined) lines.push(`  root: ${quote(config.root)},`)
  lines.push(`  include: [${config.include.map(quote).join(', ')}],`)
  if (config.baseUrl !== undefined) lines.push(`  baseUrl: ${quote(config.baseUrl)},`)
  return `{\n${lines.join('\n')}\n}`
}

const HEADER = [
  '// Read by `npx vectornator`, the GitHub workflow and the bundler plugin alike:',
  '// command-line flags and options given to the plugin override it.',
]

/** The config file's text in the format its extension asks for. */
export function renderConfig(config: InitConfig, format: ConfigFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(config, null, 2)}\n`
    case 'cjs':
      return [
        ...HEADER,
        `/** @type {import('vectornator').VectornatorConfig} */`,
        `module.exports = ${body(config)}`,
        '',
      ].join('\n')
    default:
      return [
        `import { defineConfig } from 'vectornator'`,
        '',
        ...HEADER,
        `export default defineConfig(${body(config)})`,
        '',
      ].join('\n')
  }
}

/** The format a config file name calls for (`.js` follows the package's module type). */
export function formatOf(file: string, esmPackage: boolean): ConfigFormat {
  if (/\.[cm]?ts$/.test(file)) return 'ts'
  if (file.endsWith('.mjs')) return 'esm'
  if (file.endsWith('.cjs')) return 'cjs'
  if (file.endsWith('.json')) return 'json'
  return esmPackage ? 'esm' : 'cjs'
}

const yamlString = (s: string) =>
  /^[\w./-]+$/.test(s) && !/^(?:true|false|null|yes|no|on|off|~)$/i.test(s) ? s : JSON.stringify(s)

function installSteps(pm: PackageManager | undefined, berry: boolean): string[] {
  switch (pm) {
    case 'npm':
      return ['      - run: npm ci']
    case 'pnpm':
      return ['      - run: corepack enable', '      - run: pnpm install --frozen-lockfile']
    case 'yarn':
      return [
        '      - run: corepack enable',
        `      - run: yarn install ${berry ? '--immutable' : '--frozen-lockfile'}`,
      ]
    case 'bun':
      return ['      - uses: oven-sh/setup-bun@v2', '      - run: bun install --frozen-lockfile']
    default:
      return []
  }
}

export interface WorkflowSettings {
  branch: string
  /** The project's folder inside the repository, when it is not the top. */
  workingDirectory?: string
  /** Install the project's dependencies first (vectornator is one of them and a lockfile pins it). */
  install?: { pm: PackageManager; berry: boolean }
  /** The environment variables the provider reads, each passed from the repository secret of that name. */
  secrets: readonly string[]
  /** The provider keeps its store on the machine that runs the sync: named, it is said in a comment. */
  localStore?: string
}

const and = (words: readonly string[]) =>
  words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`

function needs(settings: WorkflowSettings): string[] {
  const lines: string[] = []
  if (settings.secrets.length)
    lines.push(`# Needs the repository secret${settings.secrets.length > 1 ? 's' : ''} ${and(settings.secrets)}.`)
  if (settings.localStore)
    lines.push(
      `# ${settings.localStore} keeps its store on the machine that syncs: here a runner, so the store is`,
      '# rebuilt on every run and thrown away with the job (the plan lists every document as new).',
    )
  return lines
}

/**
 * The GitHub workflow: sync on push to the default branch, the plan on pull requests.
 * A shallow checkout is enough: vectornator fetches and pushes its state branch itself.
 */
export function renderWorkflow(settings: WorkflowSettings): string {
  const secrets = settings.secrets.map(name => `          ${name}: \${{ secrets.${name} }}`)
  const env = secrets.length ? ['        env:', ...secrets] : []
  return [
    '# Keeps the vector store in step with the documents (written by `npx vectornator init`).',
    '# Push to the default branch: sync. Pull request: the plan, changing nothing.',
    ...needs(settings),
    'name: vectornator',
    '',
    'on:',
    '  push:',
    `    branches: [${yamlString(settings.branch)}]`,
    '  pull_request:',
    '',
    'permissions:',
    '  contents: write # push the sync state branch',
    '  pull-requests: write # comment the plan on pull requests',
    '',
    'concurrency:',
    '  group: vectornator-${{ github.ref }}',
    '  cancel-in-progress: false',
    '',
    'jobs:',
    '  vectornator:',
    '    runs-on: ubuntu-latest',
    ...(settings.workingDirectory
      ? ['    defaults:', '      run:', `        working-directory: ${yamlString(settings.workingDirectory)}`]
      : []),
    '    steps:',
    '      # Depth 1 is enough: vectornator fetches its state branch itself.',
    '      - uses: actions/checkout@v4',
    '      - uses: actions/setup-node@v4',
    '        with:',
    '          node-version: 20',
    ...(settings.install ? installSteps(settings.install.pm, settings.install.berry) : []),
    '      - name: Sync the vector store',
    `        if: github.event_name == 'push'`,
    '        run: npx vectornator sync',
    ...env,
    '      - name: Comment the plan on the pull request',
    `        if: github.event_name == 'pull_request'`,
    '        run: npx vectornator status --format markdown --comment',
    '        env:',
    ...secrets,
    '          GITHUB_TOKEN: ${{ github.token }}',
    '',
  ].join('\n')
}

/** The entry a bundler imports the plugin from. */
const ENTRY: Partial<Record<Framework, string>> = {
  vitepress: 'vite',
  starlight: 'vite',
  astro: 'vite',
  'nuxt-content': 'nuxt',
  nuxt: 'nuxt',
  vite: 'vite',
  docusaurus: 'webpack',
  rspress: 'rspress',
  nextra: 'next',
  next: 'next',
  webpack: 'webpack',
  rspack: 'rspack',
  rolldown: 'rolldown',
  rollup: 'rollup',
  esbuild: 'esbuild',
}

const CONVENTIONAL_CONFIG: Partial<Record<Framework, string>> = {
  vitepress: '.vitepress/config.mts',
  starlight: 'astro.config.mjs',
  astro: 'astro.config.mjs',
  'nuxt-content': 'nuxt.config.ts',
  nuxt: 'nuxt.config.ts',
  vite: 'vite.config.ts',
  docusaurus: 'docusaurus.config.js',
  rspress: 'rspress.config.ts',
  nextra: 'next.config.mjs',
  next: 'next.config.mjs',
  webpack: 'webpack.config.js',
  rspack: 'rspack.config.js',
  rolldown: 'rolldown.config.js',
  rollup: 'rollup.config.js',
  esbuild: 'your esbuild build script',
}

export interface PluginHint {
  /** The file to edit, root-relative. */
  file: string
  /** The file does not exist: the lines are the whole file to create. */
  create?: boolean
  /** The lines to add, in order: the import, then the entry. */
  lines: string[]
}

/** What to add to the bundler's config to sync on every production build; undefined without a bundler. */
export function pluginHint(
  project: Pick<Project, 'framework' | 'frameworkConfig' | 'typescript'>,
): PluginHint | undefined {
  const entry = ENTRY[project.framework]
  if (!entry) return undefined
  const importLine = `import vectornator from 'vectornator/${entry}'`
  if (project.framework === 'vite' && !project.frameworkConfig) {
    // A fresh Vite app has no config file: the whole file to create.
    return {
      file: `vite.config.${project.typescript ? 'ts' : 'js'}`,
      create: true,
      lines: [importLine, 'export default { plugins: [vectornator()] }'],
    }
  }
  const file = project.frameworkConfig ?? CONVENTIONAL_CONFIG[project.framework] ?? ''
  switch (project.framework) {
    case 'starlight':
    case 'astro':
      return { file, lines: [`import vectornator from 'vectornator/astro'`, 'integrations: [vectornator()],'] }
    case 'docusaurus':
      return { file, lines: [`plugins: ['vectornator/docusaurus'],`] }
    case 'rspress':
      return { file, lines: [importLine, 'plugins: [vectornator()],'] }
    case 'nextra':
    case 'next':
      return {
        file,
        lines: [`import { withVectornator } from 'vectornator/next'`, 'export default withVectornator(nextConfig)'],
      }
    case 'nuxt':
    case 'nuxt-content':
      return { file, lines: [`modules: ['vectornator/nuxt'],`] }
    case 'vitepress':
      return { file, lines: [importLine, 'vite: { plugins: [vectornator()] },'] }
    default:
      return { file, lines: [importLine, 'plugins: [vectornator()],'] }
  }
}

export const FRAMEWORK_NAMES: Record<Framework, string> = {
  vitepress: 'VitePress',
  starlight: 'Astro Starlight',
  astro: 'Astro',
  docusaurus: 'Docusaurus',
  rspress: 'Rspress',
  nextra: 'Nextra',
  next: 'Next.js',
  'nuxt-content': 'Nuxt Content',
  nuxt: 'Nuxt',
  vite: 'Vite',
  rspack: 'Rspack',
  webpack: 'webpack',
  rolldown: 'Rolldown',
  rollup: 'Rollup',
  esbuild: 'esbuild',
  none: 'no bundler',
}

/** `npm i -D vectornator` in the project's package manager. */
export function installCommand(pm: PackageManager | undefined): string {
  switch (pm) {
    case 'pnpm':
      return 'pnpm add -D vectornator'
    case 'yarn':
      return 'yarn add -D vectornator'
    case 'bun':
      return 'bun add -d vectornator'
    default:
      return 'npm i -D vectornator'
  }
}
