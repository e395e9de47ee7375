import { createServer } from 'node:http'
import { AZURE_API_VERSIONS } from './azure'
import type { AddressInfo } from 'node:net'
import { FaultInjector, type FaultOptions } from './faults'
import type { FileObject } from './files'
import { processingClock, type ProcessingTime } from './processing'
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimitOptions } from './rate-limits'
import { createHandler, createStats, errorReply, type ServerStats } from './handler'
import { State } from './state'
import { renderVsFile, type VectorStoreFileObject } from './vector-store-files'

export type { ServerStats } from './handler'

export interface OpenAIServerOptions {
  /**
   * When set, only this bearer key is accepted; otherwise any non-empty one. No key is always a
   * 401. Azure's routes take it in the `api-key` header.
   */
  apiKey?: string
  /** When set, the only Microsoft Entra ID token Azure's routes accept as a bearer; otherwise any non-empty one. */
  entraToken?: string
  /** The dated api-versions Azure's `/openai/...?api-version=` routes accept (default: those that serve vector stores). */
  azureApiVersions?: readonly string[]
  /** Added to every request, in milliseconds (default 0). */
  latencyMs?: number
  /**
   * How long a vector store file stays `in_progress` before it settles, in milliseconds (default
   * 5): a number, or a range like `{ min: 500, max: 2000, seed: 1 }` for realistic, repeatable times.
   */
  processingMs?: ProcessingTime
  /**
   * Whether an in-progress file or batch read carries `openai-poll-after-ms` (default true). The
   * real API does not always send it; without it the SDK's poll helpers wait 5 s between reads.
   */
  pollHint?: boolean
  /** Interface to listen on (default 127.0.0.1). */
  host?: string
  /** Port to listen on (default 0: a free one). */
  port?: number
  faults?: FaultOptions
  /** On by default with the real limits; `false` turns them off. */
  rateLimits?: false | RateLimitOptions
  /** Length of the embeddings when a request gives no `dimensions` (default: the model's real length, 256 for unknown models). */
  embeddingDimensions?: number
}

export interface OpenAIServer {
  /** Base URL for the SDK, ending in `/v1`. */
  url: string
  /**
   * The same server as an Azure OpenAI resource's endpoint (`http://127.0.0.1:<port>`): the v1
   * API under `/openai/v1/`, the dated one under `/openai/` with `?api-version=`.
   */
  azureEndpoint: string
  port: number
  close(): Promise<void>
  stats: ServerStats
  /** Replaces the fault settings (and restarts the PRNG from their seed). */
  setFaults(faults: FaultOptions | undefined): void
  /** Every File object, oldest first, with its bytes. */
  files(): Array<FileObject & { content: Buffer }>
  /** The files of a vector store as the API would render them now, oldest first. */
  vectorStoreFiles(storeId: string): VectorStoreFileObject[]
}

/** An in-memory, OpenAI-compatible HTTP server on 127.0.0.1 and a free port. */
export async function createOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const state = new State()
  const faults = new FaultInjector(options.faults)
  const stats = createStats()
  const handle = createHandler({
    state,
    faults,
    limits:
      options.rateLimits === false ? undefined : new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits }),
    settings: {
      processingMs: processingClock(options.processingMs),
      pollHint: options.pollHint ?? true,
      embeddingDimensions: options.embeddingDimensions,
    },
    stats,
    apiKey: options.apiKey,
    azure: {
      apiKey: options.apiKey,
      entraToken: options.entraToken,
      apiVersions: options.azureApiVersions ?? AZURE_API_VERSIONS,
    },
    latencyMs: options.latencyMs,
  })

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify(errorReply(error).body))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const { address, port } = server.address() as AddressInfo

  return {
    url: `http://${urlHost(address)}:${port}/v1`,
    azureEndpoint: `http://${urlHost(address)}:${port}`,
    port,
    stats,
    setFaults: next => faults.set(next),
    files: () =>
      [...state.files.values()].sort((a, b) => a.seq - b.seq).map(f => ({ ...f.object, content: f.content })),
    vectorStoreFiles(storeId) {
      const store = state.stores.get(storeId)
      if (!store) return []
      const now = Date.now()
      return [...store.files.values()].sort((a, b) => a.seq - b.seq).map(r => renderVsFile(r, now))
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

/** A wildcard address is not one a client can dial: point it at the loopback instead. */
function urlHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1'
  if (address === '::') return '[::1]'
  return address.includes(':') ? `[${address}]` : address
}
