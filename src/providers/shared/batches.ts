/** Requests within a store's limits (records a request, bytes a request), and writes that leave nothing half done. */
import type { ChunkedDocument } from './chunked'

export interface PackLimits<T> {
  /** Items a group. */
  count?: number
  /** Total weight a group (bytes, records). */
  max?: number
  weight?: (item: T) => number
}

/** Consecutive items in groups within the limits (an item over them alone goes in a group of its own). */
export function packed<T>(items: readonly T[], { count = Infinity, max = Infinity, weight }: PackLimits<T>): T[][] {
  const out: T[][] = []
  let current: T[] = []
  let total = 0
  for (const item of items) {
    const size = weight?.(item) ?? 0
    if (current.length > 0 && (current.length >= count || total + size > max)) {
      out.push(current)
      current = []
      total = 0
    }
    current.push(item)
    total += size
  }
  if (current.length) out.push(current)
  return out
}

/**
 * The most bytes a vector can take in a JSON body: 25 characters a number (a float32 widened to a
 * double, in its shortest form: `-0.0000012345678901234567` at worst; below 1e-6 JavaScript writes
 * an exponent, which is shorter) and its comma, with one to spare. Counted, not serialised:
 * stringifying each point only to weigh it cost a first sync as much as the client's own
 * serialising of the request.
 */
export const vectorJsonBytes = (vector: readonly number[]): number => vector.length * 27

/** Consecutive documents whose records fill about one request of `records` (a larger document goes alone). */
export function documentGroups<T extends { doc: ChunkedDocument }>(pending: readonly T[], records: number): T[][] {
  return packed(pending, { max: records, weight: p => p.doc.chunks.length })
}

/**
 * Sends the batches in order; when one fails, `rollBack` is given those sent (to remove what was
 * written, best effort) and the failure is thrown.
 */
export async function sendAll<B>(
  batches: readonly B[],
  send: (batch: B) => Promise<void>,
  rollBack: (sent: B[]) => Promise<unknown>,
): Promise<void> {
  const sent: B[] = []
  try {
    for (const batch of batches) {
      await send(batch)
      sent.push(batch)
    }
  } catch (error) {
    await rollBack(sent).catch(() => {})
    throw error
  }
}
