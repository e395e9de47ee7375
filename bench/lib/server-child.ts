// The offline OpenAI-compatible server in a process of its own (started by ./server.ts): the
// documents it keeps (hundreds of MB in the large-file runs) and its garbage collections then
// never slow the bench process, nor the answers a measured sync waits for.
import { createOpenAIServer, type OpenAIServerOptions } from '../../src/testing/index'

type Message = { id: number; type: 'stats' | 'reset' | 'close' | 'store'; storeId?: string }

const server = await createOpenAIServer(JSON.parse(process.env.VECTORNATOR_BENCH_SERVER ?? '{}') as OpenAIServerOptions)
process.send!({ type: 'ready', url: server.url })
process.on('message', async (message: Message) => {
  if (message.type === 'stats') {
    const { requests, byRoute, rateLimited } = server.stats
    process.send!({ id: message.id, stats: { requests, byRoute: { ...byRoute }, rateLimited } })
  } else if (message.type === 'store') {
    // The statuses of a store's documents now: whether everything is searchable.
    const statuses: Record<string, number> = {}
    for (const f of server.vectorStoreFiles(message.storeId!)) statuses[f.status] = (statuses[f.status] ?? 0) + 1
    process.send!({ id: message.id, statuses })
  } else if (message.type === 'reset') {
    server.stats.reset()
    process.send!({ id: message.id })
  } else if (message.type === 'close') {
    await server.close()
    process.send!({ id: message.id }, () => process.exit(0))
  }
})
