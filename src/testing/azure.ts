import type { IncomingHttpHeaders } from 'node:http'
import { ApiError } from './errors'

/**
 * Azure OpenAI's routes to the same handlers: the v1 API under `/openai/v1/` (no api-version, or
 * `preview`/`latest`), and the dated API under `/openai/` with `?api-version=`. Requests carry the
 * key in `api-key`, or a Microsoft Entra ID token as `Authorization: Bearer`. Azure's own refusals
 * (a key, a token, an api-version) have its error shape, `{ error: { code, message } }`.
 */

/** api-versions that serve vector stores (the Assistants v2 previews); others are refused as Azure does. */
export const AZURE_API_VERSIONS = [
  '2024-05-01-preview',
  '2024-07-01-preview',
  '2024-08-01-preview',
  '2024-09-01-preview',
  '2024-10-01-preview',
  '2024-12-01-preview',
  '2025-01-01-preview',
  '2025-02-01-preview',
  '2025-03-01-preview',
  '2025-04-01-preview',
]

export interface AzureRoute {
  mode: 'v1' | 'dated'
  /** The path as the OpenAI routes name it, without `/v1`. */
  path: string
}

/** The Azure route of a path, or undefined for one that is not Azure's. */
export function azureRoute(path: string): AzureRoute | undefined {
  if (path.startsWith('/openai/v1/')) return { mode: 'v1', path: path.slice('/openai/v1'.length) }
  if (path.startsWith('/openai/')) return { mode: 'dated', path: path.slice('/openai'.length) }
  return undefined
}

/** Azure's own refusals carry only a code and a message. */
export class AzureError extends ApiError {
  override toJSON(): { error: { code: string; message: string } } {
    return { error: { code: this.code ?? String(this.status), message: this.message } }
  }
}

export const resourceNotFound = () => new AzureError(404, 'Resource not found', { code: '404' })

export interface AzureAuth {
  /** When set, only this `api-key` is accepted; otherwise any non-empty one. */
  apiKey: string | undefined
  /** When set, only this bearer token is accepted; otherwise any non-empty one. */
  entraToken: string | undefined
  apiVersions: readonly string[]
}

/** Checks the credential, then the api-version; returns what the rate limits key on. */
export function admitAzure(route: AzureRoute, query: URLSearchParams, headers: IncomingHttpHeaders, auth: AzureAuth) {
  const who = credential(headers, auth)
  const version = query.get('api-version')
  if (route.mode === 'dated' && version === null) throw resourceNotFound()
  const known = route.mode === 'v1' ? ['preview', 'latest'] : auth.apiVersions
  if (version !== null && !known.includes(version))
    throw new AzureError(400, 'API version not supported', { code: 'BadRequest' })
  return who
}

function credential(headers: IncomingHttpHeaders, auth: AzureAuth): string {
  const key = headers['api-key']
  if (typeof key === 'string' && key) {
    if (auth.apiKey !== undefined && key !== auth.apiKey)
      throw new AzureError(
        401,
        'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
        { code: '401' },
      )
    return key
  }
  const token = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1]
  if (token) {
    if (auth.entraToken !== undefined && token !== auth.entraToken)
      throw new AzureError(
        401,
        'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.',
        { code: 'PermissionDenied' },
      )
    return token
  }
  throw new AzureError(
    401,
    'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
    { code: '401' },
  )
}
