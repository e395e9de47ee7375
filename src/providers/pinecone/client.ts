/**
 * The `@pinecone-database/pinecone` client, imported only when a store is opened, and its errors
 * turned into one line naming the fix. The API key goes to the client and nowhere else.
 */
import type { Index, Pinecone } from '@pinecone-database/pinecone'
import { UsageError } from '../../lib/errors'
import type { ResolvedPineconeOptions } from './options'
import type { PineconeMetadata } from './records'

export type PineconeIndex = Index<PineconeMetadata>

export async function openClient(options: ResolvedPineconeOptions): Promise<Pinecone> {
  let sdk: typeof import('@pinecone-database/pinecone')
  try {
    sdk = await import('@pinecone-database/pinecone')
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND')
      throw new UsageError(
        'pinecone: the @pinecone-database/pinecone package is not installed: run `npm install @pinecone-database/pinecone`',
      )
    throw error
  }
  return new sdk.Pinecone({
    apiKey: options.apiKey!,
    ...(options.controllerHost ? { controllerHostUrl: options.controllerHost } : {}),
  })
}

const nameOf = (error: unknown) => (error as Error)?.name ?? ''

export const isNotFound = (error: unknown) => nameOf(error) === 'PineconeNotFoundError'
export const isConflict = (error: unknown) => nameOf(error) === 'PineconeConflictError'

/** Where requests go, for messages. */
const controller = (options: ResolvedPineconeOptions) => options.controllerHost ?? 'https://api.pinecone.io'

/**
 * One line naming the fix for what a Pinecone call threw. `what` says which call, so a 404 can
 * tell a missing index from a missing namespace.
 */
export function pineconeError(
  error: unknown,
  options: ResolvedPineconeOptions,
  what: { namespace?: string } = {},
): Error {
  if (error instanceof UsageError) return error
  const name = nameOf(error)
  const message = String((error as Error)?.message ?? error)
  const index = options.index
  if (name === 'PineconeConnectionError' || name === 'PineconeRequestError')
    return new Error(
      `pinecone: cannot reach Pinecone (${controller(options)} or index ${index}'s host): check the network, or PINECONE_CONTROLLER_HOST`,
    )
  if (name === 'PineconeAuthorizationError')
    return new UsageError(
      `pinecone: the API key was refused: set PINECONE_API_KEY to a key of the project that holds index ${index}`,
    )
  if (name === 'PineconeNotFoundError')
    return new UsageError(
      what.namespace !== undefined
        ? `pinecone: namespace ${what.namespace} does not exist in index ${index}: sync with --new-store to create one, or name an existing namespace as the store`
        : `pinecone: index ${index} does not exist in this project: create a dense serverless index (dimension of the embedder) in the Pinecone console, or set PINECONE_INDEX to an existing one`,
    )
  if (/\b429\b|RESOURCE_EXHAUSTED|quota|rate limit/i.test(message))
    return new Error(
      `pinecone: Pinecone refused the request for a quota or rate limit (${firstLine(message)}): wait and sync again, or raise the project's limits`,
    )
  if (name === 'PineconeBadRequestError')
    return new Error(`pinecone: Pinecone refused the request: ${firstLine(message)}`)
  if (name === 'PineconeInternalServerError' || name === 'PineconeUnavailableError')
    return new Error(`pinecone: Pinecone failed the request (${name}): sync again later (status.pinecone.io)`)
  return error instanceof Error ? error : new Error(message)
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 300)
}
