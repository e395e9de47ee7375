// The offline Qdrant or Pinecone server of `vectornator/testing` in a process of its own (started
// by ./store-server.ts), like the stores they stand in for: what they keep (7,000 vectors of 1,536
// numbers) and their JSON work are not the measured sync's; the bench asks over IPC how many
// requests they answered and which documents a store holds.
import { createPineconeServer, createQdrantServer } from '../../src/testing/index'

type Message = { id: number; type: 'stats' | 'reset' | 'close'; store?: string }

const kind = process.env.VECTORNATOR_BENCH_STORE as 'qdrant' | 'pinecone'
const apiKey = 'bench-store-key'
const PINECONE_INDEX = 'bench'

const server =
  kind === 'qdrant'
    ? await createQdrantServer({ apiKey })
    : await createPineconeServer({
        apiKey,
        indexes: [{ name: PINECONE_INDEX, dimension: Number(process.env.VECTORNATOR_BENCH_DIMENSION) }],
      })

const byRoute = (): Record<string, number> => ({ ...('stats' in server ? server.stats.byRoute : server.requests) })

/** Distinct document paths and records in a store (a collection, or a namespace of the index). */
function contents(store: string): { paths: string[]; records: number } {
  const paths = new Set<string>()
  let records = 0
  if ('collections' in server) {
    if (!server.collections().includes(store)) return { paths: [], records: 0 }
    for (const point of server.points(store)) {
      records++
      // Ours keep the path in `attributes`; LangChain's QdrantVectorStore its metadata (`source`).
      const path =
        (point.payload.attributes as Record<string, unknown> | undefined)?.path ??
        (point.payload.metadata as Record<string, unknown> | undefined)?.source
      if (typeof path === 'string') paths.add(path)
    }
  } else {
    for (const record of server.records(PINECONE_INDEX, store)) {
      records++
      // Ours keep the path under `path`; LangChain's PineconeStore its metadata's `source`.
      const path = record.metadata?.path ?? record.metadata?.source
      if (typeof path === 'string') paths.add(path)
    }
  }
  return { paths: [...paths], records }
}

process.send!({ type: 'ready', url: server.url, apiKey, index: PINECONE_INDEX })
process.on('message', async (message: Message) => {
  if (message.type === 'stats') {
    const routes = byRoute()
    const requests = Object.values(routes).reduce((a, b) => a + b, 0)
    process.send!({ id: message.id, requests, byRoute: routes, ...(message.store ? contents(message.store) : {}) })
  } else if (message.type === 'reset') {
    if ('stats' in server) {
      server.stats.requests = 0
      for (const key of Object.keys(server.stats.byRoute)) delete server.stats.byRoute[key]
    } else for (const key of Object.keys(server.requests)) delete server.requests[key]
    process.send!({ id: message.id })
  } else if (message.type === 'close') {
    await server.close()
    process.send!({ id: message.id }, () => process.exit(0))
  }
})
