import { sdkLogger } from '../sdk-logger'
import { UsageError } from '../../lib/errors'
import { RateWindow, rateHeaders, retryAfterMs, type RateEntry, type RateStats } from '../shared/rate-window'
import type { Embedder } from '../types'

export interface OpenAIEmbedderOptions {
  /** Default: env `OPENAI_API_KEY` (read by the SDK). */
  apiKey?: string
  /** Default: env `OPENAI_BASE_URL`, else the SDK's. */
  baseURL?: string
  /** Default `text-embedding-3-small`. */
  model?: string
  /** Shortened embeddings (text-embedding-3 models only). Default: the model's own size. */
  dimensions?: number
  /** Sends of one request at most when it fails transiently (429, 5xx, a lost connection). Default 18, as the OpenAI provider. */
  maxSends?: number
}

/** Sizes of OpenAI's embedding models, so the fingerprint and the index know them up front. */
const MODEL_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
}

// The embeddings endpoint takes at most 2,048 inputs and 300,000 tokens per request
// (openai SDK, EmbeddingCreateParams.input); requests are filled to 90% of the tokens, counted at
// the most tokens per character an answer has reported (English is about 0.25; CJK text about 1).
const MAX_INPUTS_PER_REQUEST = 2048
const MAX_TOKENS_PER_REQUEST = 270_000
/** Tokens per character assumed until an answer reports `usage`: cautious, as for text that tokenises badly. */
const UNKNOWN_TOKENS_PER_CHAR = 0.5
/**
 * The first request of an embedder carries at most this many tokens (estimated): far below any
 * paid account's limit (tier 1: 1,000,000 a minute), so its answer says the limits before a full
 * request (up to 300,000 tokens) is sent, and a small sync still goes as one request.
 */
const FIRST_REQUEST_TOKENS = 20_000
/** A request is kept to this share of a tokens-per-minute limit, so one request never needs a whole window. */
const SHARE_OF_TOKEN_LIMIT = 0.5

export interface OpenAIEmbedder extends Embedder {
  /** Waits for the rate limits, and the 429s that still came (another process on the key). */
  readonly pacing: RateStats
}

/**
 * An embedder over the OpenAI embeddings API (or any server speaking it, via `baseURL`), paced to
 * the account's limits: requests and tokens a minute, learnt from each answer's `x-ratelimit-*`
 * headers, so a first sync of thousands of pages waits for room instead of running into 429s
 * until the retries give up. Tokens are estimated from the characters before a send (at the
 * highest rate of tokens per character seen so far) and charged as `usage` reports. A request that
 * fails transiently is sent again through the same pacing, at most `maxSends` times. The first
 * request of an embedder is small, so the limits are known before a full one goes.
 */
