import { statSync } from 'node:fs'
import { basename, isAbsolute, resolve } from 'node:path'
import type { Embedder, MetadataOptions, ProgressEvent, ProviderName, VectornatorOptions } from '../../types'
import { defaultProviderName, providerDefinition, PROVIDERS, type ProviderSettings } from '../../providers/registry'
import type { Attributes, VectorStoreProvider } from '../../providers/types'
import type { StateStore } from '../state/types'
import { createConsoleLogger, type Logger } from '../../lib/logger'
import { problemsError, UsageError } from '../../lib/errors'
import { normalRule, ruleProblems, RULE_NAMES, type AttributeRule } from '../scan/rules'

/** Documents synced when `include` is not given: the text formats docs sites are written in. */
export const DEFAULT_INCLUDE = ['**/*.{md,mdx,markdown,txt,rst,adoc}']

/**
 * Always left out. Build output folders are excluded because the plugin syncs emitted files from
 * the build's own list (option `assets`), never by globbing them as sources.
 */
export const DEFAULT_EXCLUDE = [
  '**/node_modules/**',
  '**/.git/**',
  '**/.vectornator/**',
  '**/dist/**',
  '**/build/**',
  '**/out/**',
  '**/.output/**',
  '**/.next/**',
  '**/.nuxt/**',
  '**/.svelte-kit/**',
  '**/.astro/**',
  '**/.vitepress/cache/**',
  '**/.vitepress/dist/**',
  '**/.vitepress/.temp/**',
  '**/coverage/**',
]

export const DEFAULT_CONCURRENCY = 8

export interface ResolvedOptions {
  root: string
  include: string[]
  exclude: string[]
  gitignore: boolean
  dot: boolean
  /** Globs of paths let through although they are or hold credentials (see scan/secrets.ts). */
  allowSecrets: string[]
  ref: string | undefined
  provider: ProviderName | VectorStoreProvider
  providerName: string
  /** The provider was named (option, config or flag), not taken by default. */
  providerNamed: boolean
  /** The store lives on this machine (the embedded PGlite): its state stays beside it, never in the shared branch. */
  localStore: boolean
  apiKey: string | undefined
  baseURL: string | undefined
  vectorStoreId: string | undefined
  storeName: string
  chunkingStrategy: Record<string, unknown> | undefined
  processingTimeoutMs: number | undefined
  connectionString: string | undefined
  embed: Embedder | false | undefined
  chunkSize: number | undefined
  chunkOverlap: number | undefined
  metadata:
    | (Required<Omit<MetadataOptions, 'path' | 'key' | 'type'>> & {
        type: 'git-branch' | 'file' | 'auto'
        path: string
        key: string | undefined
      })
    | StateStore
  concurrency: number
  dryRun: boolean
  maxFileSize: number | undefined
  baseUrl: string | undefined
  attributes:
    | string[]
    | ((doc: { path: string; frontmatter: Record<string, unknown>; content: string }) => Attributes | undefined)
  /** The `version` / `locale` rules (a string option is a rule whose default is that value). */
  version: AttributeRule | undefined
  locale: AttributeRule | undefined
  maxDeletions: number
  allowMassDelete: boolean
  newStore: boolean
  allowOlder: boolean
  verify: boolean
  /** Checks file to run after a sync (relative to root), true for the default names, or false. */
  checks: string | boolean
  onProgress: (event: ProgressEvent) => void
  logger: Logger
  debug: boolean
}

type Env = Record<string, string | undefined>

function toList(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined
  return Array.isArray(value) ? value : [value]
}

function isProvider(value: unknown): value is VectorStoreProvider {
  return typeof value === 'object' && value !== null && missingMethods(value).length === 0
}

/** The members every provider has (the seed's interface), for the message naming what an object lacks. */
const PROVIDER_METHODS = [
  'initialize',
  'connect',
  'disconnect',
  'verifyStore',
  'createStore',
  'uploadFile',
  'updateFile',
  'deleteFile',
  'listFiles',
  'enrichMetadata',
  'cleanup',
] as const

