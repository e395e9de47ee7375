/**
 * The collections and their points, in memory, with the operations of the published REST API the
 * server routes to: each takes the request body as the API defines it and returns the `result`
 * of its answer, or throws BadRequest (400), NotFound (404) or Conflict (409) with Qdrant's wording.
 */
import { BadRequest, compareIds, filterPoints, normalizeId, parsePath, type Payload, type PointId } from './filter'

export type Distance = 'Cosine' | 'Euclid' | 'Dot' | 'Manhattan'

export interface StoredPoint {
  id: PointId
  vector: number[]
  payload: Payload
  version: number
}

export interface Collection {
  name: string
  size: number
  distance: Distance
  points: Map<string, StoredPoint>
  /** The operation counter (`operation_id` of updates, `version` of points). */
  operations: number
}

export class NotFound extends BadRequest {
  constructor(message: string) {
    super(`Not found: ${message}`, 404)
  }
}

const DISTANCES: Distance[] = ['Cosine', 'Euclid', 'Dot', 'Manhattan']
/** Characters Qdrant refuses in a collection name (it becomes a folder). */
const BAD_NAME = /[<>:"/\\|?*\0]/

export class Collections {
  readonly all = new Map<string, Collection>()

  get(name: string): Collection {
    const found = this.all.get(name)
    if (!found) throw new NotFound(`Collection \`${name}\` doesn't exist!`)
    return found
  }

  create(name: string, body: Record<string, unknown>): true {
    if (name.length === 0 || name.length > 255 || BAD_NAME.test(name))
      throw new BadRequest(
        `Validation error in path parameters: [name: collection name cannot contain "<>:"/\\|?*\\0" characters and must be 1 to 255 characters long]`,
        422,
      )
    if (this.all.has(name)) throw new BadRequest(`Wrong input: Collection \`${name}\` already exists!`, 409)
    const vectors = body.vectors as { size?: unknown; distance?: unknown } | undefined
    if (!vectors || typeof vectors !== 'object')
      throw new BadRequest(
        'Wrong input: this server keeps one unnamed dense vector a point: give vectors: { size, distance }',
      )
    if (!Number.isInteger(vectors.size) || (vectors.size as number) < 1)
      throw new BadRequest('Validation error in JSON body: [vectors.size: value 0 invalid, must be 1 or larger]', 422)
    if (!DISTANCES.includes(vectors.distance as Distance))
      throw new BadRequest(
        `Format error in JSON body: vectors.distance: unknown variant \`${String(vectors.distance)}\`, expected one of \`Cosine\`, \`Euclid\`, \`Dot\`, \`Manhattan\``,
      )
    this.all.set(name, {
      name,
      size: vectors.size as number,
      distance: vectors.distance as Distance,
      points: new Map(),
      operations: 0,
    })
    return true
  }

  delete(name: string): boolean {
    return this.all.delete(name)
  }

  info(name: string): Record<string, unknown> {
    const c = this.get(name)
    return {
      status: 'green',
      optimizer_status: 'ok',
      indexed_vectors_count: 0,
      points_count: c.points.size,
      segments_count: 1,
      config: {
        params: { vectors: { size: c.size, distance: c.distance }, shard_number: 1, replication_factor: 1 },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
        optimizer_config: { indexing_threshold: 10000 },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
      },
      payload_schema: {},
    }
  }

  upsert(name: string, body: Record<string, unknown>): StoredPoint[] {
    const c = this.get(name)
    let points: { id: unknown; vector: unknown; payload?: unknown }[]
    if (Array.isArray(body.points)) points = body.points as typeof points
    else if (body.batch && typeof body.batch === 'object') {
      const b = body.batch as { ids?: unknown[]; vectors?: unknown[]; payloads?: unknown[] }
      if (!Array.isArray(b.ids) || !Array.isArray(b.vectors) || b.ids.length !== b.vectors.length)
        throw new BadRequest('Wrong input: number of ids and vectors must be equal')
      points = b.ids.map((id, i) => ({ id, vector: b.vectors![i], payload: b.payloads?.[i] }))
    } else
      throw new BadRequest(
        'Format error in JSON body: data did not match any variant of untagged enum PointInsertOperations',
      )
    // Checked whole before anything is written: a refused request changes nothing.
    const checked = points.map(p => {
      const id = normalizeId(p.id)
      const vector = p.vector
      if (!Array.isArray(vector) || !vector.every(x => typeof x === 'number' && Number.isFinite(x)))
        throw new BadRequest('Format error in JSON body: data did not match any variant of untagged enum VectorStruct')
      if (vector.length !== c.size)
        throw new BadRequest(`Wrong input: Vector dimension error: expected dim: ${c.size}, got ${vector.length}`)
      if (p.payload !== undefined && p.payload !== null && (typeof p.payload !== 'object' || Array.isArray(p.payload)))
        throw new BadRequest('Format error in JSON body: payload must be an object')
      return { id, vector: stored(c.distance, vector), payload: structuredClone((p.payload ?? {}) as Payload) }
    })
    const version = ++c.operations
    for (const p of checked) c.points.set(String(p.id), { ...p, version })
    return checked.map(p => c.points.get(String(p.id))!)
  }

  /** The points a `PointsSelector` (ids, or a filter) names. */
  selected(c: Collection, body: Record<string, unknown>): StoredPoint[] {
    if (Array.isArray(body.points)) {
      const ids = body.points.map(normalizeId)
      return ids.map(id => c.points.get(String(id))).filter((p): p is StoredPoint => p !== undefined)
    }
    if (body.filter !== undefined) return filterPoints(c.points.values(), body.filter)
    throw new BadRequest('Format error in JSON body: data did not match any variant of untagged enum PointsSelector')
  }

  deletePoints(name: string, body: Record<string, unknown>): number {
    const c = this.get(name)
    const gone = this.selected(c, body)
    for (const p of gone) c.points.delete(String(p.id))
    return ++c.operations
  }

  /** `set_payload` (merge: given keys replace theirs, others stay) or `overwrite_payload` (replace). */
  setPayload(name: string, body: Record<string, unknown>, overwrite: boolean): number {
    const c = this.get(name)
    const payload = body.payload
    if (!payload || typeof payload !== 'object' || Array.isArray(payload))
      throw new BadRequest('Format error in JSON body: missing field `payload`')
    const points = this.selected(c, body)
    const version = ++c.operations
    for (const p of points) {
      const next = structuredClone(payload) as Payload
      if (typeof body.key === 'string' && body.key) {
        // Merged into the object at that path, made when missing.
        let target = p.payload
        for (const { key } of parsePath(body.key)) {
          if (!target[key] || typeof target[key] !== 'object' || Array.isArray(target[key])) target[key] = {}
          target = target[key] as Payload
        }
        Object.assign(target, next)
      } else p.payload = overwrite ? next : { ...p.payload, ...next }
      p.version = version
    }
    return version
  }

  scroll(name: string, body: Record<string, unknown>): { points: unknown[]; next_page_offset: PointId | null } {
    const c = this.get(name)
    const limit = positive(body.limit, 10, 'limit')
    const offset = body.offset === undefined || body.offset === null ? undefined : normalizeId(body.offset)
    const sorted = filterPoints(c.points.values(), body.filter)
      .filter(p => offset === undefined || compareIds(p.id, offset) >= 0)
      .sort((a, b) => compareIds(a.id, b.id))
    const page = sorted.slice(0, limit)
    return {
      points: page.map(p => record(p, body.with_payload ?? true, body.with_vector)),
      next_page_offset: sorted[limit]?.id ?? null,
    }
  }

  count(name: string, body: Record<string, unknown>): { count: number } {
    const c = this.get(name)
    return { count: filterPoints(c.points.values(), body.filter).length }
  }

  /** `query_points` with a nearest-vector query (a bare vector or `{ nearest }`), or none: points in id order. */
  query(name: string, body: Record<string, unknown>): { points: unknown[] } {
    const c = this.get(name)
    const limit = positive(body.limit, 10, 'limit')
    const offset = body.offset === undefined || body.offset === null ? 0 : positive(body.offset, 0, 'offset', 0)
    const q = body.query
    const vector = Array.isArray(q) ? q : (q as { nearest?: unknown } | undefined)?.nearest
    const candidates = filterPoints(c.points.values(), body.filter)
    let scored: (StoredPoint & { score: number })[]
    if (q === undefined || q === null) {
      scored = candidates.sort((a, b) => compareIds(a.id, b.id)).map(p => ({ ...p, score: 0 }))
    } else {
      if (!Array.isArray(vector) || !vector.every(x => typeof x === 'number'))
        throw new BadRequest('Wrong input: this server answers nearest-vector queries only: give query: number[]')
      if (vector.length !== c.size)
        throw new BadRequest(`Wrong input: Vector dimension error: expected dim: ${c.size}, got ${vector.length}`)
      const query = stored(c.distance, vector as number[])
      scored = candidates.map(p => ({ ...p, score: score(c.distance, query, p.vector) }))
      const threshold = typeof body.score_threshold === 'number' ? body.score_threshold : undefined
      const better = (s: number) =>
        c.distance === 'Euclid' || c.distance === 'Manhattan' ? s <= threshold! : s >= threshold!
      if (threshold !== undefined) scored = scored.filter(p => better(p.score))
      const ascending = c.distance === 'Euclid' || c.distance === 'Manhattan'
      scored.sort((a, b) => (ascending ? a.score - b.score : b.score - a.score) || compareIds(a.id, b.id))
    }
    return {
      points: scored.slice(offset, offset + limit).map(p => ({
        ...record(p, body.with_payload ?? false, body.with_vector),
        version: p.version,
        score: p.score,
      })),
    }
  }
}

function positive(value: unknown, fallback: number, field: string, min = 1): number {
  if (value === undefined || value === null) return fallback
  if (!Number.isInteger(value) || (value as number) < min)
    throw new BadRequest(
      `Validation error in JSON body: [${field}: value ${String(value)} invalid, must be ${min} or larger]`,
      422,
    )
  return value as number
}

/** A `Record` with the payload and vector the request asked for (`with_payload`: a bool, a key list or include/exclude). */
function record(p: StoredPoint, withPayload: unknown, withVector: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { id: p.id }
  const payload = selectPayload(p.payload, withPayload)
  out.payload = payload
  out.vector = withVector === true ? p.vector : null
  return out
}

function selectPayload(payload: Payload, selector: unknown): Payload | null {
  if (selector === false) return null
  if (selector === true) return structuredClone(payload)
  const pick = (keys: string[]) => Object.fromEntries(Object.entries(payload).filter(([k]) => keys.includes(k)))
  if (Array.isArray(selector)) return structuredClone(pick(selector as string[]))
  const s = selector as { include?: string[]; exclude?: string[] }
  if (Array.isArray(s?.include)) return structuredClone(pick(s.include))
  if (Array.isArray(s?.exclude))
    return structuredClone(Object.fromEntries(Object.entries(payload).filter(([k]) => !s.exclude!.includes(k))))
  throw new BadRequest(
    'Format error in JSON body: data did not match any variant of untagged enum WithPayloadInterface',
  )
}

/** Cosine collections keep their vectors normalised, so a cosine score is a dot product, as in Qdrant. */
function stored(distance: Distance, vector: number[]): number[] {
  if (distance !== 'Cosine') return [...vector]
  const norm = Math.hypot(...vector)
  return norm === 0 ? [...vector] : vector.map(x => x / norm)
}

function score(distance: Distance, a: number[], b: number[]): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) {
    if (distance === 'Euclid') sum += (a[i]! - b[i]!) ** 2
    else if (distance === 'Manhattan') sum += Math.abs(a[i]! - b[i]!)
    else sum += a[i]! * b[i]!
  }
  return distance === 'Euclid' ? Math.sqrt(sum) : sum
}
