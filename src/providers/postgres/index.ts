export { createPostgresProvider, createPostgresProvider as default, type PostgresProvider } from './provider'
export { createOpenAIEmbedder, type OpenAIEmbedderOptions } from '../embedders/openai'
export {
  resolvePostgresOptions,
  type Embedder,
  type PostgresProviderOptions,
  type ResolvedPostgresOptions,
} from './options'
export { NO_EMBEDDER_NOTICE, NO_PGVECTOR_NOTICE, type Capabilities } from './schema'
export { POSTGRES_LIMITS } from './documents'
