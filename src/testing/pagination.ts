import { badRequest, invalidValue } from './errors'
import { checkInteger } from './validate'

/** One object of a list, with the monotonic sequence number that orders it (creation order). */
export interface Sequenced {
  id: string
  seq: number
}

export interface ListPage<T> {
  object: 'list'
  data: T[]
  first_id: string | null
  last_id: string | null
  has_more: boolean
}

export interface ListBounds {
  /** Largest `limit` the endpoint accepts, and the one used when none is given. */
  max: number
  default: number
}

/** `limit` 1..100 (default 20) for vector stores and their files, per the spec's list endpoints. */
export const VECTOR_STORE_LIST: ListBounds = { max: 100, default: 20 }
/** `GET /files`: "Limit can range between 1 and 10,000, and the default is 10,000." */
export const FILE_LIST: ListBounds = { max: 10_000, default: 10_000 }

/**
 * Cursor pagination as the API does it: `after`/`before` name an object ID, `order` is by
 * creation time, newest first by default. A cursor is resolved through `seqOf`, which must keep
 * the sequence number of every ID ever listed, so a cursor naming an object deleted since the
 * previous page still marks the same place instead of restarting or failing the listing.
 */
export function paginate<T extends Sequenced, R>(
  items: Iterable<T>,
  query: URLSearchParams,
  seqOf: (id: string) => number | undefined,
  bounds: ListBounds,
  render: (item: T) => R & { id: string },
): ListPage<R> {
  const limit = parseLimit(query.get('limit'), bounds)
  const order = query.get('order') ?? 'desc'
  if (order !== 'asc' && order !== 'desc')
    throw invalidValue('order', `expected one of 'asc', 'desc', but got '${order}' instead.`)
  const after = cursor(query, 'after', seqOf)
  const before = cursor(query, 'before', seqOf)
  const sign = order === 'asc' ? 1 : -1
  let sorted = [...items].sort((a, b) => sign * (a.seq - b.seq))
  if (after !== undefined) sorted = sorted.filter(item => sign * (item.seq - after) > 0)
  if (before !== undefined) sorted = sorted.filter(item => sign * (item.seq - before) < 0)
  // With only `before`, the page is the `limit` objects just before the cursor.
  const page = before !== undefined && after === undefined ? sorted.slice(-limit) : sorted.slice(0, limit)
  const data = page.map(render)
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: sorted.length > page.length,
  }
}

function parseLimit(raw: string | null, bounds: ListBounds): number {
  if (raw === null || raw === '') return bounds.default
  const limit = Number(raw)
  if (!Number.isInteger(limit))
    throw badRequest(`Invalid 'limit': expected an integer, but got '${raw}' instead.`, 'limit', 'invalid_type')
  // The codes a client can tell apart: `integer_below_min_value` for 0, `integer_above_max_value` for 101.
  return checkInteger(limit, 1, bounds.max, 'limit')
}

function cursor(
  query: URLSearchParams,
  name: 'after' | 'before',
  seqOf: (id: string) => number | undefined,
): number | undefined {
  const id = query.get(name)
  if (id === null || id === '') return undefined
  const seq = seqOf(id)
  if (seq === undefined)
    throw badRequest(`Invalid '${name}': no object with ID '${id}' is known to this list.`, name, 'invalid_value')
  return seq
}

/** Only `in_progress`, `completed`, `failed` and `cancelled` are accepted as `filter`. */
export function statusFilter(query: URLSearchParams): string | undefined {
  const filter = query.get('filter')
  if (filter === null || filter === '') return undefined
  if (!['in_progress', 'completed', 'failed', 'cancelled'].includes(filter)) {
    throw invalidValue(
      'filter',
      `expected one of 'in_progress', 'completed', 'failed', 'cancelled', but got '${filter}' instead.`,
    )
  }
  return filter
}
