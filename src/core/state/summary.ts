import { createHash } from 'node:crypto'
import type { SyncState } from './types'
import { stripSha256 } from '../../lib/sha256'

/**
 * What a sync needs to know of a stored state to see that it would change nothing, kept beside
 * the stat cache so a no-op sync never reads or parses the state (on 7,425 documents, parsing it
 * is a tenth of the run).
 *
 * It is keyed by the state's content identity (a hash of its text, a git blob id), so it can
 * never go stale: a summary describes the state whose identity it names, whatever happened since.
 */
export interface StateSummary {
  /** Content identity of the state summarised (see StateStore.loadedIdentity). */
  identity: string
  storeId: string
  provider?: string
  fingerprint?: string
  attributes?: string
  /** The state holds a journal to settle: its next sync always runs in full. */
  pending: boolean
  /** `filesDigest` of the state's documents. */
  files: string
  /** How many documents the state names: what the store's own counts are compared with. */
  documents?: number
}

/** One hash of every document's (path, SHA-256), in path order (scans are sorted already). */
export function filesDigest<T>(items: T[], pathOf: (item: T) => string, sha256Of: (item: T) => string): string {
  let sorted = true
  for (let i = 1; i < items.length && sorted; i++) sorted = pathOf(items[i - 1]!) < pathOf(items[i]!)
  const ordered = sorted
    ? items
    : [...items].sort((a, b) => (pathOf(a) < pathOf(b) ? -1 : pathOf(a) > pathOf(b) ? 1 : 0))
  // One string, one update: an update per document costs more than the hashing itself.
  let text = ''
  for (const item of ordered) text += `${pathOf(item)}\0${sha256Of(item)}\n`
  return createHash('sha256').update(text).digest('hex')
}

export function summarize(state: SyncState, identity: string): StateSummary {
  const paths = Object.keys(state.files)
  return {
    identity,
    storeId: state.storeId,
    provider: state.provider,
    fingerprint: state.fingerprint,
    attributes: typeof state.settings?.attributes === 'string' ? state.settings.attributes : undefined,
    pending: Boolean(state.journal?.length),
    files: filesDigest(
      paths,
      path => path,
      path => stripSha256(state.files[path]!.hash),
    ),
    documents: paths.length,
  }
}

/**
 * The summary, when it can prove a sync would change nothing once the documents match it: the
 * state has no journal to settle, is for this store and provider, and was written with these
 * settings.
 */
export function summaryFor(
  summary: StateSummary | undefined,
  expected: { storeId?: string; provider: string; fingerprint: string; attributes: string },
): StateSummary | undefined {
  // A summary written before it recorded the count cannot be checked against the store.
  if (!summary || summary.pending || !summary.storeId || summary.documents === undefined) return undefined
  if (expected.storeId && expected.storeId !== summary.storeId) return undefined
  if (
    summary.provider !== expected.provider ||
    summary.fingerprint !== expected.fingerprint ||
    summary.attributes !== expected.attributes
  )
    return undefined
  return summary
}

/** Checks a summary read back from disk (anything else is no summary). */
export function isStateSummary(value: unknown): value is StateSummary {
  const s = value as StateSummary
  return (
    Boolean(s) &&
    typeof s === 'object' &&
    typeof s.identity === 'string' &&
    typeof s.storeId === 'string' &&
    typeof s.files === 'string' &&
    typeof s.pending === 'boolean'
  )
}
