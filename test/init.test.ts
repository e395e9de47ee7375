import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers/cli'
import { loadConfig } from '../src/core/options/config'
import { resolveOptions } from '../src/core/options/options'
import { scan } from '../src/core/scan/scan'
import { urlOf } from '../src/core/scan/attributes'
import { silentLogger } from '../src/lib/logger'
import { detectProject } from '../src/cli/init/detect'
import { runInit } from '../src/cli/init/run'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

/** `vectornator init ...` through the real command, as a user runs it (no terminal: no questions). */
const init = (args: string[], cwd: string): Promise<Run> => runCli(['init', ...args], { cwd })

/** A copy of a fixture in a fresh temp folder. */
function copy(name: string): string {
  const dir = tempDir(`vn-${name}-`)
  cpSync(join(fixtures, name), dir, { recursive: true })
  return dir
}

/** Every file under dir with its bytes and mtime: what a second run must leave as it was. */
function snapshot(dir: string, base = dir, out = new Map<string, { bytes: string; mtimeMs: number }>()) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.name === '.git') continue
    if (entry.isDirectory()) snapshot(path, base, out)
    else out.set(path.slice(base.length + 1), { bytes: readFileSync(path, 'base64'), mtimeMs: statSync(path).mtimeMs })
  }
  return out
}

/** The documents the written config makes a sync find. */
async function documents(dir: string) {
  const { options, configFile } = await loadConfig({ root: dir })
  const resolved = resolveOptions({ ...options, logger: silentLogger }, {})
  const { files } = await scan({
    root: resolved.root,
    include: resolved.include,
    exclude: resolved.exclude,
    gitignore: resolved.gitignore,
    maxFileBytes: 1 << 20,
  })
  return { configFile, resolved, paths: files.map(f => f.path) }
}

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8')

