import { sdkLogger } from '../sdk-logger'
import { UsageError } from '../../lib/errors'
import type { Embedder } from '../types'
import type { Gate } from '../in-flight'

export interface OpenAIEmbedderOptions {
  /** Default: env `OPENAI_API_KEY` (read by the SDK). */
  apiKey?: string
  /** Default: env `OPENAI_BASE_URL`, else the SDK's. */
  baseURL?: string
  /** Default `text-embedding-3-small`. */
  model?: string
  /** Shortened embeddings (text-embedding-3 models only). Default: the model's own size. */
  dimensions?: number
}

/** Sizes of OpenAI's embedding models, so the fingerprint and the index know them up front. */
const MODEL_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
}

// The embeddings endpoint takes at most 2,048 inputs and 300,000 tokens per request
// (openai SDK, EmbeddingCreateParams.input). 4 characters a token is the usual estimate for
// English; 600,000 characters leaves room for text that tokenises worse.
const MAX_INPUTS_PER_REQUEST = 2048
const MAX_CHARS_PER_REQUEST = 600_000

/** An embedder over the OpenAI embeddings API (or any server speaking it, via `baseURL`). */
export function createOpenAIEmbedder(options: OpenAIEmbedderOptions = {}): Embedder {
  const model = options.model ?? 'text-embedding-3-small'
  const dimensions = options.dimensions ?? MODEL_DIMENSIONS[model]
  let client: Promise<import('openai').OpenAI> | undefined

  const getClient = () =>
    (client ??= import('openai')
      .catch(error => {
        if ((error as NodeJS.ErrnoException)?.code !== 'ERR_MODULE_NOT_FOUND') throw error
        throw new UsageError('postgres: OpenAI embeddings need the openai package: run `npm install openai`')
      })
      .then(({ OpenAI }) => new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, logger: sdkLogger })))

  const embed = async (texts: string[]): Promise<number[][]> => {
    if (texts.length === 0) return []
    const openai = await getClient()
    const out: number[][] = []
    for (const batch of batches(texts, MAX_INPUTS_PER_REQUEST, MAX_CHARS_PER_REQUEST)) {
      const response = await openai.embeddings.create({
        model,
        // The API refuses empty strings; a lone space embeds as "nothing" just as well.
        input: batch.map(text => text || ' '),
        ...(options.dimensions ? { dimensions: options.dimensions } : {}),
      })
      const sorted = [...response.data].sort((a, b) => a.index - b.index)
      out.push(...sorted.map(item => item.embedding))
    }
    return out
  }
  return Object.assign(embed, {
    id: `openai:${model}${options.dimensions ? `@${options.dimensions}` : ''}`,
    dimensions,
  })
}

/** The embedder with its calls in flight held to the gate's bound; its id and dimensions kept (the fingerprint's). */
export function gatedEmbedder(embed: Embedder, gate: Gate): Embedder {
  return Object.assign((texts: string[]) => gate.run(() => embed(texts)), {
    id: embed.id,
    dimensions: embed.dimensions,
  })
}

/** Splits texts into runs of at most `maxItems` texts and (unless one text alone exceeds it) `maxChars` characters. */
export function batches(texts: string[], maxItems: number, maxChars = Infinity): string[][] {
  const out: string[][] = []
  let current: string[] = []
  let chars = 0
  for (const text of texts) {
    if (current.length > 0 && (current.length >= maxItems || chars + text.length > maxChars)) {
      out.push(current)
      current = []
      chars = 0
    }
    current.push(text)
    chars += text.length
  }
  if (current.length > 0) out.push(current)
  return out
}

/** Calls the embedder in batches and checks what it returns: one finite vector per text, all of one size. */
export async function embedTexts(embed: Embedder, texts: string[], batchSize: number): Promise<number[][]> {
  const vectors: number[][] = []
  for (const batch of batches(texts, batchSize)) {
    const result = await embed(batch)
    if (!Array.isArray(result) || result.length !== batch.length)
      throw new Error(
        `the embedder returned ${Array.isArray(result) ? result.length : 'no'} vectors for ${batch.length} texts`,
      )
    vectors.push(...result)
  }
  const size = embed.dimensions ?? vectors[0]?.length
  for (const vector of vectors) {
    if (!Array.isArray(vector) || vector.length !== size || vector.length === 0)
      throw new Error(`the embedder returned a vector of ${vector?.length} dimensions, expected ${size}`)
    if (!vector.every(Number.isFinite)) throw new Error('the embedder returned a vector with a non-finite number')
  }
  return vectors
}

/** pgvector's text form, `[1,2,3]`: sent as a parameter and cast, the same on PGlite and `pg`. */
export function toVectorLiteral(vector: number[]): string {
  return `[${vector.join(',')}]`
}
