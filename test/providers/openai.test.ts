import OpenAI from 'openai'
import { createOpenAIProvider } from '../../src/providers/openai'
import { createOpenAIServer } from '../../src/testing'
import { describeProviderConformance } from './conformance'

// The real SDK against the in-memory OpenAI-compatible server, one server per test.
describeProviderConformance('openai (vectornator/testing server)', async () => {
  const server = await createOpenAIServer({ rateLimits: false })
  const client = new OpenAI({ apiKey: 'test', baseURL: server.url, maxRetries: 0 })
  const provider = createOpenAIProvider({ client, pollIntervalMs: 5 })
  return {
    provider,
    teardown: async () => {
      await provider.cleanup()
      await server.close()
    },
  }
})
