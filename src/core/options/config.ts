import { existsSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import type { MetadataOptions, VectornatorOptions } from '../../types'
import { errorMessage, problemsError, UsageError } from '../../lib/errors'
import { resolveOptions } from './options'
import { PROVIDER_OPTION_KEYS, type ProviderOptions } from '../../providers/registry'
import type { LlmsTxtOptions } from '../llms/options'

/**
 * Options only the bundler plugin reads (the same types as its own options), so one config file
 * serves every face; the CLI and the Action ignore them.
 */
export interface PluginConfigOptions {
  /** Switch the plugin off. */
  enabled?: boolean
  /** Also sync files the build emitted: `true` for the text pages, or globs over the output folder. */
  assets?: boolean | string | string[]
  /** Sync in watch mode once changes settle. */
  watch?: boolean | { debounceMs?: number }
  /** Whether a failed sync fails the build (default: true in CI). */
  failOnError?: boolean
}

/** What `vectornator.config.*` holds: the core options, plus the plugin's own. */
export interface VectornatorConfig extends VectornatorOptions, PluginConfigOptions {
  /** Retrieval checks run after each sync: a checks file (relative to the root), or true for the default names. */
  checks?: string | boolean
  /** Write llms.txt and llms-full.txt: into the build's output (plugin), or with `vectornator llms-txt`. */
  llmsTxt?: boolean | LlmsTxtOptions
}

/** Types a config file: `export default defineConfig({ ... })`. Returns its argument unchanged. */
export function defineConfig(config: VectornatorConfig): VectornatorConfig {
  return config
}

/** Config file names looked for in the root, in this order (two of them at once is an error). */
export const CONFIG_FILES = ['ts', 'mts', 'mjs', 'js', 'cjs', 'json'].map(ext => `vectornator.config.${ext}`)

/**
 * Every key a config file may hold. Typed against VectornatorConfig so a new option cannot be
 * forgotten here (tsc fails until it is listed); the providers' keys come from the registry.
 */
const CONFIG_KEYS: Record<keyof VectornatorConfig, true> = {
  ...(Object.fromEntries(PROVIDER_OPTION_KEYS.map(key => [key, true])) as Record<keyof ProviderOptions, true>),
  root: true,
  include: true,
  exclude: true,
  gitignore: true,
  dot: true,
  allowSecrets: true,
  ref: true,
  provider: true,
  vectorStoreId: true,
  storeName: true,
  metadata: true,
  concurrency: true,
  dryRun: true,
  maxFileSize: true,
  baseUrl: true,
  attributes: true,
  version: true,
  locale: true,
  maxDeletions: true,
  allowMassDelete: true,
  newStore: true,
  allowOlder: true,
  verify: true,
  checks: true,
  onProgress: true,
  logger: true,
  debug: true,
  enabled: true,
  assets: true,
  watch: true,
  failOnError: true,
  llmsTxt: true,
}
const METADATA_KEYS: Record<keyof MetadataOptions, true> = {
  type: true,
  branch: true,
  remote: true,
  push: true,
  path: true,
  key: true,
}

export interface LoadConfigOptions {
  /** The folder the user stands in: the search starts there when no root is given. Default: the current folder. */
  cwd?: string
  /** Folder the search for `vectornator.config.*` starts from (see findConfigUp). Default: `overrides.root`, else `cwd`. */
  root?: string
  /** A config file to load instead of searching (relative to `cwd`), or false to load none. */
  configFile?: string | false
  /** Options that win over the file's: CLI flags, the plugin's own options. */
  overrides?: VectornatorConfig
}

export interface LoadedConfig {
  /** The file's options with the overrides applied; `root` is absolute whenever one is known. */
  options: VectornatorConfig
  /** Absolute path of the config file loaded, if any. */
  configFile?: string
}

/** A path as the user would type it: relative to the current folder when inside it. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}

/**
 * Finds `vectornator.config.*` in `dir`; undefined when there is none. Two config files at once
 * are an error: a build and a CI sync must never read different ones.
 */
export function findConfigFile(dir: string): string | undefined {
  const found = CONFIG_FILES.map(name => join(dir, name)).filter(file => existsSync(file))
  if (found.length > 1)
    throw new UsageError(
      `${found.map(f => basename(f)).join(' and ')} are both in ${shown(dir) || '.'}: keep one config file`,
    )
  return found[0]
}

/**
 * Finds the project's config file from `start` upwards: in `start`, then each folder above it up
 * to the repository's top (the folder holding `.git`), or, outside git, up to the nearest folder
 * with a package.json. So a build whose bundler root is a subfolder (VitePress's `docs/`) reads
 * the config at the repository root that the CLI, run there, reads too.
 */
export function findConfigUp(start: string): string | undefined {
  const folders: string[] = []
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    folders.push(dir)
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) break
  }
  const top = existsSync(join(folders.at(-1)!, '.git'))
    ? folders.length
    : folders.findIndex(dir => existsSync(join(dir, 'package.json'))) + 1 || 1
  for (const dir of folders.slice(0, top)) {
    const file = findConfigFile(dir)
    if (file) return file
  }
  return undefined
}

