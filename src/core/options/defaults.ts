import { basename } from 'node:path'
import type { VectornatorOptions } from '../../types'
import { createConsoleLogger, type Logger } from '../../lib/logger'

/**
 * Every default of the core's options, in one place; a provider's settings have theirs in the
 * provider's definition. options.ts derives the resolved type from this table.
 */

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

/** Options whose default is a value, taken as it is when the option is not given. */
export const DEFAULTS = {
  gitignore: true,
  dot: false,
  concurrency: DEFAULT_CONCURRENCY,
  dryRun: false,
  maxDeletions: 0.5,
  allowMassDelete: false,
  newStore: false,
  allowOlder: false,
  verify: false,
  checks: false,
  attributes: [],
  debug: false,
  onProgress: () => {},
} as const satisfies { [K in keyof VectornatorOptions]?: VectornatorOptions[K] }

/** Options whose default depends on others (the root, `debug`): computed once the others are known. */
export const COMPUTED_DEFAULTS = {
  root: (): string => process.cwd(),
  storeName: (root: string): string => `vectornator ${basename(root)}`,
  logger: (debug: boolean | undefined): Logger => createConsoleLogger({ debug }),
}

/** Where the sync state lives when `metadata` does not say (`type: 'auto'`: a git branch inside a repository, else the file). */
export const METADATA_DEFAULTS = {
  type: 'auto',
  branch: 'vectornator-metadata',
  remote: 'origin',
  push: true,
  /** Under the root. */
  path: '.vectornator/metadata.json',
} as const

/** The bundler plugin's own options (plugin/options.ts). */
export const PLUGIN_DEFAULTS = {
  enabled: true,
  assets: false,
  watch: false,
  /** Rebuilds settle this long before a watch-mode sync. */
  debounceMs: 1000,
} as const
