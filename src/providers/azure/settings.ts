import type { ProviderInput } from '../definition'
import { OPENAI_LIMITS } from '../openai-files'
import type { ProviderLimits } from '../types'

/** The Azure OpenAI provider's options as a user gives them (flat, or grouped as `azure: {}`). */
export interface AzureSettings {
  /** The resource's endpoint, `https://<resource>.openai.azure.com`. Default: env AZURE_OPENAI_ENDPOINT. */
  azureEndpoint?: string
  /** Default: env AZURE_OPENAI_API_KEY. Never printed, logged or stored. */
  azureApiKey?: string
  /**
   * A Microsoft Entra ID token for each request, instead of a key (as the SDK's `AzureOpenAI`
   * takes it, e.g. `getBearerTokenProvider` of `@azure/identity`). Env AZURE_OPENAI_AD_TOKEN
   * gives a fixed token.
   */
  azureADTokenProvider?: () => Promise<string>
  /**
   * A dated api-version (`2025-04-01-preview`), sent as `?api-version=` on `/openai/...`. Default:
   * env OPENAI_API_VERSION, else none: the v1 API (`/openai/v1/`), which takes no version.
   */
  apiVersion?: string
  /** OpenAI `chunking_strategy`, passed through on attach. */
  chunkingStrategy?: Record<string, unknown>
  /** As for the OpenAI provider: a document left `in_progress` longer is reported failed. Default 10 minutes. */
  processingTimeoutMs?: number
}

/** How requests are authenticated: the key in `api-key`, or an Entra ID token as `Authorization: Bearer`. */
export type AzureCredential =
  { kind: 'key'; key: string } | { kind: 'token'; token: () => Promise<string> } | { kind: 'none' }

export interface ResolvedAzureSettings {
  /** Without a trailing slash, `/openai` or `/openai/v1`. */
  endpoint: string | undefined
  credential: AzureCredential
  /** Undefined: the v1 API. */
  apiVersion: string | undefined
  chunkingStrategy: Record<string, unknown> | undefined
  processingTimeoutMs: number
}

/**
 * What Azure OpenAI allows (learn.microsoft.com/azure/ai-foundry/openai/quotas-limits): 10,000
 * files per vector store, files up to 512 MB; attributes as OpenAI's.
 */
export const AZURE_LIMITS: ProviderLimits = {
  ...OPENAI_LIMITS,
  maxFileBytes: 512 * 1024 * 1024,
  maxStoreFiles: 10_000,
}

/** A dated api-version as Azure names them: `2024-10-21`, `2025-04-01-preview`. */
const DATED = /^\d{4}-\d{2}-\d{2}(-preview)?$/

export function azureSettings(
  input: ProviderInput,
  problems: string[],
): Omit<ResolvedAzureSettings, 'processingTimeoutMs' | 'chunkingStrategy'> {
  const given = input.options as AzureSettings
  const { env } = input
  const endpoint = given.azureEndpoint ?? env.AZURE_OPENAI_ENDPOINT
  const named = given.azureEndpoint !== undefined ? 'azureEndpoint' : 'AZURE_OPENAI_ENDPOINT'
  if (endpoint !== undefined && !isHttpUrl(endpoint))
    problems.push(
      `${named} ${JSON.stringify(endpoint)} is not an http(s) URL: give the resource's endpoint, like https://<resource>.openai.azure.com`,
    )
  let apiVersion = given.apiVersion ?? env.OPENAI_API_VERSION
  if (apiVersion === '' || apiVersion === 'v1') apiVersion = undefined
  if (apiVersion !== undefined && !DATED.test(apiVersion)) {
    problems.push(
      `${given.apiVersion !== undefined ? 'apiVersion' : 'OPENAI_API_VERSION'} ${JSON.stringify(apiVersion)} is not an Azure OpenAI api-version: give a dated one like 2025-04-01-preview, or unset it for the v1 API`,
    )
  }
  return {
    endpoint: endpoint && isHttpUrl(endpoint) ? resourceEndpoint(endpoint) : undefined,
    credential: credential(given, input.env, problems),
    apiVersion,
  }
}

/** The option first, then the environment; a key and a token at the same level are refused, as the SDK does. */
function credential(given: AzureSettings, env: ProviderInput['env'], problems: string[]): AzureCredential {
  const provider = given.azureADTokenProvider
  if (provider !== undefined && typeof provider !== 'function')
    problems.push('azureADTokenProvider must be a function returning a token: () => Promise<string>')
  if (typeof provider === 'function') {
    if (given.azureApiKey) problems.push('azureApiKey and azureADTokenProvider are both given: pass one of them')
    return { kind: 'token', token: provider }
  }
  if (given.azureApiKey) return { kind: 'key', key: given.azureApiKey }
  const key = env.AZURE_OPENAI_API_KEY
  const token = env.AZURE_OPENAI_AD_TOKEN
  if (key && token) {
    problems.push('AZURE_OPENAI_API_KEY and AZURE_OPENAI_AD_TOKEN are both set: unset one of them')
    return { kind: 'key', key }
  }
  if (token) return { kind: 'token', token: async () => token }
  if (key) return { kind: 'key', key }
  return { kind: 'none' }
}

/** `https://x.openai.azure.com/`, `.../openai` and `.../openai/v1/` all name the resource `https://x.openai.azure.com`. */
function resourceEndpoint(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/openai(\/v1)?$/, '')
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    return /^https?:$/.test(new URL(value).protocol)
  } catch {
    return false
  }
}
