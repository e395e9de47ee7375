import type { ComparisonFilter, CompoundFilter } from 'openai/resources/shared'
import type { AttributeFilter, AttributeValue } from '../types'

/**
 * An attribute filter as the API's `filters`: `eq` for one value, `in` for several (`in` takes
 * strings and numbers only, so booleans become an `or` of `eq`s), every key under one `and`.
 * Undefined for no condition; `null` when a key allows no value at all, so nothing can match
 * (the caller answers it without a request).
 */
export function toOpenAIFilter(
  filter: AttributeFilter | undefined,
): ComparisonFilter | CompoundFilter | undefined | null {
  const parts: (ComparisonFilter | CompoundFilter)[] = []
  for (const [key, value] of Object.entries(filter ?? {})) {
    if (!Array.isArray(value)) {
      parts.push({ type: 'eq', key, value })
      continue
    }
    if (value.length === 0) return null
    if (value.length === 1) {
      parts.push({ type: 'eq', key, value: value[0]! })
      continue
    }
    const listed = value.filter((v): v is string | number => typeof v !== 'boolean')
    const flags = value.filter((v): v is boolean => typeof v === 'boolean')
    const alternatives: ComparisonFilter[] = [
      ...(listed.length ? [{ type: 'in' as const, key, value: listed }] : []),
      ...flags.map((v: AttributeValue) => ({ type: 'eq' as const, key, value: v })),
    ]
    parts.push(alternatives.length === 1 ? alternatives[0]! : { type: 'or', filters: alternatives })
  }
  if (parts.length === 0) return undefined
  return parts.length === 1 ? parts[0]! : { type: 'and', filters: parts }
}
