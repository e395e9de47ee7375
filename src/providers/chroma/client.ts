/**
 * The `chromadb` client, imported only when a store is opened, and its errors turned into one
 * line naming the fix.
 */
import type { ChromaClient, Collection, EmbeddingFunction } from 'chromadb'
import { UsageError } from '../../lib/errors'
import type { ResolvedChromaOptions } from './options'

export type { ChromaClient, Collection }

export async function openClient(options: ResolvedChromaOptions): Promise<ChromaClient> {
  let chromadb: typeof import('chromadb')
  try {
    chromadb = await import('chromadb')
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND')
      throw new UsageError('chroma: the chromadb package is not installed: run `npm install chromadb`')
    throw error
  }
  return new chromadb.ChromaClient({
    host: options.host,
    port: options.port,
    ssl: options.ssl,
    ...(options.tenant ? { tenant: options.tenant } : {}),
    ...(options.database ? { database: options.database } : {}),
  })
}

/**
 * Handed to the client for every collection: the documents are embedded by this provider, never
 * by Chroma (whose default model would be downloaded and run here). Also keeps the client from
 * warning that a collection has no embedding function.
 */
export const NO_EMBEDDING: EmbeddingFunction = {
  name: 'vectornator-external',
  async generate() {
    throw new Error('chroma: records are embedded by vectornator before they are sent, never by Chroma')
  },
}

/** Where a collection lives, for messages. */
export function place(options: ResolvedChromaOptions): string {
  return `${options.url} (tenant ${options.tenant ?? 'default_tenant'}, database ${options.database ?? 'default_database'})`
}

/** True for the client's "not found" answer (a missing collection, tenant or database). */
export function isNotFound(error: unknown): boolean {
  return (error as Error)?.name === 'ChromaNotFoundError'
}

/** One line naming the fix for what a Chroma call threw; other errors pass unchanged. */
export function chromaError(error: unknown, options: ResolvedChromaOptions, collection?: string): Error {
  const name = (error as Error)?.name
  if (name === 'ChromaConnectionError')
    return new Error(
      `chroma: cannot reach the Chroma server at ${options.url}: start it (npx chroma run --path .chroma) or set CHROMA_URL to its address`,
    )
  if (name === 'ChromaNotFoundError')
    return new Error(
      collection
        ? `chroma: collection ${collection} does not exist at ${place(options)}: sync with --new-store to create one, or name an existing collection as the store`
        : `chroma: the tenant or database does not exist at ${place(options)}: create it, or fix tenant / database`,
    )
  if (name === 'ChromaUnauthorizedError' || name === 'ChromaForbiddenError')
    return new Error(
      `chroma: the server at ${options.url} refused the request (${name}): check its authentication settings`,
    )
  return error instanceof Error ? error : new Error(String(error))
}
