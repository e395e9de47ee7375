import { createVectornator } from '../../core/sync'
import { UsageError } from '../../lib/errors'
import { type CommandModule, type CommonFlags, loggerFor, optionsFor, redact, withCommonFlags } from '../shared'

interface McpFlags extends CommonFlags {
  http?: boolean
  port?: number | string
  host?: string
}

export const DEFAULT_MCP_PORT = 8788

function portOf(flags: McpFlags): number {
  if (flags.port === undefined) return DEFAULT_MCP_PORT
  const port = Number(flags.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a whole number from 0 to 65535 (0: any free port), got ${JSON.stringify(flags.port)}`)
  return port
}

export const mcpCommand: CommandModule = (cli, setExit) => {
  withCommonFlags(cli.command('mcp', 'Serve the synced documents to AI assistants over the Model Context Protocol (stdio, or --http)'))
    .option('--http', 'Serve the Streamable HTTP transport at /mcp instead of stdio')
    .option('--port <n>', `Port for --http (default ${DEFAULT_MCP_PORT}; 0: any free port)`)
    .option('--host <host>', 'Address for --http to listen on (default 127.0.0.1)')
    .action(async (flags: McpFlags) => {
      if (!flags.http && (flags.port !== undefined || flags.host !== undefined))
        throw new UsageError('--port and --host are for --http: add --http, or drop them to serve on stdio')
      const host = flags.host === undefined ? '127.0.0.1' : String(flags.host)
      const port = portOf(flags)
      // stdout carries the protocol on stdio: anything a dependency prints goes to stderr instead.
      console.log = console.error
      console.info = console.error
      console.debug = console.error
      const logger = loggerFor(flags)
      const userOptions = { ...(await optionsFor(flags)), logger }
      // Checked before the SDK loads: bad options fail as fast as for any other command.
      createVectornator(userOptions)
      // The SDK loads only for this command: a sync never pays for it.
      const { serveMcp } = await import('../../mcp')
      await serveMcp(userOptions, { logger, redact, version: '0.1.0', ...(flags.http ? { http: { host, port } } : {}) })
      setExit(0)
    })
}
