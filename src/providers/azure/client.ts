import OpenAI, { AzureOpenAI } from 'openai'
import type { OpenAIService } from '../openai'
import type { AzureCredential } from './settings'

type Base = Parameters<OpenAIService['client']>[0]

/**
 * The SDK client for one resource. Without an api-version, the v1 API: the plain client on
 * `<endpoint>/openai/v1`, the key in `api-key` (the SDK's `Authorization` header removed) or an
 * Entra ID token as its bearer. With one, the SDK's `AzureOpenAI` on `<endpoint>/openai`, which
 * adds `?api-version=` to every request and sends the key as `api-key` itself.
 */
export function azureClient(
  { endpoint, credential, apiVersion }: { endpoint: string; credential: AzureCredential; apiVersion?: string },
  base: Base,
): OpenAI {
  if (credential.kind === 'none') throw new Error('no Azure OpenAI credential')
  if (apiVersion) {
    // baseURL given, never `endpoint`: the SDK would otherwise take OPENAI_BASE_URL over it, and
    // null keeps it from reading AZURE_OPENAI_API_KEY beside a token.
    return new AzureOpenAI({
      baseURL: `${endpoint}/openai`,
      apiVersion,
      ...(credential.kind === 'key'
        ? { apiKey: credential.key }
        : { apiKey: null as unknown as undefined, azureADTokenProvider: credential.token }),
      ...base,
    })
  }
  return new OpenAI({
    baseURL: `${endpoint}/openai/v1`,
    ...(credential.kind === 'key'
      ? { apiKey: credential.key, defaultHeaders: { 'api-key': credential.key, Authorization: null } }
      : { apiKey: credential.token }),
    // The resource is no OpenAI organization or project: the SDK would send OPENAI_ORG_ID's.
    organization: null,
    project: null,
    ...base,
  })
}
