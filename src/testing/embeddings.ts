import { badRequest, invalidType, invalidValue } from './errors'
import { Reply, type Route } from './router'
import { approxTokens, fnv1a, words } from './text'
import { checkArray, onlyKnown, optionalInteger, optionalString, requireString } from './validate'

/** `CreateEmbeddingResponse` in the spec (with `embedding` a base64 string when asked for). */
export interface CreateEmbeddingResponse {
  object: 'list'
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>
  model: string
  usage: { prompt_tokens: number; total_tokens: number }
}

/** The embeddings endpoint takes at most 2048 inputs per request. */
const MAX_INPUTS = 2048
/** The largest `dimensions` a current model (text-embedding-3-large) produces. */
const MAX_DIMENSIONS = 3072

/**
 * A deterministic stand-in for a text embedding: words and their character trigrams are hashed
 * into `dimensions` signed buckets (the hashing trick) and the vector is L2-normalised, so the
 * cosine similarity of two texts grows with the words (and word fragments) they share.
 */
export function hashEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0)
  const add = (feature: string, weight: number) => {
    const hash = fnv1a(feature)
    vector[hash % dimensions]! += (fnv1a(feature, 0x9747b28c) & 1 ? 1 : -1) * weight
  }
  for (const word of words(text)) {
    add(`w:${word}`, 1)
    const padded = `^${word}$`
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.25)
  }
  const norm = Math.hypot(...vector)
  if (norm === 0) {
    vector[0] = 1
    return vector
  }
  return vector.map(v => v / norm)
}

/** Inputs as text: strings as they are, token arrays as one pseudo-word per token ID. */
function readInputs(input: unknown): Array<{ text: string; tokens: number }> {
  const empty = () =>
    badRequest(
      `'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.`,
      'input',
    )
  const one = (value: unknown, param: string) => {
    if (typeof value === 'string') {
      if (!value) throw empty()
      return { text: value, tokens: approxTokens(value) }
    }
    if (Array.isArray(value) && value.length && value.every(t => Number.isInteger(t))) {
      return { text: value.map(t => `tok${t}`).join(' '), tokens: value.length }
    }
    throw invalidType(param, 'a string or an array of token IDs', value)
  }
  if (input === undefined || input === null)
    throw badRequest(`Missing required parameter: 'input'.`, 'input', 'missing_required_parameter')
  if (typeof input === 'string') return [one(input, 'input')]
  const list = checkArray(input, 'input', 1, MAX_INPUTS)
  if (list.every(t => typeof t === 'number')) return [one(list, 'input')]
  return list.map((value, i) => one(value, `input[${i}]`))
}

/** The length each model returns when a request names no `dimensions`, as the real API does. */
const MODEL_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
}

export const embeddingRoutes: Route[] = [
  {
    method: 'POST',
    path: '/embeddings',
    async handle(ctx) {
      const body = await ctx.json()
      onlyKnown(body, ['input', 'model', 'encoding_format', 'dimensions', 'user'])
      const model = requireString(body, 'model')
      const inputs = readInputs(body.input)
      const dimensions =
        optionalInteger(body, 'dimensions', 1, MAX_DIMENSIONS) ??
        ctx.settings.embeddingDimensions ??
        MODEL_DIMENSIONS[model] ??
        256
      const format = optionalString(body, 'encoding_format') ?? 'float'
      if (format !== 'float' && format !== 'base64')
        throw invalidValue('encoding_format', `expected one of 'float', 'base64', but got '${format}' instead.`)
      const tokens = inputs.reduce((sum, i) => sum + i.tokens, 0)
      const limitHeaders = ctx.limits?.admitEmbeddings(ctx.apiKey, model, tokens)
      const response: CreateEmbeddingResponse = {
        object: 'list',
        data: inputs.map(({ text }, index) => {
          const vector = hashEmbedding(text, dimensions)
          // base64 is little-endian float32, which is what the SDK decodes (and asks for by default).
          const embedding =
            format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector
          return { object: 'embedding', index, embedding }
        }),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      }
      return new Reply(response, 200, limitHeaders)
    },
  },
]