export function createOpenAIEmbedder(options: OpenAIEmbedderOptions = {}): OpenAIEmbedder {
  const model = options.model ?? 'text-embedding-3-small'
  const dimensions = options.dimensions ?? MODEL_DIMENSIONS[model]
  const maxSends = options.maxSends ?? 18
  const pacing: RateStats = { waits: 0, waitedMs: 0, rateLimited: 0 }
  const requests = new RateWindow(pacing)
  const tokens = new RateWindow(pacing)
  /** The most tokens per character any answer reported (`usage.prompt_tokens` over the characters sent). */
  let observed: number | undefined
  const tokensPerChar = () => observed ?? UNKNOWN_TOKENS_PER_CHAR
  let sdk: Promise<{ openai: import('openai').OpenAI; retry: typeof import('../openai/retry') }> | undefined

  const load = () =>
    (sdk ??= Promise.all([
      import('openai').catch(error => {
        if ((error as NodeJS.ErrnoException)?.code !== 'ERR_MODULE_NOT_FOUND') throw error
        throw new UsageError('OpenAI embeddings need the openai package: run `npm install openai`')
      }),
      import('../openai/retry'),
    ]).then(([{ OpenAI }, retry]) => ({
      // Retries are made here, through the pacing, not by the SDK behind its back.
      openai: new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, logger: sdkLogger, maxRetries: 0 }),
      retry,
    })))

  /** Most characters one request may carry: the API's bound, and half the tokens-per-minute limit once known. */
  const maxChars = () =>
    Math.floor(
      Math.min(MAX_TOKENS_PER_REQUEST, tokens.limit ? tokens.limit * SHARE_OF_TOKEN_LIMIT : Infinity) / tokensPerChar(),
    )
  const charsOf = (batch: string[]) => batch.reduce((sum, text) => sum + Math.max(1, text.length), 0)

  /** The next request's texts: as many as fit the API's limits and half the tokens-per-minute limit. */
  const nextBatch = (texts: string[], from: number, bound = maxChars()): string[] => {
    let chars = 0
    let end = from
    while (end < texts.length && end - from < MAX_INPUTS_PER_REQUEST) {
      const length = Math.max(1, texts[end]!.length)
      if (end > from && chars + length > bound) break
      chars += length
      end++
    }
    return texts.slice(from, end)
  }

  /**
   * The batch's vectors, or undefined when a refusal taught a tokens-per-minute limit it no longer
   * fits (the caller cuts it smaller): a request larger than the limit would be refused forever.
   */
  const send = async (batch: string[]): Promise<number[][] | undefined> => {
    const { openai, retry } = await load()
    const chars = charsOf(batch)
    return retry.again(
      async attempt => {
        if (attempt > 1 && batch.length > 1 && chars > maxChars()) return undefined
        let request: RateEntry | undefined
        let charged: RateEntry | undefined
        try {
          request = await requests.take(1)
          charged = await tokens.take(Math.ceil(chars * tokensPerChar()))
          const { data, response } = await openai.embeddings
            .create({
              model,
              // The API refuses empty strings; a lone space embeds as "nothing" just as well.
              input: batch.map(text => text || ' '),
              // Asked for by name, so the SDK hands the vectors over as they came (see decodeVector).
              encoding_format: 'base64',
              ...(options.dimensions ? { dimensions: options.dimensions } : {}),
            })
            .withResponse()
          requests.learn(rateHeaders(response.headers, 'requests'), request)
          tokens.learn(rateHeaders(response.headers, 'tokens'), charged)
          const used = data.usage?.prompt_tokens
          if (typeof used === 'number' && used > 0) {
            tokens.charge(charged, used)
            observed = Math.max(observed ?? 0, used / chars)
          }
          return [...data.data].sort((a, b) => a.index - b.index).map(item => decodeVector(item.embedding))
        } catch (error) {
          const headers = (error as { headers?: Headers }).headers
          if (headers instanceof Headers) {
            requests.learn(rateHeaders(headers, 'requests'), request)
            tokens.learn(rateHeaders(headers, 'tokens'), charged)
          }
          if (retry.isRateLimited(error)) {
            const wait = retryAfterMs(headers)
            requests.refused(request, wait)
            tokens.refused(charged, wait, false)
          } else {
            if (request) requests.drop(request)
            if (charged) tokens.drop(charged)
          }
          throw error
        }
      },
      { attempts: maxSends },
    )
  }

  // The first request is small (FIRST_REQUEST_TOKENS): its answer says the limits before a full
  // request goes (one of 300,000 tokens against a lower limit would only be refused), and the
  // calls that start meanwhile wait for it.
  let first: Promise<unknown> | undefined
  const embed = async (texts: string[]): Promise<number[][]> => {
    const out: number[][] = []
    for (let from = 0; from < texts.length;) {
      let batch: string[]
      let vectors: number[][] | undefined
      if (!first) {
        batch = nextBatch(texts, from, Math.min(maxChars(), FIRST_REQUEST_TOKENS / tokensPerChar()))
        const probe = send(batch)
        first = probe.catch(() => {})
        vectors = await probe
      } else {
        await first
        batch = nextBatch(texts, from)
        vectors = await send(batch)
      }
      if (!vectors) continue
      out.push(...vectors)
      from += batch.length
    }
    return out
  }
  return Object.assign(embed, {
    id: `openai:${model}${options.dimensions ? `@${options.dimensions}` : ''}`,
    dimensions,
    pacing,
  })
}

/**
 * A vector as the API sends it when asked for base64: little-endian float32s. Decoded with a loop
 * into a plain array: the SDK's own decoding (`Array.from` over a Float32Array) took 80-90 ms of a
 * 2,000-vector request here, this about 15. A server that answers with a list of floats anyway
 * (some OpenAI-compatible ones ignore `encoding_format`) is taken as it is.
 */
export function decodeVector(embedding: number[] | string): number[] {
  if (typeof embedding !== 'string') return embedding
  const decoded = Buffer.from(embedding, 'base64')
  // A small Buffer is a slice of a shared pool, at any offset: a Float32Array needs a multiple of 4.
  const bytes = decoded.byteOffset % 4 === 0 ? decoded : new Uint8Array(decoded)
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2)
  const out = new Array<number>(floats.length)
  for (let i = 0; i < floats.length; i++) out[i] = floats[i]!
  return out
}
