import { UsageError } from '../../lib/errors'
import type { CommandModule } from '../shared'
import type { OpenAIServerOptions } from '../../testing/server'

interface ServeFlags {
  port?: string | number
  host?: string
  apiKey?: string
  pollHint?: boolean
  processingMs?: string | number
  seed?: string | number
  latencyMs?: string | number
  rateLimits?: boolean
}

function wholeNumber(flag: string, value: string | number | undefined, max: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (String(value).trim() === '' || !Number.isInteger(n) || n < 0 || n > max)
    throw new UsageError(`--${flag} must be a whole number from 0 to ${max}, got ${JSON.stringify(String(value))}`)
  return n
}

/** `--processing-ms 300` (every file) or `--processing-ms 500-2000` (a seeded draw per file). */
function processingTime(
  value: string | number | undefined,
  seed: number | undefined,
): OpenAIServerOptions['processingMs'] {
  if (value === undefined) return undefined
  const match = /^(\d+)(?:-(\d+))?$/.exec(String(value).trim())
  const [min, max] = match ? [Number(match[1]), Number(match[2] ?? match[1])] : [Number.NaN, Number.NaN]
  if (!match || min > max)
    throw new UsageError(
      `--processing-ms must be milliseconds (300) or a range low-high (500-2000), got ${JSON.stringify(String(value))}`,
    )
  return min === max ? min : { min, max, seed: seed ?? 0 }
}

export function serveOptions(flags: ServeFlags): OpenAIServerOptions {
  const seed = wholeNumber('seed', flags.seed, 2 ** 32 - 1)
  return {
    host: flags.host === undefined ? '127.0.0.1' : String(flags.host),
    port: wholeNumber('port', flags.port ?? 8787, 65_535),
    ...(flags.apiKey === undefined ? {} : { apiKey: String(flags.apiKey) }),
    pollHint: flags.pollHint !== false,
    processingMs: processingTime(flags.processingMs, seed),
    latencyMs: wholeNumber('latency-ms', flags.latencyMs, 600_000),
    ...(flags.rateLimits === false ? { rateLimits: false as const } : {}),
  }
}

/**
 * `vectornator serve-openai`: the offline OpenAI-compatible server of `vectornator/testing` as a
 * process, for pipelines in other languages or runtimes. Runs until SIGINT or SIGTERM, then exits 0.
 */
export const serveOpenAICommand: CommandModule = (cli, setExit) => {
  cli
    .command('serve-openai', 'Run the offline OpenAI-compatible test server (Files, Vector Stores, Search, Embeddings)')
    .option('--port <n>', 'Port to listen on, 0 for any free one (default 8787)')
    .option('--host <host>', 'Interface to listen on (default 127.0.0.1)')
    .option('--api-key <key>', 'Accept only this bearer key (default: any non-empty key)')
    .option(
      '--no-poll-hint',
      'Send no openai-poll-after-ms header: the SDK then polls every 5 s, as it may against the real API',
    )
    .option(
      '--processing-ms <ms>',
      'How long each attached file stays in_progress: 300, or a range like 500-2000 (default 5)',
    )
    .option('--seed <n>', 'Seed for the processing times drawn from a range (default 0)')
    .option('--latency-ms <ms>', 'Added to every request (default 0)')
    .option('--no-rate-limits', 'Turn off the real rate limits (on by default)')
    .action(async (flags: ServeFlags) => {
      const options = serveOptions(flags)
      const { createOpenAIServer } = await import('../../testing/server')
      const server = await createOpenAIServer(options).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE')
          throw new UsageError(`port ${options.port} is in use: pick another with --port (0 for any free one)`)
        throw error
      })
      const key = options.apiKey ?? 'test'
      process.stdout.write(`[vectornator] OpenAI-compatible test server listening on ${server.url}\n`)
      process.stdout.write(`Point the openai SDK or vectornator at it:\n`)
      process.stdout.write(`OPENAI_BASE_URL=${server.url} OPENAI_API_KEY=${key}\n`)
      process.stdout.write(`Stop it with Ctrl+C.\n`)
      const signal = await new Promise<NodeJS.Signals>(resolve => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      await server.close()
      process.stderr.write(`[vectornator] test server stopped (${signal})\n`)
      setExit(0)
    })
}
