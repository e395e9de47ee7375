import { format } from 'node:util'

const write =
  (level: string) =>
  (message: string, ...rest: unknown[]) => {
    process.stderr.write(`[openai] ${level}: ${format(message, ...rest)}\n`)
  }

/**
 * The SDK's own log (its level from OPENAI_LOG, as the SDK reads it) on stderr. Its default,
 * `console`, writes debug and info lines to stdout, which carries only a command's JSON or an MCP
 * server's protocol.
 */
export const sdkLogger = { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') }
