import { badRequest, invalidType, invalidValue, missingParam } from './errors'

/** A parsed JSON request body. */
export type Body = Record<string, unknown>

export type AttributeValue = string | number | boolean
export type Attributes = Record<string, AttributeValue>

export function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The spec declares every request body of these routes `additionalProperties: false`, and the
 * API refuses what it does not know rather than ignore it: a misspelt `atributes` must fail
 * loudly, not attach a file without its attributes.
 */
export function onlyKnown(body: Body, allowed: readonly string[], prefix = ''): void {
  for (const key of Object.keys(body)) {
    if (allowed.includes(key)) continue
    const param = prefix ? `${prefix}.${key}` : key
    throw badRequest(`Unrecognized request argument supplied: ${param}`, param)
  }
}

export function requireString(body: Body, key: string, param = key): string {
  const value = body[key]
  if (value === undefined || value === null) throw missingParam(param)
  if (typeof value !== 'string') throw invalidType(param, 'a string', value)
  return value
}

export function optionalString(body: Body, key: string, param = key): string | undefined {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw invalidType(param, 'a string', value)
  return value
}

export function optionalBoolean(body: Body, key: string): boolean | undefined {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw invalidType(key, 'a boolean', value)
  return value
}

export function optionalInteger(body: Body, key: string, min: number, max: number, param = key): number | undefined {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  return checkInteger(value, min, max, param)
}

export function checkInteger(value: unknown, min: number, max: number, param: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidType(param, 'an integer', value)
  if (value < min) {
    throw badRequest(
      `Invalid '${param}': integer below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      param,
      'integer_below_min_value',
    )
  }
  if (value > max) {
    throw badRequest(
      `Invalid '${param}': integer above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
      param,
      'integer_above_max_value',
    )
  }
  return value
}

export function checkArray(value: unknown, param: string, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) throw invalidType(param, 'an array', value)
  if (value.length < min) {
    throw badRequest(
      `Invalid '${param}': empty array. Expected an array with minimum length ${min}, but got an empty array instead.`,
      param,
      'empty_array',
    )
  }
  if (value.length > max) {
    throw badRequest(
      `Invalid '${param}': array too long. Expected an array with maximum length ${max}, but got an array with length ${value.length} instead.`,
      param,
      'array_above_max_length',
    )
  }
  return value
}

export function stringArray(value: unknown, param: string, min: number, max: number): string[] {
  const array = checkArray(value, param, min, max)
  array.forEach((item, i) => {
    if (typeof item !== 'string') throw invalidType(`${param}[${i}]`, 'a string', item)
  })
  return array as string[]
}

/**
 * `VectorStoreFileAttributes` in the spec: at most 16 keys of up to 64 characters; values are
 * strings of up to 512 characters, numbers or booleans.
 */
export function checkAttributes(value: unknown, param = 'attributes'): Attributes | null {
  if (value === undefined || value === null) return null
  if (!isObject(value)) throw invalidType(param, 'an object', value)
  const entries = Object.entries(value)
  if (entries.length > 16) {
    throw badRequest(
      `Invalid '${param}': too many properties. Expected an object with at most 16 properties, but got an object with ${entries.length} properties instead.`,
      param,
      'object_above_max_properties',
    )
  }
  for (const [key, item] of entries) {
    if (key.length > 64) {
      throw badRequest(
        `Invalid '${param}': key '${key.slice(0, 70)}…' is too long. Expected a key of at most 64 characters, but got ${key.length} characters instead.`,
        param,
        'invalid_value',
      )
    }
    const ok =
      typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item)) || typeof item === 'string'
    if (!ok) throw invalidType(`${param}.${key}`, 'a string, number, or boolean', item)
    if (typeof item === 'string' && item.length > 512) {
      throw badRequest(
        `Invalid '${param}.${key}': string too long. Expected a string with maximum length 512, but got a string with length ${item.length} instead.`,
        `${param}.${key}`,
        'string_above_max_length',
      )
    }
  }
  return { ...(value as Attributes) }
}

/** `Metadata` in the spec: 16 pairs, keys up to 64 characters, string values up to 512. */
export function checkMetadata(value: unknown, param = 'metadata'): Record<string, string> | null {
  if (value === undefined || value === null) return null
  const attributes = checkAttributes(value, param)!
  for (const [key, item] of Object.entries(attributes)) {
    if (typeof item !== 'string') throw invalidType(`${param}.${key}`, 'a string', item)
  }
  return attributes as Record<string, string>
}

export interface StaticChunking {
  max_chunk_size_tokens: number
  chunk_overlap_tokens: number
}

/** What `auto` means today, per `AutoChunkingStrategyRequestParam`: 800-token chunks, 400 overlap. */
export const AUTO_CHUNKING: StaticChunking = { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 }

/** `ChunkingStrategyRequestParam`: `auto`, or `static` with 100..4096 tokens and overlap ≤ half. */
export function checkChunking(value: unknown, param = 'chunking_strategy'): StaticChunking {
  if (value === undefined || value === null) return AUTO_CHUNKING
  if (!isObject(value)) throw invalidType(param, 'an object', value)
  if (value.type === 'auto') {
    onlyKnown(value, ['type'], param)
    return AUTO_CHUNKING
  }
  if (value.type !== 'static')
    throw invalidValue(
      `${param}.type`,
      `expected one of 'auto', 'static', but got ${JSON.stringify(value.type)} instead.`,
    )
  onlyKnown(value, ['type', 'static'], param)
  if (!isObject(value.static)) throw missingParam(`${param}.static`)
  onlyKnown(value.static, ['max_chunk_size_tokens', 'chunk_overlap_tokens'], `${param}.static`)
  const size = checkInteger(value.static.max_chunk_size_tokens, 100, 4096, `${param}.static.max_chunk_size_tokens`)
  const overlap = checkInteger(
    value.static.chunk_overlap_tokens,
    0,
    Math.floor(size / 2),
    `${param}.static.chunk_overlap_tokens`,
  )
  return { max_chunk_size_tokens: size, chunk_overlap_tokens: overlap }
}
