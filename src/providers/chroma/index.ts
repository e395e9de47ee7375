export { createChromaProvider, createChromaProvider as default, type ChromaProvider } from './provider'
export {
  CHROMA_LIMITS,
  DEFAULT_CHROMA_URL,
  resolveChromaOptions,
  type ChromaProviderOptions,
  type ChromaSettings,
  type ResolvedChromaOptions,
} from './options'
