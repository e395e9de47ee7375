/**
 * `vectornator/testing`: an in-memory, OpenAI-compatible HTTP server (Files, Uploads, Vector
 * Stores, Vector Store Files, File Batches, Search, Embeddings) for the real `openai` SDK to talk
 * to, with the real rate limits, latency and fault injection. It answers Azure OpenAI's routes
 * too (`server.azureEndpoint`: `/openai/v1/...` and `/openai/...?api-version=`, the `api-key` header).
 *
 * ```ts
 * const server = await createOpenAIServer()
 * const client = new OpenAI({ apiKey: 'test', baseURL: server.url })
 * ```
 */
export { createOpenAIServer } from './server'
export type { OpenAIServer, OpenAIServerOptions, ServerStats } from './server'
export type { FaultFile, FaultOptions, FileFailure } from './faults'
export type { ProcessingTime } from './processing'
export type { RateLimitOptions } from './rate-limits'
export { DEFAULT_RATE_LIMITS } from './rate-limits'
export { AZURE_API_VERSIONS } from './azure'
export type { FileObject } from './files'
export type { UploadObject } from './uploads'
export type { VectorStoreObject } from './vector-stores'
export type { FileCounts, FileStatus, LastError, VectorStoreFileObject } from './vector-store-files'
export type { VectorStoreFileBatchObject } from './file-batches'
export type { SearchResultItem } from './search'
export type { Filter } from './filters'
export type { CreateEmbeddingResponse } from './embeddings'
export { hashEmbedding } from './embeddings'
export { FILE_SEARCH_EXTENSIONS } from './text'
export type { Attributes, AttributeValue } from './validate'
export { createQdrantServer, QDRANT_VERSION } from './qdrant/server'
export type { QdrantFault, QdrantServer, QdrantServerOptions } from './qdrant/server'
export { createPineconeServer } from './pinecone/server'
export type { IndexSpec, PineconeServer, PineconeServerFault, PineconeServerOptions } from './pinecone/server'
