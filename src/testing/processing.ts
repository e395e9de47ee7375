import { mulberry32 } from './faults'

/**
 * How long an attached file stays `in_progress`: a fixed number of milliseconds, or a range the
 * durations are drawn from. The real service takes from under a second to many seconds per
 * file; a range makes a client meet files that finish out of order, and the seed makes a run
 * repeatable (the same seed and order of attachments give the same durations).
 */
export type ProcessingTime = number | { min: number; max: number; seed?: number }

/** Milliseconds per attached file, in attachment order. */
export function processingClock(option: ProcessingTime | undefined): () => number {
  if (option === undefined) return () => 5
  if (typeof option === 'number') {
    if (!Number.isFinite(option) || option < 0)
      throw new TypeError(`processingMs must be a number of milliseconds >= 0, got ${option}`)
    return () => option
  }
  const { min, max, seed = 0 } = option
  if (!Number.isFinite(min) || !Number.isFinite(max) || min < 0 || min > max) {
    throw new TypeError(
      `processingMs must be a range { min, max } with 0 <= min <= max, got ${JSON.stringify({ min, max })}`,
    )
  }
  const random = mulberry32(seed)
  return () => Math.round(min + random() * (max - min))
}
