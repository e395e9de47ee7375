/**
 * Qdrant's filter language as the published API defines it (`Filter`, `FieldCondition`, `Match*`,
 * `Range`, `HasIdCondition`, `IsEmpty`/`IsNull`), evaluated over one point's payload. Request
 * shapes the API refuses are refused here too, with its 400 wording, so a client sending them
 * fails in tests as it would against a real server.
 */

export type Payload = Record<string, unknown>
export type PointId = number | string

export class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
}

const CONDITION_KEYS = ['must', 'should', 'must_not', 'min_should']

/** The points that satisfy the filter; a malformed filter is refused even when there is no point to test. */
export function filterPoints<T extends { id: PointId; payload: Payload }>(points: Iterable<T>, filter: unknown): T[] {
  matches(filter, 0, {})
  return [...points].filter(p => matches(filter, p.id, p.payload))
}

/** True when the point (its id and payload) satisfies the filter; throws BadRequest for a malformed one. */
export function matches(filter: unknown, id: PointId, payload: Payload): boolean {
  if (filter === undefined || filter === null) return true
  if (typeof filter !== 'object' || Array.isArray(filter)) throw format('Filter must be an object')
  const f = filter as Record<string, unknown>
  const unknown = Object.keys(f).find(k => !CONDITION_KEYS.includes(k))
  if (unknown)
    throw format(`unknown field \`${unknown}\`, expected one of \`should\`, \`min_should\`, \`must\`, \`must_not\``)
  const list = (value: unknown): unknown[] =>
    value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]
  const must = list(f.must)
  const should = list(f.should)
  const mustNot = list(f.must_not)
  // Every condition is evaluated (no short cut), so a malformed one is refused whatever the data.
  const [m, s, n] = [must, should, mustNot].map(list => list.map(c => condition(c, id, payload)))
  if (!m!.every(Boolean)) return false
  if (s!.length > 0 && !s!.some(Boolean)) return false
  if (n!.some(Boolean)) return false
  if (f.min_should !== undefined && f.min_should !== null) {
    const { conditions, min_count } = f.min_should as { conditions?: unknown[]; min_count?: number }
    if (!Array.isArray(conditions) || !Number.isInteger(min_count))
      throw format('min_should needs conditions and min_count')
    if (conditions.map(c => condition(c, id, payload)).filter(Boolean).length < min_count!) return false
  }
  return true
}

function condition(c: unknown, id: PointId, payload: Payload): boolean {
  if (!c || typeof c !== 'object') throw format('data did not match any variant of untagged enum Condition')
  const cond = c as Record<string, unknown>
  if (CONDITION_KEYS.some(k => k in cond)) return matches(cond, id, payload)
  if ('has_id' in cond) {
    if (!Array.isArray(cond.has_id)) throw format('has_id must be a list of point ids')
    return cond.has_id.some(other => String(normalizeId(other)) === String(id))
  }
  if ('is_empty' in cond) return isEmpty(valuesAt(payload, keyOf(cond.is_empty)))
  if ('is_null' in cond) return valuesAt(payload, keyOf(cond.is_null)).some(v => v === null)
  if (typeof cond.key !== 'string') throw format('data did not match any variant of untagged enum Condition')
  const values = valuesAt(payload, cond.key).flatMap(v => (Array.isArray(v) ? v : [v]))
  if (cond.match !== undefined && cond.match !== null) return matchValue(cond.match, values)
  if (cond.range !== undefined && cond.range !== null) return inRange(cond.range, values)
  if (cond.is_empty === true) return isEmpty(values)
  if (cond.is_null === true) return values.some(v => v === null)
  throw new BadRequest('Wrong input: At least one field condition must be specified', 400)
}

function keyOf(value: unknown): string {
  const key = (value as { key?: unknown })?.key
  if (typeof key !== 'string') throw format('missing field `key`')
  return key
}

const isEmpty = (values: unknown[]) =>
  values.length === 0 || values.every(v => v === null || (Array.isArray(v) && v.length === 0))

/** `ValueVariants`: a string, an int64 or a boolean (never a float). */
function variant(value: unknown): boolean {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value))
  )
}

function same(expected: unknown, actual: unknown): boolean {
  // A keyword matches only strings, an integer only integers, a bool only bools: "2" is not 2.
  if (typeof expected === 'number') return typeof actual === 'number' && Number.isInteger(actual) && actual === expected
  return typeof actual === typeof expected && actual === expected
}

