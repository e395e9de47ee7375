// The offline OpenAI-compatible server in a process of its own (started by ./server.ts): the
// documents it keeps (hundreds of MB in the large-file runs) and its garbage collections then
// never slow the bench process, nor the answers a measured sync waits for.
import { createOpenAIServer, type OpenAIServerOptions } from '../../src/testing/index'
import { embeddingRoutes } from '../../src/testing/embeddings'

type Message = { id: number; type: 'stats' | 'reset' | 'close' | 'store'; storeId?: string }

// Texts embedded, counted as the server reads each embeddings request: the server's own stats
// count requests only. The route object is the one the server's router holds, so wrapping its
// handler here counts every request without a proxy in front.
let inputs = 0
for (const route of embeddingRoutes) {
  const handle = route.handle
  route.handle = ctx => {
    const json = ctx.json
    ctx.json = async () => {
      const body = await json()
      inputs += Array.isArray(body.input) && typeof body.input[0] !== 'number' ? body.input.length : 1
      return body
    }
    return handle(ctx)
  }
}

const server = await createOpenAIServer(JSON.parse(process.env.VECTORNATOR_BENCH_SERVER ?? '{}') as OpenAIServerOptions)
process.send!({ type: 'ready', url: server.url })
process.on('message', async (message: Message) => {
  if (message.type === 'stats') {
    const { requests, byRoute, rateLimited } = server.stats
    process.send!({ id: message.id, stats: { requests, byRoute: { ...byRoute }, rateLimited, inputs } })
  } else if (message.type === 'store') {
    // The statuses of a store's documents now: whether everything is searchable.
    const statuses: Record<string, number> = {}
    for (const f of server.vectorStoreFiles(message.storeId!)) statuses[f.status] = (statuses[f.status] ?? 0) + 1
    process.send!({ id: message.id, statuses })
  } else if (message.type === 'reset') {
    server.stats.reset()
    inputs = 0
    process.send!({ id: message.id })
  } else if (message.type === 'close') {
    await server.close()
    process.send!({ id: message.id }, () => process.exit(0))
  }
})
