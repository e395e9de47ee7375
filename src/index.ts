/**
 * vectornator: keep a vector store in step with a repository's documents.
 * The core API (`sync`, `status`, `createVectornator`) knows no bundler; the bundler plugin is
 * built from it in ./plugin and exported per bundler from ./vite, ./rollup, ...
 */
export { createVectornator, search, status, sync } from './core/sync'
export type {
  BuildExtras,
  Connection,
  PlanReport,
  SearchAnswer,
  SearchRequest,
  StoreConnection,
  Vectornator,
  VectornatorExtras,
} from './core/sync'
export { searchDocs, searchFilter } from './core/run/search'
export { resolveOptions, DEFAULT_EXCLUDE, DEFAULT_INCLUDE } from './core/options/options'
export type { ResolvedOptions } from './core/options/options'
export { plan } from './core/plan/plan'
export type { Plan, PlanOptions } from './core/plan/plan'
export { filesFromPaths, scan } from './core/scan/scan'
export type { LocalFile, ScanOptions, ScanResult, SkippedFile } from './core/scan/scan'
export { createFileStore } from './core/state/file'
export { StateError, STATE_VERSION, emptyState } from './core/state/types'
export { UsageError, SyncError, VectornatorError } from './lib/errors'
export { createConsoleLogger } from './lib/logger'
export { summaryLine, markdownSummary } from './core/plan/report'
export type * from './types'
export { unplugin, unpluginFactory } from './plugin'
export type { VectornatorPluginOptions } from './plugin'
export { unplugin as default } from './plugin'
export { readSyncedState, resolveLlmsTxt, writeLlmsTxt } from './core/llms'
export type { LlmsTxtJob, LlmsTxtOptions, LlmsTxtSection, LlmsTxtSettings, LlmsTxtWritten } from './core/llms'
export { defineConfig, loadConfig } from './core/options/config'
export type { LoadConfigOptions, LoadedConfig, PluginConfigOptions, VectornatorConfig } from './core/options/config'
