import { invalidType, invalidValue } from './errors'
import { type Attributes, type AttributeValue, checkArray, isObject, onlyKnown } from './validate'

const COMPARISONS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'] as const
type Comparison = (typeof COMPARISONS)[number]

/** `ComparisonFilter` and `CompoundFilter` in the spec. */
export interface ComparisonFilter {
  type: Comparison
  key: string
  value: AttributeValue | Array<string | number>
}
export interface CompoundFilter {
  type: 'and' | 'or'
  filters: Filter[]
}
export type Filter = ComparisonFilter | CompoundFilter

export function checkFilter(value: unknown, param = 'filters'): Filter {
  if (!isObject(value)) throw invalidType(param, 'an object', value)
  const type = value.type
  if (type === 'and' || type === 'or') {
    onlyKnown(value, ['type', 'filters'], param)
    const filters = checkArray(value.filters, `${param}.filters`, 0, Infinity)
    return { type, filters: filters.map((f, i) => checkFilter(f, `${param}.filters[${i}]`)) }
  }
  if (!COMPARISONS.includes(type as Comparison)) {
    throw invalidValue(
      `${param}.type`,
      `expected one of ${[...COMPARISONS, 'and', 'or'].map(t => `'${t}'`).join(', ')}, but got ${JSON.stringify(type)} instead.`,
    )
  }
  onlyKnown(value, ['type', 'key', 'value'], param)
  if (typeof value.key !== 'string') throw invalidType(`${param}.key`, 'a string', value.key)
  const operand = value.value
  if (type === 'in' || type === 'nin') {
    checkArray(operand, `${param}.value`, 0, Infinity).forEach((item, i) => {
      if (typeof item !== 'string' && typeof item !== 'number')
        throw invalidType(`${param}.value[${i}]`, 'a string or number', item)
    })
  } else if (typeof operand !== 'string' && typeof operand !== 'number' && typeof operand !== 'boolean') {
    throw invalidType(`${param}.value`, 'a string, number, or boolean', operand)
  }
  return { type: type as Comparison, key: value.key, value: operand as AttributeValue }
}

/**
 * Whether a file's attributes pass the filter. A missing attribute fails every comparison except
 * `ne` and `nin`, which it passes; ordering compares numbers with numbers and strings with strings.
 */
export function matches(filter: Filter, attributes: Attributes): boolean {
  if ('filters' in filter) {
    const test = (f: Filter) => matches(f, attributes)
    return filter.type === 'and' ? filter.filters.every(test) : filter.filters.some(test)
  }
  const actual = attributes[filter.key]
  const expected = filter.value
  switch (filter.type) {
    case 'eq':
      return actual === expected
    case 'ne':
      return actual !== expected
    case 'in':
      return Array.isArray(expected) && actual !== undefined && (expected as unknown[]).includes(actual)
    case 'nin':
      return !Array.isArray(expected) || actual === undefined || !(expected as unknown[]).includes(actual)
    default: {
      if (actual === undefined || typeof actual !== typeof expected || typeof actual === 'boolean') return false
      const a = actual as number | string
      const b = expected as number | string
      return filter.type === 'gt' ? a > b : filter.type === 'gte' ? a >= b : filter.type === 'lt' ? a < b : a <= b
    }
  }
}
