/**
 * The model's first download, into the cache folder, with its progress in a few lines. A run
 * that had to try it stays full-text: its fingerprint (worked out before any I/O) said "no
 * embedder", and the next sync, finding the model on disk, embeds every document.
 */
import type { Logger } from '../../lib/logger'
import { errorMessage } from '../../lib/errors'
import type { LocalModel } from './model-files'
import { fetchWithConnectTimeout, loadPipeline, type ProgressEvent } from './runtime'

export interface ModelFetch {
  downloaded: boolean
  /** What was said about it, one line: where the model went, or why search stays full-text. */
  line: string
}

// One attempt per process and model: a watch-mode build must not knock on an unreachable hub at every rebuild.
const attempts = new Map<string, Promise<ModelFetch>>()

/**
 * Downloads the model into its cache folder; never throws: a failure is the line that says so.
 * The line is said to every caller (each sync says why its search is full-text), the hub asked once.
 */
export async function fetchModel(model: LocalModel, logger: Pick<Logger, 'info'>): Promise<ModelFetch> {
  const key = JSON.stringify([model.model, model.cacheDir, model.remoteHost])
  let attempt = attempts.get(key)
  if (!attempt) {
    attempt = download(model, logger)
    attempts.set(key, attempt)
  }
  const result = await attempt
  logger.info(result.line)
  return result
}

async function download(model: LocalModel, logger: Pick<Logger, 'info'>): Promise<ModelFetch> {
  const progress = progressReporter(model, logger)
  const off = (why: string): ModelFetch => ({
    downloaded: false,
    line: `semantic search off: model ${model.model} is not cached and ${why}; full-text search only (set embedder.localModelPath for offline use)`,
  })
  try {
    // Asked before Transformers.js and ONNX Runtime are loaded (seconds), which an offline machine can skip.
    const probe = await fetchWithConnectTimeout(new URL(`${model.model}/resolve/main/config.json`, model.remoteHost), {
      headers: { Range: 'bytes=0-0' },
    })
    await probe.body?.cancel()
    if (probe.status === 404) return off(`the hub has no such model (${new URL(model.remoteHost).host})`)
  } catch (error) {
    return off(hubProblem(model, error))
  }
  try {
    const extractor = await loadPipeline({
      model: model.model,
      remoteHost: model.remoteHost,
      cacheDir: model.cacheDir,
      progress,
    })
    await extractor.dispose()
  } catch (error) {
    return off(hubProblem(model, error))
  }
  return {
    downloaded: true,
    line: `model ${model.model} is in ${model.cacheDir}: the next sync embeds every document for semantic search (this one is full-text only)`,
  }
}

function hubProblem(model: LocalModel, error: unknown): string {
  const host = new URL(model.remoteHost).host
  const cause = (error as { cause?: { code?: string; errors?: { code?: string }[] } })?.cause
  const code = cause?.code ?? cause?.errors?.[0]?.code
  if (code || error instanceof TypeError || (error as Error)?.name === 'AbortError')
    return `the hub is unreachable (${host}${code ? `: ${code}` : ''})`
  return `the download from ${host} failed (${errorMessage(error).split('\n')[0]})`
}

/** Progress in quarters: one line as the download starts, one per 25 %, none per chunk of bytes. */
function progressReporter(model: LocalModel, logger: Pick<Logger, 'info'>) {
  let started = false
  let quarter = 0
  return (event: ProgressEvent) => {
    if (event.status !== 'progress_total' || !event.total) return
    if (!started) {
      started = true
      logger.info(
        `downloading model ${model.model} (${megabytes(event.total)}) from ${new URL(model.remoteHost).host} into ${model.cacheDir}`,
      )
    }
    const reached = Math.min(4, Math.floor(((event.loaded ?? 0) / event.total) * 4))
    if (reached > quarter && reached < 4)
      logger.info(`model download ${reached * 25}% (${megabytes(event.loaded ?? 0)})`)
    quarter = Math.max(quarter, reached)
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`
}