/**
 * Loads the config file (found in the root or a folder above it, or the one named) and applies the overrides:
 * a flag or a plugin option wins over the file, arrays are replaced, not concatenated, and
 * `metadata` is merged key by key. A missing config file is fine: the overrides alone come back.
 * The file's own `root` is relative to the file's folder; without one, the root is that folder.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const overrides = options.overrides ?? {}
  const cwd = resolve(options.cwd ?? '.')
  const givenRoot = options.root ?? overrides.root
  const named = options.configFile ? requireFile(resolve(cwd, options.configFile)) : undefined
  const file = options.configFile === false ? undefined : (named ?? findConfigUp(resolve(cwd, givenRoot ?? '.')))

  let fromFile: VectornatorConfig = {}
  if (file) {
    fromFile = await readConfigFile(file)
    // A file found by the search is the project's: its folder is the root unless it names one,
    // whichever folder the search started from (a CLI in the repository, a bundler in docs/).
    const root =
      fromFile.root !== undefined
        ? resolve(dirname(file), fromFile.root)
        : resolve(cwd, named ? (givenRoot ?? dirname(file)) : dirname(file))
    fromFile = { ...fromFile, root }
  } else if (options.root !== undefined) {
    fromFile = { root: resolve(cwd, options.root) }
  }
  const merged = mergeConfig(fromFile, overrides)
  if (typeof merged.root === 'string') merged.root = resolve(cwd, merged.root)
  return { options: merged, configFile: file }
}

function requireFile(file: string): string {
  if (!existsSync(file) || !statSync(file).isFile())
    throw new UsageError(`config file ${shown(file)} does not exist: check the path given with --config`)
  if (!/\.(?:[cm]?[jt]s|json)$/.test(file))
    throw new UsageError(`config file ${shown(file)} is not .ts, .mts, .mjs, .js, .cjs or .json: rename it`)
  return file
}

/** Overrides win; arrays and everything else are replaced whole; `metadata` is merged key by key. */
export function mergeConfig(base: VectornatorConfig, overrides: VectornatorConfig): VectornatorConfig {
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue
    merged[key] = key === 'metadata' ? mergeMetadata(base.metadata, value as VectornatorConfig['metadata']) : value
  }
  return merged as VectornatorConfig
}

function metadataObject(value: VectornatorConfig['metadata']): MetadataOptions | undefined {
  if (value === undefined) return {}
  if (typeof value === 'string') return { type: value }
  if (isPlainObject(value) && typeof (value as { load?: unknown }).load !== 'function') return value as MetadataOptions
  return undefined // a StateStore object: replaced, never merged
}

function mergeMetadata(
  base: VectornatorConfig['metadata'],
  over: VectornatorConfig['metadata'],
): VectornatorConfig['metadata'] {
  const a = metadataObject(base)
  const b = metadataObject(over)
  if (!a || !b) return over
  const merged: Record<string, unknown> = { ...a }
  for (const [key, value] of Object.entries(b)) if (value !== undefined) merged[key] = value
  return merged as MetadataOptions
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === null || proto === Object.prototype
}

/**
 * `import { defineConfig } from 'vectornator'` must work in a project that runs `npx vectornator`
 * without installing it: when the config's folder cannot resolve the package, jiti serves this
 * copy's helper in its place. An installed package is always used as it is.
 */
function virtualModules(file: string): Record<string, unknown> | undefined {
  try {
    const found = createRequire(file).resolve('vectornator')
    if (existsSync(found)) return undefined
  } catch {}
  return { vectornator: { defineConfig } }
}

