export {
  createLanceDBProvider,
  createLanceDBProvider as default,
  NO_EMBEDDER_NOTICE,
  type LanceDBProvider,
} from './provider'
export {
  DEFAULT_LANCEDB_PATH,
  LANCEDB_LIMITS,
  resolveLanceDBOptions,
  type LanceDBProviderOptions,
  type LanceDBSettings,
  type ResolvedLanceDBOptions,
} from './options'
