/**
 * Transformers.js, loaded on first use, and its settings. Those are one global object (`env`)
 * read while a model loads, so loads run one at a time, each with its own settings in place.
 */
import { UsageError } from '../../lib/errors'

type Transformers = typeof import('@huggingface/transformers')
export type FeatureExtractor = import('@huggingface/transformers').FeatureExtractionPipeline

/** How the hub is reached: a response's headers must come within this time (the download itself may take longer). */
const HUB_CONNECT_TIMEOUT_MS = 15_000

let runtime: Promise<Transformers> | undefined

function loadTransformers(): Promise<Transformers> {
  runtime ??= import('@huggingface/transformers').catch(error => {
    runtime = undefined
    if ((error as NodeJS.ErrnoException)?.code !== 'ERR_MODULE_NOT_FOUND') throw error
    throw new UsageError(
      'postgres: the local embedder needs @huggingface/transformers: run `npm install @huggingface/transformers`, or set VECTORNATOR_EMBEDDER=none',
    )
  })
  return runtime
}

export interface LoadSettings {
  model: string
  /** Where the files are read from without the network (`<root>/<model id>/...`), or undefined to download. */
  localRoot?: string
  /** Download settings: the hub and the cache folder written to. */
  remoteHost?: string
  cacheDir?: string
  progress?: (event: ProgressEvent) => void
}

export interface ProgressEvent {
  status: string
  file?: string
  loaded?: number
  total?: number
  progress?: number
}

let queue: Promise<unknown> = Promise.resolve()

/** Loads a feature-extraction pipeline, from `localRoot` alone when given, else through the hub into `cacheDir`. */
export function loadPipeline(settings: LoadSettings): Promise<FeatureExtractor> {
  const load = queue.then(async () => {
    const { pipeline, env, LogLevel } = await loadTransformers()
    // Its own warnings (a missing optional file, a local path tried first) would reach the
    // console around ours; real failures still throw.
    env.logLevel = LogLevel.ERROR
    if (settings.localRoot) {
      env.allowLocalModels = true
      env.localModelPath = settings.localRoot
      env.allowRemoteModels = false
      env.useFSCache = false
    } else {
      env.allowLocalModels = false
      env.allowRemoteModels = true
      env.remoteHost = settings.remoteHost!
      env.useFSCache = true
      env.cacheDir = settings.cacheDir!
      env.fetch = fetchWithConnectTimeout
    }
    return (await pipeline('feature-extraction', settings.model, {
      progress_callback: settings.progress as never,
      // Only errors from ONNX Runtime: its notes on graph optimisation are not for our users.
      session_options: { logSeverityLevel: 3 },
    })) as FeatureExtractor
  })
  queue = load.catch(() => {})
  return load
}

/** fetch, given up when no response starts within the timeout (a hub behind a dead proxy would hang). */
export async function fetchWithConnectTimeout(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const controller = new AbortController()
  const timer = setTimeout(
    () => controller.abort(new Error(`no answer within ${HUB_CONNECT_TIMEOUT_MS / 1000} s`)),
    HUB_CONNECT_TIMEOUT_MS,
  )
  try {
    return await fetch(input, { ...init, signal: controller.signal })
  } finally {
    clearTimeout(timer)
  }
}
