/**
 * The `@qdrant/js-client-rest` client, imported only when a store is opened, and its errors
 * turned into one line naming the fix. The key is sent as a header and never appears in a message.
 */
import type { QdrantClient } from '@qdrant/js-client-rest'
import { UsageError } from '../../lib/errors'
import type { ResolvedQdrantOptions } from './options'

export type { QdrantClient }

export async function openClient(options: ResolvedQdrantOptions): Promise<QdrantClient> {
  let qdrant: typeof import('@qdrant/js-client-rest')
  try {
    qdrant = await import('@qdrant/js-client-rest')
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND')
      throw new UsageError('qdrant: the Qdrant client is not installed: run `npm install @qdrant/js-client-rest`')
    throw error
  }
  return new qdrant.QdrantClient({
    url: options.url,
    // As a header rather than `apiKey`, which makes the client warn on the console over plain
    // http (a local server) and guess https for a URL that says otherwise.
    headers: options.apiKey ? { 'api-key': options.apiKey } : {},
    // Its version check is a request of its own and a console warning on failure: the first real
    // call says more, in one line.
    checkCompatibility: false,
    timeout: 120_000,
  })
}

interface ApiErrorLike {
  status: number
  data?: unknown
  statusText?: string
}

const isApiError = (error: unknown): error is ApiErrorLike =>
  typeof (error as ApiErrorLike)?.status === 'number' && error instanceof Error

/** The server's own words: `status.error` of a JSON answer, or its text. */
export function serverMessage(error: unknown): string {
  if (!isApiError(error)) return (error as Error)?.message ?? String(error)
  const data = error.data as { status?: { error?: string } } | string | undefined
  const said = typeof data === 'string' ? data : data?.status?.error
  return (said || error.statusText || `HTTP ${error.status}`).replace(/\s+/g, ' ').trim().slice(0, 300)
}

export const statusOf = (error: unknown): number | undefined => (isApiError(error) ? error.status : undefined)

/** True when the server refused a request for its size (Qdrant's `max_request_size_mb`). */
export const isTooLarge = (error: unknown): boolean =>
  statusOf(error) === 413 || (statusOf(error) === 400 && /larger than allowed/i.test(serverMessage(error)))

/** True when the request never reached a server (refused, unknown host, reset). */
export function isUnreachable(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } })?.cause
  return (
    error instanceof TypeError &&
    (/fetch failed/i.test(error.message) || /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|EAI_AGAIN)$/.test(cause?.code ?? ''))
  )
}

/** One line naming the fix for what a Qdrant call threw; `collection` names the store it was about. */
export function qdrantError(error: unknown, options: ResolvedQdrantOptions, collection?: string): Error {
  const at = options.url
  if (error instanceof UsageError) return error
  if (isUnreachable(error))
    return new Error(
      `qdrant: cannot reach the Qdrant server at ${at}: start it (docker run -p 6333:6333 qdrant/qdrant) or set QDRANT_URL to its address`,
    )
  if ((error as Error)?.name === 'QdrantClientTimeoutError')
    return new Error(`qdrant: the Qdrant server at ${at} did not answer in time: check that it is up, then sync again`)
  const status = statusOf(error)
  if (status === undefined) return error instanceof Error ? error : new Error(String(error))
  const said = serverMessage(error)
  if (status === 401)
    return new Error(
      options.apiKey
        ? `qdrant: the server at ${at} refused the API key (${said}): set QDRANT_API_KEY (or qdrantApiKey) to a key it accepts`
        : `qdrant: the server at ${at} needs an API key (${said}): set QDRANT_API_KEY (or qdrantApiKey)`,
    )
  if (status === 403)
    return new Error(
      `qdrant: the server at ${at} forbids this with the key given (${said}): use a read-write key in QDRANT_API_KEY`,
    )
  if (status === 404 && collection)
    return new Error(
      `qdrant: collection ${collection} does not exist at ${at}: sync with --new-store to create one, or name an existing collection as the store`,
    )
  if (status === 429)
    return new Error(
      `qdrant: the server at ${at} is over its rate limit or quota (${said}): wait and sync again, or raise the cluster's limits`,
    )
  if (isTooLarge(error))
    return new Error(
      `qdrant: one point is larger than the server at ${at} accepts (${said}): lower chunkSize, or raise service.max_request_size_mb on the server`,
    )
  if (status >= 500)
    return new Error(
      `qdrant: the server at ${at} failed (${status}: ${said}): sync again; if it persists, see its logs`,
    )
  return new Error(`qdrant: the server at ${at} refused the request (${status}: ${said})`)
}
