/**
 * The data plane of one index: upsert, query, fetch, list (by prefix, paginated), update, delete,
 * describe_index_stats and the namespace operations, with the request and response shapes of the
 * published API (camelCase bodies, `pagination.next` tokens).
 */
import { matches, type Metadata } from './filter'
import {
  ApiError,
  checkedFilter,
  checkId,
  checkMetadata,
  LIMITS,
  score,
  type IndexState,
  type StoredRecord,
} from './index-state'

type Body = Record<string, unknown>

export function handleData(
  index: IndexState,
  method: string,
  route: string,
  query: URLSearchParams,
  body: Body,
): unknown {
  const key = `${method} ${route.startsWith('/namespaces/') ? '/namespaces/{namespace}' : route}`
  switch (key) {
    case 'POST /vectors/upsert':
      return upsert(index, body)
    case 'POST /query':
      return queryVectors(index, body)
    case 'GET /vectors/fetch':
      return fetchVectors(index, query)
    case 'GET /vectors/list':
      return list(index, query)
    case 'POST /vectors/update':
      return update(index, body)
    case 'POST /vectors/delete':
      return remove(index, body)
    case 'POST /describe_index_stats':
      return stats(index)
    case 'GET /namespaces':
      return listNamespaces(index, query)
    case 'POST /namespaces':
      return createNamespace(index, body)
    case 'GET /namespaces/{namespace}':
    case 'DELETE /namespaces/{namespace}':
      return namespaceOp(index, method, decodeURIComponent(route.slice('/namespaces/'.length)))
  }
  throw new ApiError(404, `Not Found: ${method} ${route}`)
}

const namespaceOf = (value: unknown) => (typeof value === 'string' ? value : '')

function upsert(index: IndexState, body: Body) {
  const vectors = body.vectors
  if (!Array.isArray(vectors) || vectors.length === 0)
    throw new ApiError(400, 'vectors must be a non-empty array of records')
  if (vectors.length > LIMITS.upsertVectors)
    throw new ApiError(
      400,
      `Upsert request contains ${vectors.length} vectors, which exceeds the limit of ${LIMITS.upsertVectors} vectors per request`,
    )
  // Every record is checked before any is written: a refused request changes nothing.
  const records: StoredRecord[] = vectors.map((v: Body) => {
    const id = checkId(v?.id)
    return { id, values: index.checkVector(v.values), metadata: checkMetadata(id, v.metadata) }
  })
  const ns = index.namespace(namespaceOf(body.namespace), true)!
  for (const r of records) ns.set(r.id, r)
  return { upsertedCount: records.length }
}

function queryVectors(index: IndexState, body: Body) {
  const topK = body.topK
  if (!Number.isInteger(topK) || (topK as number) < 1 || (topK as number) > LIMITS.topK)
    throw new ApiError(400, `topK must be an integer from 1 to ${LIMITS.topK}`)
  const withData = body.includeMetadata === true || body.includeValues === true
  if (withData && (topK as number) > LIMITS.topKWithData)
    throw new ApiError(
      400,
      `topK must be at most ${LIMITS.topKWithData} when includeMetadata or includeValues is true, got ${topK}`,
    )
  const filter = checkedFilter(body.filter)
  const ns = index.namespace(namespaceOf(body.namespace))
  let vector: number[]
  if (body.id !== undefined) {
    const found = ns?.get(String(body.id))
    if (!found) return { matches: [], namespace: namespaceOf(body.namespace), usage: { readUnits: 1 } }
    vector = found.values
  } else vector = index.checkVector(body.vector)
  const metric = index.spec.metric
  const scored = [...(ns?.values() ?? [])]
    .filter(r => matches(r.metadata, filter))
    .map(r => ({ r, s: score(metric, vector, r.values) }))
    .sort((a, b) => (metric === 'euclidean' ? a.s - b.s : b.s - a.s) || (a.r.id < b.r.id ? -1 : 1))
    .slice(0, topK as number)
  return {
    matches: scored.map(({ r, s }) => ({
      id: r.id,
      score: s,
      values: body.includeValues === true ? r.values : [],
      ...(body.includeMetadata === true && r.metadata ? { metadata: r.metadata } : {}),
    })),
    namespace: namespaceOf(body.namespace),
    usage: { readUnits: 1 + Math.floor(scored.length / 100) },
  }
}

function fetchVectors(index: IndexState, query: URLSearchParams) {
  const ids = query.getAll('ids')
  if (ids.length === 0) throw new ApiError(400, 'ids must name at least one vector')
  if (ids.length > LIMITS.fetchIds)
    throw new ApiError(400, `Fetch request names ${ids.length} ids, more than the limit of ${LIMITS.fetchIds}`)
  const namespace = query.get('namespace') ?? ''
  const ns = index.namespace(namespace)
  const vectors: Record<string, StoredRecord> = {}
  for (const id of ids) {
    const r = ns?.get(id)
    if (r) vectors[id] = { id: r.id, values: r.values, ...(r.metadata ? { metadata: r.metadata } : {}) }
  }
  return { vectors, namespace, usage: { readUnits: 1 } }
}

interface PageToken {
  skip_past: string
  prefix: string
}

