import type { ProviderInput } from '../definition'

/** The OpenAI provider's options as a user gives them (flat, or grouped as `openai: {}`). */
export interface OpenAISettings {
  /** Default: env OPENAI_API_KEY. Never printed, logged or stored. */
  apiKey?: string
  /** Default: env OPENAI_BASE_URL, else the SDK's. */
  baseURL?: string
  /** OpenAI `chunking_strategy`, passed through on attach. */
  chunkingStrategy?: Record<string, unknown>
  /**
   * A document the store leaves `in_progress` longer than this is reported failed and retried by
   * the next run, never waited on forever. Default 10 minutes.
   */
  processingTimeoutMs?: number
}

/** The defaults of the provider's settings (the SDK's own where there is none here). */
export const OPENAI_DEFAULTS = {
  processingTimeoutMs: 10 * 60_000,
  /** The SDK's retries of 429, 5xx and dropped connections (retry.ts has the whole policy). */
  maxRetries: 5,
} as const

export interface ResolvedOpenAISettings {
  apiKey: string | undefined
  baseURL: string | undefined
  chunkingStrategy: Record<string, unknown> | undefined
  processingTimeoutMs: number
}

/**
 * The key and the server, from the options or OPENAI_API_KEY and OPENAI_BASE_URL: shared with the
 * postgres provider's default embedder. A base URL the SDK would take as is, and fail each request
 * with `Invalid URL`, is a problem now, before any work.
 */
export function openAIAccess(
  input: ProviderInput,
  problems: string[],
): { apiKey: string | undefined; baseURL: string | undefined } {
  const given = input.options as OpenAISettings
  const apiKey = given.apiKey ?? input.env.OPENAI_API_KEY
  const baseURL = given.baseURL ?? input.env.OPENAI_BASE_URL
  if (baseURL && !isHttpUrl(baseURL))
    problems.push(
      `${given.baseURL !== undefined ? 'baseURL' : 'OPENAI_BASE_URL'} ${JSON.stringify(baseURL)} is not an http(s) URL: give one like https://api.openai.com/v1, or unset it`,
    )
  return { apiKey, baseURL }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    return /^https?:$/.test(new URL(value).protocol)
  } catch {
    return false
  }
}
