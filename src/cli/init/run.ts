import { existsSync, promises as fs, realpathSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import fg from 'fast-glob'
import ignore from 'ignore'
import type { Logger } from '../../lib/logger'
import { UsageError } from '../../lib/errors'
import { findConfigFile } from '../../core'
import type { Env } from '../../providers/definition'
import { detectProject, isDir, type Project, relativePosix } from './detect'
import { chooseProvider, type InitProvider, namedProvider } from './provider'
import {
  FRAMEWORK_NAMES,
  formatOf,
  initConfig,
  installCommand,
  type PluginHint,
  pluginHint,
  renderConfig,
  renderWorkflow,
} from './render'

export interface InitOptions {
  /** The project folder. */
  root: string
  /** Overwrite the files init writes when they exist. */
  force?: boolean
  logger: Logger
  /** Asks the user (interactive runs only); without it the defaults are taken. */
  ask?: (question: string) => Promise<string>
  /** The provider to set up (a registry name); without it the existing config's, the user's answer or the default. */
  provider?: string
  /** Where a provider's server form is looked for (DATABASE_URL set: a server). Default: process.env. */
  env?: Env
}

export interface InitResult {
  project: Project
  /** Files written or appended to (absolute). */
  written: string[]
  /** Files already set up, left as they were (absolute). */
  unchanged: string[]
  /** The plugin lines printed, when a bundler was found. */
  plugin?: PluginHint
}

export const WORKFLOW_FILE = '.github/workflows/vectornator.yml'
export const IGNORE_LINE = '.vectornator/'

/** A path as the user would type it: relative to the current folder when inside it. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}

function realpath(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8')
  } catch {
    return undefined
  }
}

async function write(file: string, text: string): Promise<void> {
  await fs.mkdir(dirname(file), { recursive: true })
  await fs.writeFile(file, text)
}

/**
 * Sets a project up: the config file, the GitHub workflow, the `.gitignore` line; prints the
 * plugin line. Asks only what it cannot infer, never edits the user's own files (a config file or
 * workflow that exists is left alone unless `force`), so a second run changes nothing.
 */
export async function runInit(options: InitOptions): Promise<InitResult> {
  const { logger } = options
  const root = resolve(options.root)
  const env = options.env ?? process.env
  // Checked before anything is read or written: a misspelt name changes nothing.
  const named = options.provider === undefined ? undefined : namedProvider(options.provider, env)
  if (!isDir(root)) throw new UsageError(`${root} is not a folder: run init in your project or pass --root`)
  const project = await detectProject(root)
  const result: InitResult = { project, written: [], unchanged: [] }
  logger.info(`found ${describe(project)}`)
  const provider = named ?? (await chooseProvider(root, env, options.ask, logger))
  if (provider.name) logger.info(`provider ${provider.name}: ${provider.describe}`)

  await writeConfig(project, provider, options, result)
  await writeWorkflow(project, provider, options, result)
  await addIgnoreLine(project, logger, result)
  result.plugin = await printPlugin(project, logger)

  if (result.written.length === 0) {
    logger.info('nothing to do: the project is already set up')
    return result
  }
  const next: string[] = []
  if (!project.installed && result.plugin) next.push(`install it: ${installCommand(project.packageManager)}`)
  for (const secret of provider.secrets) next.push(`add the repository secret ${secret} (gh secret set ${secret})`)
  next.push('preview the sync: npx vectornator status')
  logger.info(`next: ${next.join('; ')}`)
  return result
}

function describe(project: Project): string {
  const parts = [
    `${FRAMEWORK_NAMES[project.framework]}${project.frameworkConfig ? ` (${project.frameworkConfig})` : ''}`,
  ]
  parts.push(
    project.docsDir ? `documents in ${project.docsDir === '.' ? 'the root' : `${project.docsDir}/`}` : 'no docs folder',
  )
  if (project.baseUrl) parts.push(`site ${project.baseUrl} (from ${project.baseUrlFrom})`)
  parts.push(project.typescript ? 'TypeScript' : 'JavaScript')
  parts.push(
    project.git.repo
      ? `git, default branch ${project.git.defaultBranch} (${project.git.branchFrom})`
      : 'not a git repository',
  )
  return parts.join(', ')
}

async function askDocsDir(root: string, ask: (question: string) => Promise<string>, logger: Logger): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer =
      (await ask('Folder of the documents, relative to the project [.]: '))
        .trim()
        .replace(/^\.\/+/, '')
        .replace(/\/+$/, '') || '.'
    const dir = resolve(root, answer)
    const rel = relativePosix(root, dir)
    if (rel.startsWith('..') || isAbsolute(rel))
      logger.warn(`${answer} is outside the project: give a folder inside it`)
    else if (!isDir(dir)) logger.warn(`${answer} is not a folder`)
    else return rel
  }
  return '.'
}

