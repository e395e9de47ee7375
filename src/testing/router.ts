import type { IncomingHttpHeaders } from 'node:http'
import type { FaultInjector } from './faults'
import type { LimitKind, RateLimiter } from './rate-limits'
import type { State } from './state'
import type { Body } from './validate'

export type Method = 'GET' | 'POST' | 'DELETE'

/** Settings the handlers read, after defaults. */
export interface HandlerSettings {
  /** How long the next attached file stays `in_progress`, in milliseconds. */
  processingMs: () => number
  /** Whether in-progress reads carry `openai-poll-after-ms`. */
  pollHint: boolean
  embeddingDimensions: number | undefined
}

export interface Context {
  params: Record<string, string>
  query: URLSearchParams
  headers: IncomingHttpHeaders
  apiKey: string
  state: State
  settings: HandlerSettings
  faults: FaultInjector
  /** Undefined when rate limits are off. */
  limits: RateLimiter | undefined
  /** The JSON body; an empty body is `{}`. */
  json(): Promise<Body>
  /** The multipart/form-data body. */
  form(): Promise<FormData>
}

/** A response other than a 200 JSON body. */
export class Reply {
  constructor(
    readonly body: Buffer | string | object,
    readonly status = 200,
    readonly headers: Record<string, string> = {},
  ) {}
}

export interface Route {
  method: Method
  /** The spec's path, without `/v1`: `/vector_stores/{vector_store_id}/files`. */
  path: string
  /** The request limit that governs the route, and how to find its key (API key or store). */
  limit?: { kind: LimitKind; key: (ctx: Pick<Context, 'params' | 'apiKey'>) => string }
  handle(ctx: Context): unknown
}

export type Match = { route: Route; params: Record<string, string> } | { route: undefined; allowed: Method[] }

export class Router {
  private compiled: Array<{ route: Route; segments: string[] }>

  constructor(routes: Route[]) {
    this.compiled = routes.map(route => ({ route, segments: route.path.split('/').filter(Boolean) }))
  }

  match(method: string, path: string): Match {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent)
    const allowed: Method[] = []
    for (const { route, segments } of this.compiled) {
      const params = matchSegments(segments, parts)
      if (!params) continue
      if (route.method === method) return { route, params }
      allowed.push(route.method)
    }
    return { route: undefined, allowed }
  }
}

function matchSegments(segments: string[], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!
    if (segment.startsWith('{')) params[segment.slice(1, -1)] = parts[i]!
    else if (segment !== parts[i]) return undefined
  }
  return params
}
