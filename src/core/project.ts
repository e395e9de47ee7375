import { existsSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadConfig, type VectornatorConfig } from './options/config'
import { resolveOptions, type ResolvedOptions } from './options/options'
import { locateState, type StateLocation } from './state'

/** What a face knows when it opens the project. */
export interface ProjectRequest {
  /**
   * The folder the face stands in: the current folder for a command, the bundler's root for a
   * build. The config file is looked for from here upwards; without one, this is the root.
   */
  cwd?: string
  /** A root the user gave (`--root`, the plugin's `root` option): the search starts there, and it is the root. */
  root?: string
  /** A config file to load instead of searching (relative to `cwd`), or false to load none. */
  configFile?: string | false
  /** Options that win over the config file's: CLI flags, the plugin's options. */
  overrides?: VectornatorConfig
  /**
   * With no config file and no root given, a VitePress site in a folder below `cwd` (the only
   * one holding `.vitepress/`) is the root: a command run at the top of the repository then
   * sees the project its build, rooted at the site, sees. A build leaves it off: its root is
   * the site it builds.
   */
  siteBelow?: boolean
}

/** The project found before its options are resolved. */
export interface FoundProject {
  /** Absolute. */
  root: string
  /** Absolute path of the config file read, if any. */
  configFile: string | undefined
  /** The config file's options under the overrides, `root` set: what a face hands on (its own keys included). */
  config: VectornatorConfig
}

/** The project as every face sees it: one root, one config file, one state. */
export interface Project<Settings extends Settled = Settled> extends FoundProject {
  /** The options, resolved once. */
  options: ResolvedOptions
  /** What the face resolved from the config (the plugin's settings), `options` among them. */
  settings: Settings
  /** Where the state lives; asked of git on the first call (for a branch), then kept. */
  stateLocation(): Promise<StateLocation>
  /** Root, config file and state location, as `status --json` prints them. */
  identity(): Promise<ProjectIdentity>
}

/** A face's settings, holding the core's options resolved. */
export interface Settled {
  resolved: ResolvedOptions
}

export interface ProjectIdentity {
  root: string
  configFile: string | null
  state: StateLocation
}

/**
 * Finds the project a face runs in: its config file (the one named, or the nearest from the
 * root or `cwd` upwards), its root and options, and where its state lives. The CLI, the bundler
 * plugin and the MCP server all open it here, so they agree on them by construction.
 * `settle` resolves the options the face's way (the plugin checks its own keys alongside).
 */
export async function openProject(request?: ProjectRequest): Promise<Project>
export async function openProject<S extends Settled>(
  request: ProjectRequest,
  settle: (found: FoundProject) => S,
): Promise<Project<S>>
export async function openProject(
  request: ProjectRequest = {},
  settle: (found: FoundProject) => Settled = found => ({ resolved: resolveOptions(found.config) }),
): Promise<Project> {
  const cwd = resolve(request.cwd ?? '.')
  const loaded = await loadConfig({
    cwd,
    root: request.root,
    configFile: request.configFile,
    overrides: request.overrides,
  })
  const { configFile } = loaded
  const config = { ...loaded.options }
  const site = request.siteBelow && !configFile && config.root === undefined ? vitePressSite(cwd) : undefined
  const root = resolve(config.root ?? site ?? cwd)
  config.root = root
  const found: FoundProject = { root, configFile, config }
  const settings = settle(found)
  const options = settings.resolved
  let located: Promise<StateLocation> | undefined
  const stateLocation = () => (located ??= locateState(options))
  return {
    ...found,
    options,
    settings,
    stateLocation,
    identity: async () => ({ root, configFile: configFile ?? null, state: await stateLocation() }),
  }
}

/** The identity in one line, as the CLI and the plugin print it with `debug`. */
export function identityLine({ root, configFile, state }: ProjectIdentity): string {
  const where =
    state.kind === 'git-branch'
      ? `branch ${state.branch} (key ${state.key}) of ${state.remote}${state.push ? '' : ', not pushed'}`
      : state.kind === 'file'
        ? `file ${state.path}${state.because ? ` (${state.because})` : ''}`
        : 'the state store object given in the options'
  return `project ${root}: config ${configFile ?? 'none'}, state in ${where}`
}

/** The folder holding `.vitepress/`: one below `cwd` (not node_modules or dot folders), never `cwd` itself. */
function vitePressSite(cwd: string): string | undefined {
  if (existsSync(join(cwd, '.vitepress'))) return undefined
  let names: string[]
  try {
    names = readdirSync(cwd)
  } catch {
    return undefined
  }
  const sites = names.filter(n => !n.startsWith('.') && n !== 'node_modules' && existsSync(join(cwd, n, '.vitepress')))
  return sites.length === 1 ? join(cwd, sites[0]!) : undefined
}