async function writeConfig(
  project: Project,
  provider: InitProvider,
  options: InitOptions,
  result: InitResult,
): Promise<void> {
  const { logger } = options
  let existing: string | undefined
  try {
    existing = findConfigFile(project.root)
  } catch (error) {
    // Two config files: the user's to sort out; init writes nothing more.
    logger.warn((error as Error).message)
    return
  }
  if (existing && !options.force) {
    logger.info(`${shown(existing)}: already set up`)
    result.unchanged.push(existing)
    return
  }

  let docsDir = project.docsDir
  if (docsDir === undefined) {
    if (options.ask) {
      docsDir = await askDocsDir(project.root, options.ask, logger)
    } else {
      docsDir = '.'
      logger.warn(
        'no docs folder found (docs/, content/, src/content/docs, pages/): syncing the documents anywhere in the project; narrow include in the config if needed',
      )
    }
  }
  const file = existing ?? join(project.root, `vectornator.config.${project.typescript ? 'ts' : 'mjs'}`)
  const esm = JSON.parse((await readText(join(project.root, 'package.json'))) || '{}').type === 'module'
  const text = renderConfig(initConfig(project, docsDir, provider.name), formatOf(file, esm))
  if (existing && (await readText(existing)) === text) {
    logger.info(`${shown(existing)}: already set up`)
    result.unchanged.push(existing)
    return
  }
  await write(file, text)
  logger.info(`${existing ? 'rewrote' : 'wrote'} ${shown(file)}`)
  result.written.push(file)
}

async function writeWorkflow(
  project: Project,
  provider: InitProvider,
  options: InitOptions,
  result: InitResult,
): Promise<void> {
  const { logger } = options
  const { git } = project
  const base = git.top ?? project.root
  const file = join(base, WORKFLOW_FILE)
  const workingDirectory = git.top ? relativePosix(git.top, project.root) : '.'
  const text = renderWorkflow({
    branch: git.defaultBranch,
    workingDirectory: workingDirectory === '.' ? undefined : workingDirectory,
    // Install first only when the project pins vectornator; otherwise npx fetches it.
    install:
      project.installed && project.packageManager
        ? { pm: project.packageManager, berry: project.yarnBerry }
        : undefined,
    secrets: provider.secrets,
    localStore: provider.local ? provider.name : undefined,
  })

  const current = await readText(file)
  if (current !== undefined && (!options.force || current === text)) {
    logger.info(`${shown(file)}: already set up`)
    result.unchanged.push(file)
    return
  }
  if (current === undefined) {
    // A workflow of the user's that already runs vectornator: do not add a second one.
    const others = await fg('.github/workflows/*.{yml,yaml}', { cwd: base, dot: true, absolute: true })
    for (const other of others.sort()) {
      if (/\bvectornator\b/.test((await readText(other)) ?? '')) {
        logger.info(`${shown(other)}: already set up (it runs vectornator)`)
        result.unchanged.push(other)
        return
      }
    }
  }
  await write(file, text)
  logger.info(
    `${current === undefined ? 'wrote' : 'rewrote'} ${shown(file)} (sync on push to ${git.defaultBranch}, plan on pull requests)`,
  )
  if (!git.repo)
    logger.warn(
      `not a git repository yet: the workflow assumes the branch ${git.defaultBranch} and runs once the project is on GitHub`,
    )
  result.written.push(file)
}

/** True when a .gitignore from the root up to the repository top already ignores `.vectornator/`. */
async function ignoresState(root: string, top: string | undefined): Promise<boolean> {
  const rootReal = realpath(root)
  const stop = top ? realpath(top) : rootReal
  let dir = rootReal
  while (true) {
    const text = await readText(join(dir, '.gitignore'))
    if (text !== undefined) {
      const path = `${relativePosix(dir, rootReal) === '.' ? '' : `${relativePosix(dir, rootReal)}/`}${IGNORE_LINE}`
      if (ignore().add(text).ignores(path)) return true
    }
    const parent = dirname(dir)
    if (dir === stop || parent === dir) return false
    dir = parent
  }
}

async function addIgnoreLine(project: Project, logger: Logger, result: InitResult): Promise<void> {
  const file = join(project.root, '.gitignore')
  if (await ignoresState(project.root, project.git.top)) {
    logger.info(`${shown(file)}: already set up`)
    result.unchanged.push(file)
    return
  }
  const current = await readText(file)
  const text =
    current === undefined || current === ''
      ? `${IGNORE_LINE}\n`
      : `${current}${current.endsWith('\n') ? '' : '\n'}${IGNORE_LINE}\n`
  await fs.writeFile(file, text)
  logger.info(
    current === undefined
      ? `wrote ${shown(file)} with ${IGNORE_LINE} (local state and the embedded store)`
      : `added ${IGNORE_LINE} to ${shown(file)} (local state and the embedded store)`,
  )
  result.written.push(file)
}

async function printPlugin(project: Project, logger: Logger): Promise<PluginHint | undefined> {
  const hint = pluginHint(project)
  if (!hint) {
    logger.info('no bundler found: the CLI and the workflow sync on their own (npx vectornator sync)')
    return undefined
  }
  const configPath = join(project.root, hint.file)
  if (
    project.frameworkConfig &&
    existsSync(configPath) &&
    /['"]vectornator\/\w+['"]/.test((await readText(configPath)) ?? '')
  ) {
    logger.info(`${shown(configPath)}: already has the plugin`)
    return hint
  }
  logger.info(
    hint.create
      ? `to sync on every production build, create ${hint.file}:`
      : `to sync on every production build, add to ${project.frameworkConfig ? shown(configPath) : hint.file} (init never edits it):`,
  )
  for (const line of hint.lines) logger.info(`  ${line}`)
  return hint
}