function list(index: IndexState, query: URLSearchParams) {
  if (!index.serverless) throw new ApiError(400, 'list is supported only for serverless indexes')
  const limit = query.has('limit') ? Number(query.get('limit')) : LIMITS.listLimit
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.listLimit)
    throw new ApiError(400, `limit must be an integer from 1 to ${LIMITS.listLimit}`)
  const prefix = query.get('prefix') ?? ''
  const namespace = query.get('namespace') ?? ''
  let after = ''
  const token = query.get('paginationToken')
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as PageToken
      if (typeof parsed.skip_past !== 'string' || parsed.prefix !== prefix) throw new Error('mismatch')
      after = parsed.skip_past
    } catch {
      throw new ApiError(400, 'Invalid pagination token')
    }
  }
  // Bitwise "C" collation: compare UTF-8 bytes, not UTF-16 units.
  const ids = [...(index.namespace(namespace)?.keys() ?? [])]
    .filter(id => id.startsWith(prefix) && (!after || Buffer.compare(Buffer.from(id), Buffer.from(after)) > 0))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  const page = ids.slice(0, limit)
  const next =
    ids.length > limit
      ? Buffer.from(JSON.stringify({ skip_past: page.at(-1)!, prefix } satisfies PageToken)).toString('base64')
      : undefined
  return {
    vectors: page.map(id => ({ id })),
    ...(next ? { pagination: { next } } : {}),
    namespace,
    usage: { readUnits: 1 },
  }
}

function update(index: IndexState, body: Body) {
  const ns = index.namespace(namespaceOf(body.namespace))
  const set = body.setMetadata
  if (body.id !== undefined && body.filter !== undefined)
    throw new ApiError(400, 'update takes either id or filter, not both')
  if (body.filter !== undefined) {
    if (body.values !== undefined) throw new ApiError(400, 'an update by filter sets metadata only')
    const filter = checkedFilter(body.filter)
    const targets = [...(ns?.values() ?? [])].filter(r => matches(r.metadata, filter))
    const next = targets.map(r => ({ r, metadata: { ...r.metadata, ...(set as Metadata) } }))
    for (const { r, metadata } of next) checkMetadata(r.id, metadata)
    if (body.dryRun !== true) for (const { r, metadata } of next) r.metadata = metadata
    return { matchedRecords: targets.length }
  }
  const id = checkId(body.id)
  const values = body.values === undefined ? undefined : index.checkVector(body.values)
  const found = ns?.get(id)
  if (!found) return {}
  const metadata = set === undefined ? found.metadata : checkMetadata(id, { ...found.metadata, ...(set as Metadata) })
  if (values) found.values = values
  found.metadata = metadata
  return {}
}

function remove(index: IndexState, body: Body) {
  const ns = index.namespace(namespaceOf(body.namespace))
  const given = [body.ids !== undefined, body.deleteAll === true, body.filter !== undefined].filter(Boolean).length
  if (given !== 1) throw new ApiError(400, 'delete takes exactly one of ids, deleteAll or filter')
  if (body.ids !== undefined) {
    const ids = body.ids
    if (!Array.isArray(ids) || ids.length === 0) throw new ApiError(400, 'ids must be a non-empty array')
    if (ids.length > LIMITS.deleteIds)
      throw new ApiError(400, `Delete request names ${ids.length} ids, more than the limit of ${LIMITS.deleteIds}`)
    for (const id of ids) ns?.delete(String(id))
  } else if (body.deleteAll === true) ns?.clear()
  else {
    const filter = checkedFilter(body.filter)
    for (const r of [...(ns?.values() ?? [])]) if (matches(r.metadata, filter)) ns!.delete(r.id)
  }
  return {}
}

function stats(index: IndexState) {
  const namespaces: Record<string, { vectorCount: number }> = {}
  let total = 0
  for (const [name, ns] of index.namespaces) {
    if (ns.size === 0) continue
    namespaces[name] = { vectorCount: ns.size }
    total += ns.size
  }
  return {
    namespaces,
    dimension: index.spec.dimension,
    indexFullness: 0,
    totalVectorCount: total,
    metric: index.spec.metric,
    vectorType: index.spec.vectorType,
  }
}

const describe = (name: string, ns: Map<string, StoredRecord>) => ({ name, record_count: ns.size })

function listNamespaces(index: IndexState, query: URLSearchParams) {
  if (!index.serverless) throw new ApiError(400, 'namespace operations are supported only for serverless indexes')
  const prefix = query.get('prefix') ?? ''
  const names = [...index.namespaces.keys()].filter(n => n.startsWith(prefix)).sort()
  return {
    namespaces: names.map(n => describe(n, index.namespaces.get(n)!)),
    total_count: names.length,
  }
}

function createNamespace(index: IndexState, body: Body) {
  if (!index.serverless) throw new ApiError(400, 'namespace operations are supported only for serverless indexes')
  const name = body.name
  if (typeof name !== 'string' || name.length === 0) throw new ApiError(400, 'name must be a non-empty string')
  if (index.namespaces.has(name)) throw new ApiError(409, `Namespace ${name} already exists`)
  return describe(name, index.namespace(name, true)!)
}

function namespaceOp(index: IndexState, method: string, name: string) {
  if (!index.serverless) throw new ApiError(400, 'namespace operations are supported only for serverless indexes')
  const ns = index.namespaces.get(name)
  if (!ns) throw new ApiError(404, `Namespace ${name} not found`)
  if (method === 'GET') return describe(name, ns)
  index.namespaces.delete(name)
  return {}
}