async function readConfigFile(file: string): Promise<VectornatorConfig> {
  const name = shown(file)
  let loaded: unknown
  // jiti reads JSON through require, whose cache would serve a stale copy after an edit.
  delete createRequire(file).cache[file]
  if (file.endsWith('.json')) {
    // Parsed here: the loader's own errors on `null` or a string name its internals, not the file.
    try {
      loaded = JSON.parse(readFileSync(file, 'utf8'))
    } catch (error) {
      throw new UsageError(`${name} is not valid JSON (${errorMessage(error)}): fix the file or remove it`)
    }
  } else
    try {
      // Loaded only when there is a config file: a run without one never pays for c12 and jiti.
      const { loadConfig: loadWithC12 } = await import('c12')
      const result = await loadWithC12<Record<string, unknown>>({
        cwd: dirname(file),
        configFile: basename(file),
        name: 'vectornator',
        // Only the file itself: no rc files, package.json key, .env, $env layers, extends or downloads.
        rcFile: false,
        globalRc: false,
        packageJson: false,
        dotenv: false,
        envName: false,
        extend: false,
        giget: false,
        configFileRequired: true,
        // The file's value as it is, unmerged: checked below.
        merger: (...sources) => (sources.find(s => s !== undefined && s !== null) ?? {}) as Record<string, unknown>,
        jitiOptions: { virtualModules: virtualModules(file) },
      })
      loaded = result.config
    } catch (error) {
      throw new UsageError(loadFailure(file, error))
    }
  if (typeof loaded !== 'object' || loaded === null || Array.isArray(loaded))
    throw new UsageError(
      `${name} must export an object of options (export default defineConfig({ ... })), got ${Array.isArray(loaded) ? 'a list' : loaded === null ? 'null' : typeof loaded}`,
    )
  const config: Record<string, unknown> = { ...(loaded as Record<string, unknown>) }
  delete config.$schema
  checkKeys(name, config)
  return config as VectornatorConfig
}

function loadFailure(file: string, error: unknown): string {
  const name = shown(file)
  const message = errorMessage(error).split(file).join(basename(file)).replace(/\s+/g, ' ').trim() || 'unknown error'
  const missing = /Cannot find (?:module|package) ['"]([^'"]+)['"]/.exec(message)
  if (missing) {
    const pkg =
      missing[1].startsWith('.') || isAbsolute(missing[1])
        ? missing[1]
        : missing[1]
            .split('/')
            .slice(0, missing[1].startsWith('@') ? 2 : 1)
            .join('/')
    return `${name} could not be loaded: it imports "${pkg}", which is not installed here: install it (npm i -D ${pkg}) or remove the import`
  }
  return `${name} could not be loaded (${message.slice(0, 300)}): fix the file or remove it`
}

function checkKeys(name: string, config: Record<string, unknown>): void {
  const problems: string[] = []
  // Own keys only: `__proto__` or `constructor` in a file are unknown options, not the object's.
  const known = (table: object, key: string) => Object.hasOwn(table, key)
  for (const key of Object.keys(config)) {
    if (!known(CONFIG_KEYS, key)) problems.push(unknownKey(key, Object.keys(CONFIG_KEYS)))
  }
  const metadata = config.metadata
  if (isPlainObject(metadata) && typeof metadata.load !== 'function') {
    for (const key of Object.keys(metadata))
      if (!known(METADATA_KEYS, key))
        problems.push(
          unknownKey(
            `metadata.${key}`,
            Object.keys(METADATA_KEYS).map(k => `metadata.${k}`),
          ),
        )
  }
  if (config.root !== undefined && (typeof config.root !== 'string' || config.root === ''))
    problems.push(`root must be a folder path, got ${JSON.stringify(config.root)}`)
  if (problems.length === 0) return
  // The values of the known options are checked too, so one run reports every problem.
  const { root: _root, ...rest } = Object.fromEntries(
    Object.entries(config).filter(([key]) => known(CONFIG_KEYS, key) && !known(PLUGIN_ONLY, key)),
  )
  try {
    resolveOptions(rest as VectornatorOptions)
  } catch (error) {
    if (error instanceof UsageError) problems.push(...error.problems)
  }
  throw problemsError(problems, name)
}

/** Keys the plugin reads and the core does not (checked by the plugin's own options). */
const PLUGIN_ONLY = { enabled: true, assets: true, watch: true, failOnError: true, llmsTxt: true, checks: true }

function unknownKey(key: string, known: string[]): string {
  const near = known
    .map(k => ({ k, d: distance(k.toLowerCase(), key.toLowerCase()) }))
    .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 3)))
    .sort((a, b) => a.d - b.d)[0]
  return `unknown option "${key}"${near ? ` (did you mean "${near.k}"?)` : ''}: remove it or fix its name`
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    row = next
  }
  return row[b.length]
}
