import type { OpenAIServer } from '../../src/testing'

/** The store's own counts: the one request a sync that changes nothing makes. */
export const STORE_CHECK = 'GET /vector_stores/{vector_store_id}'

/** Counts the requests the server answers from now on, by route. */
export function countRequests(server: OpenAIServer): () => Record<string, number> {
  const before = { ...server.stats.byRoute }
  return () => {
    const sent: Record<string, number> = {}
    for (const [route, n] of Object.entries(server.stats.byRoute)) {
      const d = n - (before[route] ?? 0)
      if (d > 0) sent[route] = d
    }
    return sent
  }
}
