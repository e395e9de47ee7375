import { statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { MetadataOptions, VectornatorOptions } from '../../types'
import { resolveProvider, type ProviderOptions, type ResolvedProvider } from '../../providers/registry'
import type { StateStore } from '../state/types'
import type { Logger } from '../../lib/logger'
import { problemsError, UsageError } from '../../lib/errors'
import { normalRule, ruleProblems, RULE_NAMES, type AttributeRule } from '../scan/rules'
import { COMPUTED_DEFAULTS, DEFAULT_EXCLUDE, DEFAULT_INCLUDE, DEFAULTS, METADATA_DEFAULTS } from './defaults'

export { DEFAULT_CONCURRENCY, DEFAULT_EXCLUDE, DEFAULT_INCLUDE } from './defaults'

/** Options taken as given: no default, undefined when not given. */
type AsGiven = 'ref' | 'vectorStoreId' | 'maxFileSize' | 'baseUrl'

/** Options whose resolved form is not what the user writes. */
interface Reshaped {
  root: string
  include: string[]
  /** The defaults (DEFAULT_EXCLUDE) first, then the user's. */
  exclude: string[]
  /** Globs of paths let through although they are or hold credentials (see scan/secrets.ts). */
  allowSecrets: string[]
  storeName: string
  logger: Logger
  /** The one provider of the run, its settings inside it (see providers/registry.ts). */
  provider: ResolvedProvider
  /** `provider.name`, which every phase and the state's key use. */
  providerName: string
  /** `provider.named`: the provider was named (option, config or flag), not taken by default. */
  providerNamed: boolean
  /** `provider.local`: the store lives on this machine, its state beside it, never in the shared branch. */
  localStore: boolean
  metadata:
    | (Required<Omit<MetadataOptions, 'path' | 'key' | 'type'>> & {
        type: 'git-branch' | 'file' | 'auto'
        path: string
        key: string | undefined
      })
    | StateStore
  /** The `version` / `locale` rules (a string option is a rule whose default is that value). */
  version: AttributeRule | undefined
  locale: AttributeRule | undefined
}

/** The options resolved: the table's defaults filled in, the rest as given or reshaped. */
export type ResolvedOptions = Required<Pick<VectornatorOptions, keyof typeof DEFAULTS>> & {
  [K in AsGiven]: VectornatorOptions[K] | undefined
} & Reshaped

// A core option missing from ResolvedOptions fails here: a new option is given a default, taken
// as given, or reshaped. The providers' own settings stay in the provider.
type Unresolved = Exclude<keyof VectornatorOptions, keyof ProviderOptions | 'provider' | keyof ResolvedOptions>
const everyOptionResolved: [Unresolved] extends [never] ? true : Unresolved = true
void everyOptionResolved

type Env = Record<string, string | undefined>

function toList(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined
  return Array.isArray(value) ? value : [value]
}

function isStateStore(value: unknown): value is StateStore {
  return typeof value === 'object' && value !== null && typeof (value as StateStore).load === 'function'
}

/** Rejects globs that would reach out of the root: documents never come from outside it. */
function checkGlob(field: string, glob: unknown, errors: string[]): void {
  if (typeof glob !== 'string' || glob.trim() === '') {
    errors.push(`${field} must be a non-empty glob string, got ${JSON.stringify(glob)}`)
    return
  }
  const bare = glob.replace(/^!/, '')
  if (isAbsolute(bare) || bare.split('/').includes('..'))
    errors.push(`${field} "${glob}" points outside the root: set root to the folder that holds the documents instead`)
  let depth = 0
  for (const ch of bare) {
    if (ch === '{' || ch === '[') depth++
    if (ch === '}' || ch === ']') depth--
    if (depth < 0) break
  }
  if (depth !== 0) errors.push(`${field} "${glob}" has unbalanced brackets or braces: fix the glob`)
}

/** The settings that are checked, not derived: each problem is pushed on `errors`. */
function checkSettings(opts: VectornatorOptions, errors: string[]): void {
  const concurrency = opts.concurrency ?? DEFAULTS.concurrency
  const maxDeletions = opts.maxDeletions ?? DEFAULTS.maxDeletions
  const attributes = opts.attributes ?? DEFAULTS.attributes
  if (opts.dot !== undefined && typeof opts.dot !== 'boolean')
    errors.push(`dot must be true or false, got ${JSON.stringify(opts.dot)}`)

  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    errors.push(`concurrency must be a whole number from 1 to 256, got ${JSON.stringify(opts.concurrency)}`)

  if (typeof maxDeletions !== 'number' || !(maxDeletions >= 0 && maxDeletions <= 1))
    errors.push(
      `maxDeletions must be a share from 0 to 1 (0.5 = half the store), got ${JSON.stringify(opts.maxDeletions)}`,
    )

  if (opts.maxFileSize !== undefined && (!Number.isInteger(opts.maxFileSize) || opts.maxFileSize < 1))
    errors.push(`maxFileSize must be a positive number of bytes, got ${JSON.stringify(opts.maxFileSize)}`)

  if (opts.baseUrl !== undefined) {
    try {
      new URL(opts.baseUrl, 'http://x')
    } catch {
      errors.push(`baseUrl "${opts.baseUrl}" is not a URL or path: use e.g. https://docs.example.com/`)
    }
  }

  if (!Array.isArray(attributes) && typeof attributes !== 'function')
    errors.push('attributes must be a list of front matter field names or a function')

  if (
    opts.checks !== undefined &&
    typeof opts.checks !== 'boolean' &&
    (typeof opts.checks !== 'string' || !opts.checks)
  )
    errors.push('checks must be a checks file path or true')

  if (opts.ref !== undefined && (typeof opts.ref !== 'string' || !opts.ref.trim() || opts.ref.startsWith('-')))
    errors.push(`ref ${JSON.stringify(opts.ref)} is not a git ref: give a tag, branch or commit`)
}

/**
 * Resolves user options once into a fully defaulted object. Every problem is collected and
 * reported together in one UsageError, before any I/O beyond checking the root exists.
 */
export function resolveOptions(user: VectornatorOptions = {}, env: Env = process.env): ResolvedOptions {
  if (user === null || typeof user !== 'object' || Array.isArray(user))
    throw new UsageError(
      `the options must be an object ({ root, include, provider, ... }), got ${user === null ? 'null' : Array.isArray(user) ? 'a list' : `${typeof user} ${JSON.stringify(user)}`}`,
    )
  const errors: string[] = []
  const opts = user

  const root = resolve(opts.root ?? COMPUTED_DEFAULTS.root())
  try {
    if (!statSync(root).isDirectory())
      errors.push(`root ${root} is not a folder: pass --root with the folder of your documents`)
  } catch {
    errors.push(`root ${root} does not exist: pass --root with the folder of your documents`)
  }

  const include = toList(opts.include) ?? DEFAULT_INCLUDE
  if (include.length === 0) errors.push('include is empty: give at least one glob, e.g. --include "docs/**/*.md"')
  include.forEach(g => checkGlob('include', g, errors))
  const userExclude = toList(opts.exclude) ?? []
  userExclude.forEach(g => checkGlob('exclude', g, errors))
  toList(opts.allowSecrets)?.forEach(g => checkGlob('allowSecrets', g, errors))

  checkSettings(opts, errors)
  const provider = resolveProvider(opts, { root, env }, errors)

  const vectorStoreId = opts.vectorStoreId ?? env.VECTORNATOR_STORE_ID
  if (vectorStoreId !== undefined && (typeof vectorStoreId !== 'string' || !/^[\w-]+$/.test(vectorStoreId)))
    errors.push(
      `store id ${JSON.stringify(vectorStoreId)} is malformed: pass the id shown by your store, e.g. vs_abc123`,
    )

  const metadata = resolveMetadata(opts.metadata, root, errors)

  const valueLimit = provider?.limits.maxAttributeValueLength ?? 512
  for (const name of RULE_NAMES) errors.push(...ruleProblems(name, opts[name], valueLimit))

  if (errors.length > 0 || !provider) throw problemsError(errors)

  return {
    ...DEFAULTS,
    ...definedOf(opts, Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]),
    root,
    include,
    exclude: [...DEFAULT_EXCLUDE, ...userExclude],
    allowSecrets: toList(opts.allowSecrets) ?? [],
    ref: opts.ref,
    vectorStoreId,
    maxFileSize: opts.maxFileSize,
    baseUrl: opts.baseUrl,
    storeName: opts.storeName ?? COMPUTED_DEFAULTS.storeName(root),
    logger: opts.logger ?? COMPUTED_DEFAULTS.logger(opts.debug),
    provider,
    providerName: provider.name,
    providerNamed: provider.named,
    localStore: provider.local,
    metadata,
    version: normalRule(opts.version),
    locale: normalRule(opts.locale),
  }
}

