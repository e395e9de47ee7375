export { createPineconeProvider, createPineconeProvider as default, type PineconeProvider } from './provider'
export {
  PINECONE_LIMITS,
  resolvePineconeOptions,
  type PineconeProviderOptions,
  type PineconeSettings,
  type ResolvedPineconeOptions,
} from './options'