describe('vectornator init', () => {
  it('sets up a fresh Vite project, and a second run changes nothing', async () => {
    const dir = copy('init-vite')
    const first = await init(['--yes'], dir)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toBe('')

    // No tsconfig.json: an .mjs config, include for the docs folder, no baseUrl to infer.
    expect(read(dir, 'vectornator.config.mjs')).toBe(
      [
        `import { defineConfig } from 'vectornator'`,
        '',
        '// Read by `npx vectornator`, the GitHub workflow and the bundler plugin alike:',
        '// command-line flags and options given to the plugin override it.',
        'export default defineConfig({',
        `  include: ['docs/**/*.{md,mdx,markdown,txt,rst,adoc}'],`,
        '})',
        '',
      ].join('\n'),
    )
    const workflow = read(dir, '.github/workflows/vectornator.yml')
    expect(workflow).toContain('    branches: [main]\n  pull_request:\n')
    expect(workflow).toContain('permissions:\n  contents: write')
    expect(workflow).toContain('  pull-requests: write')
    expect(workflow).toMatch(/- uses: actions\/checkout@v4\n/) // shallow: the tool fetches its state branch
    expect(workflow).not.toContain('fetch-depth')
    expect(workflow).toContain(
      `        if: github.event_name == 'push'\n        run: npx vectornator sync\n        env:\n          OPENAI_API_KEY: \${{ secrets.OPENAI_API_KEY }}\n`,
    )
    expect(workflow).toContain(
      `        if: github.event_name == 'pull_request'\n        run: npx vectornator status --format markdown --comment\n`,
    )
    expect(workflow).not.toContain('npm ci') // vectornator is not a dependency yet: npx fetches it
    expect(read(dir, '.gitignore')).toBe('.vectornator/\n')

    // The plugin line is printed, never patched in: a fresh Vite app has no config file to patch.
    expect(first.stderr).toContain('found Vite, documents in docs/, JavaScript, not a git repository')
    expect(first.stderr).toContain('create vite.config.js:')
    expect(first.stderr).toContain(`[vectornator]   import vectornator from 'vectornator/vite'`)
    expect(first.stderr).toContain('[vectornator]   export default { plugins: [vectornator()] }')
    expect(first.stderr).toContain('install it: npm i -D vectornator')
    expect(readdirSync(dir)).not.toContain('vite.config.js')

    const before = snapshot(dir)
    const second = await init(['--yes'], dir)
    expect(second.code, second.stderr).toBe(0)
    expect(snapshot(dir)).toEqual(before)
    for (const file of ['vectornator.config.mjs', '.github/workflows/vectornator.yml', '.gitignore'])
      expect(second.stderr).toContain(`${file}: already set up`)
    expect(second.stderr).toContain('nothing to do')

    // The config syncs the docs, and only them.
    const { configFile, paths } = await documents(dir)
    expect(configFile).toBe(join(dir, 'vectornator.config.mjs'))
    expect(paths).toEqual(['docs/getting-started.md', 'docs/guide/configuration.md'])

    // ... and a real sync with that config (the embedded store: no key) uploads exactly them.
    const synced = await runCli(['sync', '--json', '--metadata', 'file'], {
      cwd: dir,
      env: { OPENAI_API_KEY: undefined },
    })
    expect(synced.code, synced.stderr).toBe(0)
    expect(JSON.parse(synced.stdout).added).toEqual(['docs/getting-started.md', 'docs/guide/configuration.md'])
  })

  it('sets up a fresh VitePress project: the docs folder is the root, VitePress base the baseUrl', async () => {
    const dir = copy('init-vitepress')
    const first = await init(['--yes'], dir)
    expect(first.code, first.stderr).toBe(0)

    // tsconfig.json: a .ts config.
    expect(read(dir, 'vectornator.config.ts')).toBe(
      [
        `import { defineConfig } from 'vectornator'`,
        '',
        '// Read by `npx vectornator`, the GitHub workflow and the bundler plugin alike:',
        '// command-line flags and options given to the plugin override it.',
        'export default defineConfig({',
        `  root: 'docs',`,
        `  include: ['**/*.md'],`,
        `  baseUrl: '/handbook/',`,
        '})',
        '',
      ].join('\n'),
    )
    // The existing .gitignore keeps its lines and gains one.
    expect(read(dir, '.gitignore')).toBe('node_modules\ndocs/.vitepress/cache\ndocs/.vitepress/dist\n.vectornator/\n')
    expect(first.stderr).toContain('found VitePress (docs/.vitepress/config.mts), documents in docs/, site /handbook/')
    expect(first.stderr).toContain('add to docs/.vitepress/config.mts (init never edits it):')
    expect(first.stderr).toContain(`[vectornator]   import vectornator from 'vectornator/vite'`)
    expect(first.stderr).toContain('[vectornator]   vite: { plugins: [vectornator()] },')
    expect(read(dir, 'docs/.vitepress/config.mts')).not.toContain('vectornator')

    const before = snapshot(dir)
    const second = await init(['--yes'], dir)
    expect(second.code, second.stderr).toBe(0)
    expect(snapshot(dir)).toEqual(before)
    expect(second.stderr.match(/: already set up/g)).toHaveLength(3)

    // The documents are found, named as VitePress routes them.
    const { resolved, paths } = await documents(dir)
    expect(resolved.root).toBe(join(dir, 'docs'))
    expect(paths).toEqual(['guide/deploy.md', 'guide/intro.md', 'index.md'])
    expect(urlOf('guide/intro.md', { baseUrl: resolved.baseUrl })).toBe('/handbook/guide/intro')

    const synced = await runCli(['sync', '--json', '--metadata', 'file'], {
      cwd: dir,
      env: { OPENAI_API_KEY: undefined },
    })
    expect(synced.code, synced.stderr).toBe(0)
    expect(JSON.parse(synced.stdout).added).toEqual(['guide/deploy.md', 'guide/intro.md', 'index.md'])
    const found = await runCli(['search', 'deploy', '--json', '--metadata', 'file'], {
      cwd: dir,
      env: { OPENAI_API_KEY: undefined },
    })
    expect(JSON.parse(found.stdout)[0].url).toMatch(/^\/handbook\/guide\//)
  })

  it('reads the default branch from git, and puts the workflow at the repository top for a project in a subfolder', async () => {
    const repo = tempDir('vn-init-git-')
    const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8' })
    expect(git('init', '-q', '-b', 'trunk').status).toBe(0)
    cpSync(join(fixtures, 'init-vite'), join(repo, 'site'), { recursive: true })

    const run = await init(['--yes', '--root', 'site'], repo)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('git, default branch trunk (current branch)')
    const workflow = read(repo, '.github/workflows/vectornator.yml')
    expect(workflow).toContain('    branches: [trunk]\n')
    expect(workflow).toContain('    defaults:\n      run:\n        working-directory: site\n')
    expect(read(repo, 'site/vectornator.config.mjs')).toContain(`include: ['docs/**/*.{md,mdx,markdown,txt,rst,adoc}']`)
    expect(git('check-ignore', '-q', 'site/.vectornator/metadata.json').status).toBe(0)
  })
})

/** A project folder holding the given files. */
function tree(files: Record<string, string>): string {
  const dir = tempDir('vn-init-')
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

const pkg = (deps: Record<string, string>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 'p', devDependencies: deps, ...extra })

describe('init detection', () => {
  it('recognises docs frameworks and bundlers, with their docs folder and site', async () => {
    const starlight = await detectProject(
      tree({
        'package.json': pkg({ astro: '^5', '@astrojs/starlight': '^0.30' }),
        'astro.config.mjs': `export default { site: 'https://docs.example.com', base: '/kit' }`,
        'src/content/docs/index.mdx': '# Kit',
      }),
    )
    expect(starlight).toMatchObject({
      framework: 'starlight',
      frameworkConfig: 'astro.config.mjs',
      docsDir: 'src/content/docs',
      docsIsSiteRoot: true,
      baseUrl: 'https://docs.example.com/kit/',
    })

    const docusaurus = await detectProject(
      tree({
        'package.json': pkg({ '@docusaurus/core': '^3' }),
        'docusaurus.config.ts': `const config = { url: 'https://acme.dev', baseUrl: '/', title: 'Acme' }\nexport default config`,
        'docs/intro.md': '# Intro',
        'tsconfig.json': '{}',
      }),
    )
    expect(docusaurus).toMatchObject({
      framework: 'docusaurus',
      docsDir: 'docs',
      docsIsSiteRoot: false,
      baseUrl: 'https://acme.dev/',
      typescript: true,
    })

    const nuxt = await detectProject(
      tree({ 'package.json': pkg({ nuxt: '^3', '@nuxt/content': '^3' }), 'content/index.md': '# Hi' }),
    )
    expect(nuxt).toMatchObject({ framework: 'nuxt-content', docsDir: 'content', docsIsSiteRoot: false })

    const rspack = await detectProject(
      tree({
        'package.json': pkg({ '@rspack/core': '^1', esbuild: '^0.24' }),
        'rspack.config.mjs': 'export default {}',
        'pages/a.md': '# a',
      }),
    )
    expect(rspack).toMatchObject({ framework: 'rspack', frameworkConfig: 'rspack.config.mjs', docsDir: 'pages' })

    // A repository homepage is not the site; a site homepage is.
    const none = await detectProject(
      tree({ 'package.json': pkg({}, { homepage: 'https://github.com/acme/kit#readme' }) }),
    )
    expect(none).toMatchObject({ framework: 'none', docsDir: undefined })
    expect(none.baseUrl).toBeUndefined()
    const site = await detectProject(
      tree({
        'package.json': pkg({ vite: '^8', vectornator: '^0.1' }, { homepage: 'https://kit.acme.dev/docs' }),
        'package-lock.json': '{}',
      }),
    )
    expect(site).toMatchObject({
      framework: 'vite',
      baseUrl: 'https://kit.acme.dev/docs/',
      installed: true,
      packageManager: 'npm',
    })
  })

  it('asks for the docs folder only when it cannot infer it, and never overwrites without --force', async () => {
    const dir = tree({
      'package.json': pkg({ esbuild: '^0.24' }, { type: 'module' }),
      'notes/a.md': '# a',
      'README.md': '# readme',
    })
    const questions: string[] = []
    // Enter at the provider's question takes the default; then the docs folder.
    const answers = ['', 'missing', 'notes/']
    const result = await runInit({
      root: dir,
      logger: silentLogger,
      ask: async q => {
        questions.push(q)
        return answers.shift() ?? ''
      },
    })
    expect(questions).toHaveLength(3) // the first folder is not a folder: asked again
    expect(questions[0]).toMatch(/^Where the documents are kept:\n {2}1\. openai/)
    expect(read(dir, 'vectornator.config.mjs')).toContain(`include: ['notes/**/*.{md,mdx,markdown,txt,rst,adoc}']`)
    expect(read(dir, 'vectornator.config.mjs')).not.toContain('provider')
    expect(result.plugin).toEqual({
      file: 'your esbuild build script',
      lines: [`import vectornator from 'vectornator/esbuild'`, 'plugins: [vectornator()],'],
    })
    expect((await documents(dir)).paths).toEqual(['notes/a.md'])

    // Asked nothing once the config exists; --force rewrites it.
    writeFileSync(join(dir, 'vectornator.config.mjs'), 'export default { include: ["**/*.md"] }\n')
    const again = await runInit({
      root: dir,
      logger: silentLogger,
      ask: async () => {
        throw new Error('asked')
      },
    })
    expect(again.written).toEqual([])
    const forced = await runInit({ root: dir, force: true, logger: silentLogger })
    expect(forced.written).toEqual([join(dir, 'vectornator.config.mjs')])
    expect(read(dir, 'vectornator.config.mjs')).toContain(`include: ['**/*.{md,mdx,markdown,txt,rst,adoc}']`) // no questions: the root
  })

  it("leaves alone a workflow of the user's that already runs vectornator", async () => {
    const dir = tree({
      'package.json': pkg({ vite: '^8' }),
      '.github/workflows/docs.yml':
        'on: push\njobs:\n  docs:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npx vectornator sync\n',
      '.gitignore': '.*\n',
      'docs/a.md': '# a',
    })
    const result = await runInit({ root: dir, logger: silentLogger })
    expect(result.written).toEqual([join(dir, 'vectornator.config.mjs')])
    expect(result.unchanged).toEqual([join(dir, '.github/workflows/docs.yml'), join(dir, '.gitignore')])
    expect(readdirSync(join(dir, '.github/workflows'))).toEqual(['docs.yml'])
  })

  it('gives Docusaurus and Astro sites the one line of their own integration, and a config covering every folder Docusaurus renders', async () => {
    const site = tree({
      'package.json': pkg({ '@docusaurus/core': '^3' }),
      'docusaurus.config.js': `export default { url: 'https://acme.dev', baseUrl: '/' }`,
      'docs/a.md': '# a',
    })
    const result = await runInit({ root: site, logger: silentLogger })
    expect(result.plugin?.lines).toEqual([`plugins: ['vectornator/docusaurus'],`])
    const config = readFileSync(join(site, 'vectornator.config.mjs'), 'utf8')
    for (const dir of ['docs', 'blog', 'src/pages', 'versioned_docs', 'i18n'])
      expect(config).toContain(`'${dir}/**/*.{md,mdx}'`)
    writeFileSync(
      join(site, 'docusaurus.config.js'),
      `export default { url: 'https://acme.dev', baseUrl: '/', plugins: ['vectornator/docusaurus'] }`,
    )
    expect((await runInit({ root: site, logger: silentLogger })).written).toEqual([])

    const astro = tree({
      'package.json': pkg({ astro: '^5', '@astrojs/starlight': '^0.37' }),
      'astro.config.mjs': 'export default {}',
      'src/content/docs/a.md': '# a',
    })
    expect((await runInit({ root: astro, logger: silentLogger })).plugin?.lines).toEqual([
      `import vectornator from 'vectornator/astro'`,
      'integrations: [vectornator()],',
    ])
  })

  it('gives Rspress, Next.js (Nextra) and Nuxt sites the one line of their own integration; a second run changes nothing', async () => {
    const sites: [Record<string, string>, Record<string, unknown>, string[], string][] = [
      [
        {
          'package.json': pkg({ '@rspress/core': '^2' }),
          'rspress.config.ts': `export default { root: 'docs', base: '/kit/', siteOrigin: 'https://kit.dev' }`,
          'docs/en/a.md': '# a',
        },
        {
          framework: 'rspress',
          frameworkConfig: 'rspress.config.ts',
          docsDir: 'docs',
          docsIsSiteRoot: false,
          baseUrl: 'https://kit.dev/kit/',
        },
        [`import vectornator from 'vectornator/rspress'`, 'plugins: [vectornator()],'],
        `export default { root: 'docs', plugins: [vectornator()] }\nimport vectornator from 'vectornator/rspress'`,
      ],
      [
        {
          'package.json': pkg({ next: '^16', nextra: '^4' }),
          'next.config.mjs': `export default { basePath: '/kit' }`,
          'content/a.mdx': '# a',
        },
        {
          framework: 'nextra',
          frameworkConfig: 'next.config.mjs',
          docsDir: 'content',
          docsIsSiteRoot: false,
          baseUrl: '/kit/',
        },
        [`import { withVectornator } from 'vectornator/next'`, 'export default withVectornator(nextConfig)'],
        `import { withVectornator } from 'vectornator/next'\nexport default withVectornator({ basePath: '/kit' })`,
      ],
      [
        {
          'package.json': pkg({ nuxt: '^4' }),
          'nuxt.config.ts': 'export default defineNuxtConfig({})',
          'docs/a.md': '# a',
        },
        { framework: 'nuxt', frameworkConfig: 'nuxt.config.ts', docsDir: 'docs' },
        [`modules: ['vectornator/nuxt'],`],
        `export default defineNuxtConfig({ modules: ['vectornator/nuxt'] })`,
      ],
    ]
    for (const [files, detected, lines, withPlugin] of sites) {
      const dir = tree(files)
      const first = await runInit({ root: dir, logger: silentLogger })
      expect(first.project).toMatchObject(detected)
      expect(first.plugin?.lines).toEqual(lines)
      expect(first.written).toContain(join(dir, 'vectornator.config.mjs'))
      // Once the user adds the line, a second run writes nothing and changes nothing.
      writeFileSync(join(dir, String(detected.frameworkConfig)), withPlugin)
      const before = snapshot(dir)
      const second = await runInit({ root: dir, logger: silentLogger })
      expect(second.written).toEqual([])
      expect(snapshot(dir)).toEqual(before)
    }
    // The config syncs the documents under the paths the integration gives them.
    const nextra = tree({
      'package.json': pkg({ next: '^16', nextra: '^4' }),
      'content/guide/a.mdx': '# a',
      'README.md': '# readme',
    })
    await runInit({ root: nextra, logger: silentLogger })
    expect((await documents(nextra)).paths).toEqual(['content/guide/a.mdx'])
  })
})

/** The `env:` lines of the workflow's sync step (none: the step has no env block). */
function syncEnv(workflow: string): string[] {
  const step = workflow.split('      - name: Sync the vector store\n')[1]!.split('      - name:')[0]!
  return step
    .split('\n')
    .filter(line => /^ {10}\w+:/.test(line))
    .map(line => line.trim())
}

describe('init --provider', () => {
  it('names chroma in the config and passes the secrets it reads, and only them, in the workflow', async () => {
    const dir = copy('init-vite')
    const run = await init(['--provider', 'chroma'], dir)
    expect(run.code, run.stderr).toBe(0)
    expect(read(dir, 'vectornator.config.mjs')).toContain(
      `export default defineConfig({\n  provider: 'chroma',\n  include: ['docs/**/*.{md,mdx,markdown,txt,rst,adoc}'],\n})`,
    )
    const workflow = read(dir, '.github/workflows/vectornator.yml')
    // Chroma never embeds: the vectors come from OpenAI embeddings, so the key goes along.
    expect(syncEnv(workflow)).toEqual([
      'CHROMA_URL: ${{ secrets.CHROMA_URL }}',
      'OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}',
    ])
    expect(workflow).toContain('# Needs the repository secrets CHROMA_URL and OPENAI_API_KEY.')
    expect(workflow).toContain(
      '        run: npx vectornator status --format markdown --comment\n        env:\n          CHROMA_URL: ${{ secrets.CHROMA_URL }}\n          OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}\n          GITHUB_TOKEN: ${{ github.token }}\n',
    )
    expect(run.stderr).toContain('add the repository secret CHROMA_URL (gh secret set CHROMA_URL)')

    // The written config is one the tool takes: it resolves to the chroma provider.
    const { resolved } = await documents(dir)
    expect(resolved.provider.name).toBe('chroma')
  })

  it('sets up lancedb with no secret in the workflow, and the CLI then syncs and plans with it', async () => {
    const dir = copy('init-vite')
    const run = await init(['--provider', 'lancedb'], dir)
    expect(run.code, run.stderr).toBe(0)
    expect(read(dir, 'vectornator.config.mjs')).toContain(`  provider: 'lancedb',\n`)
    const workflow = read(dir, '.github/workflows/vectornator.yml')
    expect(syncEnv(workflow)).toEqual([])
    expect(workflow).not.toContain('secrets.')
    expect(workflow).not.toContain('Needs the repository secret')
    expect(workflow).toContain('# lancedb keeps its store on the machine that syncs: here a runner, so the store is\n')
    // The pull request step still comments with the job's own token.
    expect(workflow).toContain(
      '        run: npx vectornator status --format markdown --comment\n        env:\n          GITHUB_TOKEN: ${{ github.token }}\n',
    )
    expect(run.stderr).not.toContain('gh secret set')

    // The generated project works as it is: no flag names the provider, no key is set.
    const env = { OPENAI_API_KEY: undefined, DATABASE_URL: undefined, CHROMA_URL: undefined }
    const planned = await runCli(['status', '--json'], { cwd: dir, env })
    expect(planned.code, planned.stderr).toBe(0)
    expect(JSON.parse(planned.stdout).added).toEqual(['docs/getting-started.md', 'docs/guide/configuration.md'])
    const synced = await runCli(['sync', '--json'], { cwd: dir, env })
    expect(synced.code, synced.stderr).toBe(0)
    expect(synced.stderr).toContain('LanceDB store is in .vectornator/lancedb')
    const after = await runCli(['status'], { cwd: dir, env })
    expect(after.code, after.stderr).toBe(0)
    expect(after.stdout).toContain('0 to add, 0 to update, 0 to delete, 0 to rename, 0 to re-tag, 2 unchanged')
  })

  it('refuses an unknown provider in one line naming the choices, and writes nothing', async () => {
    const dir = copy('init-vite')
    const before = snapshot(dir)
    const run = await init(['--provider', 'weaviate', '--yes'], dir)
    expect(run.code).toBe(2)
    expect(run.stderr.trim().split('\n')).toEqual([
      '[vectornator] --provider weaviate is unknown: use openai, chroma, qdrant, pinecone, azure, postgres or lancedb',
    ])
    expect(snapshot(dir)).toEqual(before)
  })

  it('asks for the provider on a terminal: by number or name, the server form when its variable is set', async () => {
    const project = () => tree({ 'package.json': pkg({ vite: '^8' }), 'docs/a.md': '# a' })
    const answered = async (answers: string[], env: Record<string, string | undefined> = {}) => {
      const dir = project()
      const questions: string[] = []
      await runInit({
        root: dir,
        env,
        logger: silentLogger,
        ask: async q => {
          questions.push(q)
          return answers.shift() ?? ''
        },
      })
      return { dir, questions, workflow: read(dir, '.github/workflows/vectornator.yml') }
    }

    // Every registered provider is offered, each with what it needs.
    const embedded = await answered(['nope', 'postgres'])
    expect(embedded.questions).toHaveLength(2) // not a choice: asked again
    const menu = embedded.questions[0]!
    for (const name of ['openai', 'chroma', 'lancedb', 'postgres']) expect(menu).toMatch(new RegExp(`\\d\\. ${name} `))
    expect(menu).toContain('(needs CHROMA_URL, OPENAI_API_KEY)')
    expect(menu).toContain(
      '[Enter: openai when OPENAI_API_KEY is set, else postgres when DATABASE_URL is set, else lancedb]',
    )
    expect(read(embedded.dir, 'vectornator.config.mjs')).toContain(`  provider: 'postgres',\n`)
    expect(syncEnv(embedded.workflow)).toEqual([])

    // The same name with DATABASE_URL set: a server, whose address the workflow passes.
    const server = await answered(['postgres'], { DATABASE_URL: 'postgres://u:p@db.example:5432/docs' })
    expect(read(server.dir, 'vectornator.config.mjs')).toContain(`  provider: 'postgres',\n`)
    expect(syncEnv(server.workflow)).toEqual(['DATABASE_URL: ${{ secrets.DATABASE_URL }}'])

    // By number: the first is openai.
    const openai = await answered(['1'])
    expect(syncEnv(openai.workflow)).toEqual(['OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}'])

    // Asked nothing when the config exists: the workflow passes what its provider needs.
    const dir = server.dir
    rmSync(join(dir, '.github'), { recursive: true })
    writeFileSync(join(dir, 'vectornator.config.mjs'), `export default { provider: 'chroma' }\n`)
    await runInit({
      root: dir,
      logger: silentLogger,
      ask: async () => {
        throw new Error('asked')
      },
    })
    expect(syncEnv(read(dir, '.github/workflows/vectornator.yml'))).toEqual([
      'CHROMA_URL: ${{ secrets.CHROMA_URL }}',
      'OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}',
    ])
  })
})