function missingMethods(value: object): string[] {
  const missing: string[] = PROVIDER_METHODS.filter(m => typeof (value as Record<string, unknown>)[m] !== 'function')
  if (typeof (value as { name?: unknown }).name !== 'string') missing.unshift('name')
  if (typeof (value as { limits?: unknown }).limits !== 'object') missing.push('limits')
  return missing
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

const GROUPS = {
  openai: ['apiKey', 'baseURL', 'chunkingStrategy', 'processingTimeoutMs'],
  postgres: ['connectionString', 'embed', 'chunkSize', 'chunkOverlap'],
} as const satisfies Record<ProviderName, readonly (keyof VectornatorOptions)[]>

/** Provider settings may be grouped (`openai: { apiKey }`); the flat keys keep working, a grouped one wins. */
function flatten(user: VectornatorOptions, errors: string[]): VectornatorOptions {
  let opts = user
  for (const [group, keys] of Object.entries(GROUPS) as [ProviderName, readonly string[]][]) {
    const given = user[group]
    if (given === undefined) continue
    if (!given || typeof given !== 'object') {
      errors.push(`${group} must be an object of ${group} settings (${keys.join(', ')})`)
      continue
    }
    const unknown = Object.keys(given).filter(k => !keys.includes(k))
    if (unknown.length) errors.push(`${group}.${unknown[0]} is not a ${group} setting: use ${keys.join(', ')}`)
    opts = { ...opts, ...given }
  }
  return opts
}

/** The settings that are checked, not derived: each problem is pushed on `errors`. */
function checkSettings(opts: VectornatorOptions, errors: string[]): void {
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY
  const maxDeletions = opts.maxDeletions ?? 0.5
  const attributes = opts.attributes ?? []
  if (opts.dot !== undefined && typeof opts.dot !== 'boolean')
    errors.push(`dot must be true or false, got ${JSON.stringify(opts.dot)}`)

  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    errors.push(`concurrency must be a whole number from 1 to 256, got ${JSON.stringify(opts.concurrency)}`)

  if (typeof maxDeletions !== 'number' || !(maxDeletions >= 0 && maxDeletions <= 1))
    errors.push(
      `maxDeletions must be a share from 0 to 1 (0.5 = half the store), got ${JSON.stringify(opts.maxDeletions)}`,
    )

  if (
    opts.processingTimeoutMs !== undefined &&
    (!Number.isFinite(opts.processingTimeoutMs) || opts.processingTimeoutMs < 1)
  )
    errors.push(
      `processingTimeoutMs must be a positive number of milliseconds, got ${JSON.stringify(opts.processingTimeoutMs)}`,
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

  if (opts.embed !== undefined && opts.embed !== false && typeof opts.embed !== 'function')
    errors.push('embed must be a function (texts: string[]) => Promise<number[][]>, or false')

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
  const opts = flatten(user, errors)

  const root = resolve(opts.root ?? process.cwd())
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
  const providerOption = opts.provider ?? defaultProviderName(opts.apiKey ?? env.OPENAI_API_KEY)
  if (providerOption && typeof providerOption === 'object' && !isProvider(providerOption))
    errors.push(
      `provider object is missing ${missingMethods(providerOption).join(', ')}: a provider implements the interface in README "The provider interface", or name one (${Object.keys(PROVIDERS).join(' or ')})`,
    )
  else if (!isProvider(providerOption) && !providerDefinition(String(providerOption)))
    errors.push(
      `provider "${String(providerOption)}" is unknown: use ${Object.keys(PROVIDERS).join(' or ')}, or pass a provider object`,
    )
  const providerName = isProvider(providerOption) ? providerOption.name : String(providerOption)

  // The SDK would take it as is and fail each request with `Invalid URL`: said now, before any work.
  const baseURL = opts.baseURL ?? env.OPENAI_BASE_URL
  if (baseURL && (providerName === 'openai' || (opts.apiKey ?? env.OPENAI_API_KEY)) && !isHttpUrl(baseURL))
    errors.push(
      `${opts.baseURL !== undefined ? 'baseURL' : 'OPENAI_BASE_URL'} ${JSON.stringify(baseURL)} is not an http(s) URL: give one like https://api.openai.com/v1, or unset it`,
    )

  const vectorStoreId = opts.vectorStoreId ?? env.VECTORNATOR_STORE_ID
  if (vectorStoreId !== undefined && (typeof vectorStoreId !== 'string' || !/^[\w-]+$/.test(vectorStoreId)))
    errors.push(
      `store id ${JSON.stringify(vectorStoreId)} is malformed: pass the id shown by your store, e.g. vs_abc123`,
    )

  const metadata = resolveMetadata(opts.metadata, root, errors)

  const valueLimit = isProvider(providerOption)
    ? providerOption.limits.maxAttributeValueLength
    : providerDefinition(String(providerOption))?.limits.maxAttributeValueLength
  for (const name of RULE_NAMES) errors.push(...ruleProblems(name, opts[name], valueLimit ?? 512))

  if (errors.length > 0) throw problemsError(errors)

  return {
    root,
    include,
    exclude: [...DEFAULT_EXCLUDE, ...userExclude],
    gitignore: opts.gitignore ?? true,
    dot: opts.dot ?? false,
    allowSecrets: toList(opts.allowSecrets) ?? [],
    ref: opts.ref,
    provider: providerOption as ResolvedOptions['provider'],
    providerName,
    providerNamed: opts.provider !== undefined,
    localStore:
      !isProvider(providerOption) &&
      Boolean(
        providerDefinition(providerName)?.local?.({
          connectionString: opts.connectionString ?? env.DATABASE_URL,
        } as ProviderSettings),
      ),
    apiKey: opts.apiKey ?? env.OPENAI_API_KEY,
    baseURL: opts.baseURL ?? env.OPENAI_BASE_URL,
    vectorStoreId,
    storeName: opts.storeName ?? `vectornator ${basename(root)}`,
    chunkingStrategy: opts.chunkingStrategy,
    processingTimeoutMs: opts.processingTimeoutMs,
    connectionString: opts.connectionString ?? env.DATABASE_URL,
    embed: opts.embed,
    chunkSize: opts.chunkSize,
    chunkOverlap: opts.chunkOverlap,
    metadata,
    concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
    dryRun: opts.dryRun ?? false,
    maxFileSize: opts.maxFileSize,
    baseUrl: opts.baseUrl,
    attributes: opts.attributes ?? [],
    version: normalRule(opts.version),
    locale: normalRule(opts.locale),
    maxDeletions: opts.maxDeletions ?? 0.5,
    allowMassDelete: opts.allowMassDelete ?? false,
    newStore: opts.newStore ?? false,
    allowOlder: opts.allowOlder ?? false,
    verify: opts.verify ?? false,
    checks: opts.checks ?? false,
    onProgress: opts.onProgress ?? (() => {}),
    logger: opts.logger ?? createConsoleLogger({ debug: opts.debug }),
    debug: opts.debug ?? false,
  }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    return /^https?:$/.test(new URL(value).protocol)
  } catch {
    return false
  }
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
    type: given.type ?? 'auto',
    branch: given.branch ?? 'vectornator-metadata',
    remote: given.remote ?? 'origin',
    push: given.push ?? true,
    path: resolve(root, given.path ?? '.vectornator/metadata.json'),
    key: given.key,
  }
}

/**
 * Why a build in CI does not sync, or undefined when it does: no key, no provider named and no
 * database, so the only store would be an embedded one made on a machine that is thrown away
 * after the job (a docs deploy, a pull request from a fork, which gets no secrets). One line,
 * naming what to set.
 */
export function nothingToSyncInCI(options: ResolvedOptions, ci: boolean): string | undefined {
  if (
    !ci ||
    options.providerNamed ||
    !options.localStore ||
    (typeof options.metadata === 'object' && 'load' in options.metadata)
  )
    return undefined
  return "CI without OPENAI_API_KEY (or DATABASE_URL): nothing synced, the build goes on. Set OPENAI_API_KEY in the job's secrets to sync the store, or name a provider (provider: 'postgres') to sync an embedded store on this machine"
}
