/**
 * One Pinecone index held in memory: its description (what the control plane answers) and its
 * namespaces of records. What the data plane checks of a record is here: the dimension, the id,
 * the metadata's types and its 40 KB limit.
 */
import { checkFilter, type Metadata } from './filter'

export interface IndexSpec {
  name: string
  dimension: number
  /** Default cosine. */
  metric?: 'cosine' | 'dotproduct' | 'euclidean'
  /** Default serverless. Pod-based indexes answer no `list` and no namespace operations. */
  kind?: 'serverless' | 'pod'
  /** Set for an index with integrated embedding (it embeds text itself): its model. */
  embedModel?: string
  /** Default dense. */
  vectorType?: 'dense' | 'sparse'
}

export interface StoredRecord {
  id: string
  values: number[]
  metadata?: Metadata
}

/** Pinecone's published limits. */
export const LIMITS = {
  metadataBytes: 40 * 1024,
  upsertVectors: 1000,
  requestBytes: 2 * 1024 * 1024,
  deleteIds: 1000,
  fetchIds: 1000,
  idLength: 512,
  topK: 10_000,
  topKWithData: 1000,
  listLimit: 100,
}

/** A request the server refuses; the status and message it answers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export class IndexState {
  readonly namespaces = new Map<string, Map<string, StoredRecord>>()
  constructor(
    readonly spec: Required<Omit<IndexSpec, 'embedModel'>> & { embedModel?: string },
    readonly host: string,
  ) {}

  get serverless(): boolean {
    return this.spec.kind === 'serverless'
  }

  /** The control plane's IndexModel. */
  model(): Record<string, unknown> {
    const { name, dimension, metric, kind, embedModel, vectorType } = this.spec
    return {
      name,
      dimension,
      metric,
      host: this.host,
      deletion_protection: 'disabled',
      tags: null,
      spec:
        kind === 'serverless'
          ? { serverless: { cloud: 'aws', region: 'us-east-1' } }
          : { pod: { environment: 'us-east-1-aws', pod_type: 'p1.x1', pods: 1, replicas: 1, shards: 1 } },
      status: { ready: true, state: 'Ready' },
      vector_type: vectorType,
      ...(embedModel
        ? { embed: { model: embedModel, metric, dimension, vector_type: vectorType, field_map: { text: 'text' } } }
        : {}),
    }
  }

  namespace(name: string, create = false): Map<string, StoredRecord> | undefined {
    let ns = this.namespaces.get(name)
    if (!ns && create) this.namespaces.set(name, (ns = new Map()))
    return ns
  }

  checkVector(values: unknown): number[] {
    if (!Array.isArray(values) || values.some(v => typeof v !== 'number' || !Number.isFinite(v)))
      throw new ApiError(400, 'Vector values must be an array of finite numbers')
    if (values.length !== this.spec.dimension)
      throw new ApiError(
        400,
        `Vector dimension ${values.length} does not match the dimension of the index ${this.spec.dimension}`,
      )
    return values as number[]
  }
}

export function checkId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.idLength)
    throw new ApiError(400, `Vector ID must be a string of 1 to ${LIMITS.idLength} characters`)
  return id
}

export function checkMetadata(id: string, metadata: unknown): Metadata | undefined {
  if (metadata === undefined || metadata === null) return undefined
  if (typeof metadata !== 'object' || Array.isArray(metadata))
    throw new ApiError(400, `Metadata of vector ${id} must be an object`)
  for (const [key, value] of Object.entries(metadata)) {
    const ok =
      typeof value === 'string' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      typeof value === 'boolean' ||
      (Array.isArray(value) && value.every(v => typeof v === 'string'))
    if (!ok)
      throw new ApiError(
        400,
        `Metadata value for field ${key} must be a string, number, boolean or list of strings, got ${JSON.stringify(value)}`,
      )
  }
  const size = Buffer.byteLength(JSON.stringify(metadata))
  if (size > LIMITS.metadataBytes)
    throw new ApiError(
      400,
      `Metadata size is ${size} bytes, which exceeds the limit of ${LIMITS.metadataBytes} bytes per vector`,
    )
  return metadata as Metadata
}

export function checkedFilter(filter: unknown): unknown {
  try {
    checkFilter(filter)
  } catch (error) {
    throw new ApiError(400, `Invalid filter: ${(error as Error).message}`)
  }
  return filter
}

/** The score of a record for a query vector, in the index's metric (higher is closer, but for euclidean). */
export function score(metric: string, a: number[], b: number[]): number {
  let dot = 0
  let na = 0
  let nb = 0
  let dist = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!
    na += a[i]! * a[i]!
    nb += b[i]! * b[i]!
    dist += (a[i]! - b[i]!) ** 2
  }
  if (metric === 'dotproduct') return dot
  if (metric === 'euclidean') return dist
  return na && nb ? dot / Math.sqrt(na * nb) : 0
}
