import OpenAI, { type ClientOptions, toFile } from 'openai'
import { afterEach } from 'vitest'
import { createOpenAIServer, type OpenAIServer, type OpenAIServerOptions } from '../../src/testing'

const running: OpenAIServer[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map(server => server.close()))
})

/** A fresh server (closed after the test) and a real SDK client pointed at it. */
export async function start(options: OpenAIServerOptions = {}, clientOptions: ClientOptions = {}) {
  const server = await createOpenAIServer(options)
  running.push(server)
  const client = new OpenAI({ apiKey: 'test', baseURL: server.url, ...clientOptions })
  return { server, client }
}

export async function upload(
  client: OpenAI,
  filename: string,
  text: string,
  purpose: 'assistants' | 'user_data' = 'assistants',
) {
  return client.files.create({ file: await toFile(Buffer.from(text), filename), purpose })
}

/** Runs `task` over `items`, at most `concurrency` at a time, keeping the order of results. */
export async function mapLimit<T, R>(
  items: T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index]!, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return results
}

/** The raw HTTP exchange, for what the SDK hides (headers, routes it has no method for). */
export async function raw(server: OpenAIServer, path: string, init: RequestInit & { key?: string | null } = {}) {
  const headers = new Headers(init.headers)
  if (init.key !== null) headers.set('authorization', `Bearer ${init.key ?? 'test'}`)
  const response = await fetch(`${server.url}${path}`, { ...init, headers })
  return { status: response.status, headers: response.headers, body: (await response.json()) as any }
}

/** The SDK's error for a request that must fail; anything else (or a success) fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error
    throw error
  }
  throw new Error('expected the request to fail, but it succeeded')
}

/** What a user's error handling reads: the status, the SDK's error class and the envelope's four fields. */
export async function envelope(promise: Promise<unknown>) {
  const error = await rejection(promise)
  return {
    status: error.status,
    name: error.constructor.name,
    type: error.type,
    code: error.code,
    param: error.param,
    message: (error.error as { message?: string } | undefined)?.message,
  }
}