/** The options among `keys` that were given (an undefined one takes its default). */
function definedOf<K extends keyof VectornatorOptions>(
  opts: VectornatorOptions,
  keys: K[],
): Partial<Pick<VectornatorOptions, K>> {
  return Object.fromEntries(keys.filter(k => opts[k] !== undefined).map(k => [k, opts[k]])) as Partial<
    Pick<VectornatorOptions, K>
  >
}

function resolveMetadata(
  value: VectornatorOptions['metadata'],
  root: string,
  errors: string[],
): ResolvedOptions['metadata'] {
  if (isStateStore(value)) return value
  const given: MetadataOptions = typeof value === 'string' ? { type: value } : (value ?? {})
  if (given.type !== undefined && given.type !== 'git-branch' && given.type !== 'file')
    errors.push(`metadata "${String(given.type)}" is unknown: use git-branch or file`)
  if (given.branch !== undefined && !/^[\w./-]+$/.test(given.branch))
    errors.push(`branch "${given.branch}" is not a valid branch name`)
  return {
    type: given.type ?? METADATA_DEFAULTS.type,
    branch: given.branch ?? METADATA_DEFAULTS.branch,
    remote: given.remote ?? METADATA_DEFAULTS.remote,
    push: given.push ?? METADATA_DEFAULTS.push,
    path: resolve(root, given.path ?? METADATA_DEFAULTS.path),
    key: given.key,
  }
}

/**
 * Why a build in CI does not sync, or undefined when it does: no provider named, and the one taken
 * by default keeps its store on a machine that is thrown away after the job (a docs deploy, a pull
 * request from a fork, which gets no secrets). One line, naming what to set: the provider's.
 */
export function nothingToSyncInCI(options: ResolvedOptions, ci: boolean): string | undefined {
  if (!ci || options.provider.named || (typeof options.metadata === 'object' && 'load' in options.metadata))
    return undefined
  return options.provider.lostInCI
}