function matchValue(match: unknown, values: unknown[]): boolean {
  const m = match as Record<string, unknown>
  if ('value' in m) {
    if (!variant(m.value)) throw format('data did not match any variant of untagged enum ValueVariants')
    return values.some(v => same(m.value, v))
  }
  if ('any' in m || 'except' in m) {
    const list = ('any' in m ? m.any : m.except) as unknown
    // `AnyVariants`: a list of strings or a list of integers, one type per list.
    const ok =
      Array.isArray(list) &&
      (list.every(v => typeof v === 'string') || list.every(v => typeof v === 'number' && Number.isInteger(v)))
    if (!ok) throw format('data did not match any variant of untagged enum AnyVariants')
    const hit = values.some(v => list.some(e => same(e, v)))
    return 'any' in m ? hit : values.length > 0 && !values.every(v => list.some(e => same(e, v)))
  }
  if ('text' in m && typeof m.text === 'string')
    return values.some(v => typeof v === 'string' && v.includes(m.text as string))
  throw format('data did not match any variant of untagged enum Match')
}

function inRange(range: unknown, values: unknown[]): boolean {
  const r = range as Record<string, unknown>
  const bounds = ['gt', 'gte', 'lt', 'lte'] as const
  for (const b of bounds)
    if (r[b] !== undefined && r[b] !== null && typeof r[b] !== 'number')
      throw format('data did not match any variant of untagged enum RangeInterface')
  return values.some(
    v =>
      typeof v === 'number' &&
      (r.gt == null || v > (r.gt as number)) &&
      (r.gte == null || v >= (r.gte as number)) &&
      (r.lt == null || v < (r.lt as number)) &&
      (r.lte == null || v <= (r.lte as number)),
  )
}

/**
 * The payload values at a key path: `a.b`, `a[].b` (each element), `a."x.y"` (a quoted key).
 * A path that goes through an array reaches every element, as in Qdrant.
 */
export function valuesAt(payload: Payload, path: string): unknown[] {
  let current: unknown[] = [payload]
  for (const { key, each } of parsePath(path)) {
    const next: unknown[] = []
    for (const value of current) {
      const items = Array.isArray(value) ? value : [value]
      for (const item of items) {
        if (!item || typeof item !== 'object' || Array.isArray(item) || !Object.hasOwn(item, key)) continue
        const found = (item as Record<string, unknown>)[key]
        if (each) {
          if (Array.isArray(found)) next.push(...found)
        } else next.push(found)
      }
    }
    current = next
  }
  return current
}

export function parsePath(path: string): { key: string; each: boolean }[] {
  const parts: { key: string; each: boolean }[] = []
  let i = 0
  while (i < path.length) {
    let key: string
    if (path[i] === '"') {
      const end = path.indexOf('"', i + 1)
      if (end < 0) throw new BadRequest(`Wrong input: Invalid key path: ${path}`)
      key = path.slice(i + 1, end)
      i = end + 1
    } else {
      const m = /^[^.[\]"]+/.exec(path.slice(i))
      if (!m) throw new BadRequest(`Wrong input: Invalid key path: ${path}`)
      key = m[0]
      i += key.length
    }
    let each = false
    if (path.startsWith('[]', i)) {
      each = true
      i += 2
    }
    parts.push({ key, each })
    if (i < path.length) {
      if (path[i] !== '.') throw new BadRequest(`Wrong input: Invalid key path: ${path}`)
      i++
    }
  }
  if (parts.length === 0) throw new BadRequest(`Wrong input: Invalid key path: ${path}`)
  return parts
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i
const UUID_URN = /^urn:uuid:/i

/** An `ExtendedPointId` as the server keeps it (a UUID in its hyphenated lower-case form), or a 400. */
export function normalizeId(value: unknown): PointId {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  if (typeof value === 'string') {
    const hex = value.replace(UUID_URN, '').replace(/^\{|\}$/g, '')
    if (UUID.test(hex)) {
      const h = hex.replace(/-/g, '').toLowerCase()
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
    }
  }
  throw format(
    `value ${JSON.stringify(value)} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
  )
}

/** Point ids in the server's order: integers first, ascending, then UUIDs (as 128-bit numbers). */
export function compareIds(a: PointId, b: PointId): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'number') return -1
  if (typeof b === 'number') return 1
  return a < b ? -1 : a > b ? 1 : 0
}

function format(message: string): BadRequest {
  return new BadRequest(`Format error in JSON body: ${message}`)
}
