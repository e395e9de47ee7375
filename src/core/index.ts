/**
 * The core as the faces (plugin, frameworks, CLI, MCP server) see it: the one module of core/
 * they may import (scripts/check-layout.mjs refuses any other). The core object does the work;
 * the rest is what a face needs to check its options before a build and to word a result.
 */

// The core object: every operation on one project's documents, state and store.
export { createVectornator, resultFromPlan, search, status, sync } from './sync'
export type {
  BuildExtras,
  Connection,
  HistoryResult,
  LlmsTxtTarget,
  PlanReport,
  PruneResult,
  RollbackResult,
  SearchAnswer,
  SearchRequest,
  StoreConnection,
  Vectornator,
  VectornatorExtras,
  VerifyResult,
} from './sync'
export type { Drift } from './inspect/verify'
export { NotAsSynced, type SyncedCopy, type SyncedReader } from './synced'

// Options and the config file, checked before any I/O.
export { DEFAULT_EXCLUDE, DEFAULT_INCLUDE, nothingToSyncInCI, resolveOptions } from './options/options'
export { PLUGIN_DEFAULTS } from './options/defaults'
export type { ResolvedOptions } from './options/options'
export { defineConfig, findConfigFile, loadConfig } from './options/config'
export type { LoadConfigOptions, LoadedConfig, PluginConfigOptions, VectornatorConfig } from './options/config'
export { identityLine, openProject } from './project'
export type { FoundProject, Project, ProjectIdentity, ProjectRequest, Settled } from './project'
export type { StateLocation } from './state'
export { resolveLlmsTxt } from './llms/options'
export type { LlmsTxtOptions, LlmsTxtSection, LlmsTxtSettings, LlmsTxtWritten, Site } from './llms'
export { searchFilter } from './run/search'
export { isSecretPath } from './scan/scan'
export { StateError } from './state/types'

// A result in words: the plan, the summary line, the checks.
export { markdownSummary, PLAN_LIST_LIMIT, planLines, planMarkdown, summaryLine } from './plan/report'
export { checkScope, checksMarkdown, checksSummary } from './run/retrieval'
