export { createQdrantProvider, createQdrantProvider as default, type QdrantProvider } from './provider'
export {
  DEFAULT_QDRANT_URL,
  QDRANT_LIMITS,
  resolveQdrantOptions,
  type QdrantProviderOptions,
  type QdrantSettings,
  type ResolvedQdrantOptions,
} from './options'
