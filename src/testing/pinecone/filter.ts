/**
 * Pinecone's metadata filter language, as the published API describes it: `$eq $ne $gt $gte $lt
 * $lte $in $nin $exists` on a field, `$and` / `$or` of filters, and `{ field: value }` for `$eq`.
 * A list-of-strings value matches when any of its elements does.
 */

export type MetadataValue = string | number | boolean | string[]
export type Metadata = Record<string, MetadataValue>

/** A filter the server refuses (an unknown operator, a wrong operand): a 400. */
export class FilterError extends Error {}

const COMPARE = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists'])

export function checkFilter(filter: unknown): void {
  if (filter === undefined || filter === null) return
  if (typeof filter !== 'object' || Array.isArray(filter)) throw new FilterError('filter must be an object')
  for (const [key, operand] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(operand)) throw new FilterError(`${key} takes an array of filters`)
      operand.forEach(checkFilter)
      continue
    }
    if (key.startsWith('$')) throw new FilterError(`unknown top-level operator ${key}`)
    if (operand === null || typeof operand !== 'object' || Array.isArray(operand)) {
      scalar(key, operand)
      continue
    }
    for (const [op, value] of Object.entries(operand)) {
      if (!COMPARE.has(op)) throw new FilterError(`unknown operator ${op} on field ${key}`)
      if (op === '$in' || op === '$nin') {
        if (!Array.isArray(value)) throw new FilterError(`${op} on field ${key} takes an array`)
        for (const v of value)
          if (typeof v !== 'string' && typeof v !== 'number')
            throw new FilterError(`${op} on field ${key} takes strings or numbers`)
      } else if (op === '$exists') {
        if (typeof value !== 'boolean') throw new FilterError(`$exists on field ${key} takes a boolean`)
      } else if (op === '$eq' || op === '$ne') scalar(key, value)
      else if (typeof value !== 'number') throw new FilterError(`${op} on field ${key} takes a number`)
    }
  }
}

function scalar(key: string, value: unknown): void {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
    throw new FilterError(`field ${key} must be compared with a string, number or boolean`)
}

/** True when the metadata matches the (already checked) filter. */
export function matches(metadata: Metadata | undefined, filter: unknown): boolean {
  if (filter === undefined || filter === null) return true
  return Object.entries(filter as Record<string, unknown>).every(([key, operand]) => {
    if (key === '$and') return (operand as unknown[]).every(f => matches(metadata, f))
    if (key === '$or') return (operand as unknown[]).some(f => matches(metadata, f))
    const value = metadata?.[key]
    if (operand === null || typeof operand !== 'object') return compare(value, '$eq', operand as MetadataValue)
    return Object.entries(operand).every(([op, v]) => compare(value, op, v as MetadataValue))
  })
}

function compare(value: MetadataValue | undefined, op: string, operand: unknown): boolean {
  if (op === '$exists') return (value !== undefined) === operand
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value]
  const any = (test: (v: string | number | boolean) => boolean) => values.some(test)
  switch (op) {
    case '$eq':
      return any(v => v === operand)
    case '$ne':
      return !any(v => v === operand)
    case '$in':
      return any(v => (operand as unknown[]).includes(v))
    case '$nin':
      return !any(v => (operand as unknown[]).includes(v))
    case '$gt':
      return any(v => typeof v === 'number' && v > (operand as number))
    case '$gte':
      return any(v => typeof v === 'number' && v >= (operand as number))
    case '$lt':
      return any(v => typeof v === 'number' && v < (operand as number))
    case '$lte':
      return any(v => typeof v === 'number' && v <= (operand as number))
  }
  return false
}
