import { UsageError } from '../../lib/errors'
import { type CommandModule, type CommonFlags, loggerFor, projectFor, redact, withCommonFlags } from '../shared'

interface McpFlags extends CommonFlags {
  http?: boolean
  port?: number | string
  host?: string
  allowedHost?: string | string[]
  token?: string
  maxSessions?: number | string
  sessionTimeout?: number | string
}

/** A whole number of at least `min` given with `flag`, or undefined when it was not given. */
function wholeNumber(value: unknown, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number of at least ${min}, got ${JSON.stringify(value)}`)
  return n
}

export const DEFAULT_MCP_PORT = 8788

function portOf(flags: McpFlags): number {
  if (flags.port === undefined) return DEFAULT_MCP_PORT
  const port = Number(flags.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(
      `--port must be a whole number from 0 to 65535 (0: any free port), got ${JSON.stringify(flags.port)}`,
    )
  return port
}

export const mcpCommand: CommandModule = (cli, setExit) => {
  withCommonFlags(
    cli.command(
      'mcp',
      'Serve the synced documents to AI assistants over the Model Context Protocol (stdio, or --http)',
    ),
  )
    .option('--http', 'Serve the Streamable HTTP transport at /mcp instead of stdio')
    .option('--port <n>', `Port for --http (default ${DEFAULT_MCP_PORT}; 0: any free port)`)
    .option(
      '--allowed-host <name>',
      "A host name requests to --http may use besides loopback and this machine's own (repeatable)",
    )
    .option('--token <token>', 'Require this bearer token on every --http request (env VECTORNATOR_MCP_TOKEN)')
    .option('--max-sessions <n>', 'Open --http sessions at most; past it new ones get 503 (default 1000)')
    .option('--session-timeout <seconds>', 'Close an --http session unused this long (default 1800)')
    .option('--host <host>', 'Address for --http to listen on (default 127.0.0.1)')
    .action(async (flags: McpFlags) => {
      if (
        !flags.http &&
        [flags.port, flags.host, flags.allowedHost, flags.token, flags.maxSessions, flags.sessionTimeout].some(
          f => f !== undefined,
        )
      )
        throw new UsageError(
          '--port, --host, --allowed-host, --token, --max-sessions and --session-timeout are for --http: add --http, or drop them to serve on stdio',
        )
      const token = flags.token !== undefined ? String(flags.token) : process.env.VECTORNATOR_MCP_TOKEN || undefined
      if (token !== undefined && token.length < 16)
        throw new UsageError('--token must be at least 16 characters: make one with `openssl rand -hex 32`')
      const limits = {
        allowedHosts: flags.allowedHost === undefined ? [] : ([] as unknown[]).concat(flags.allowedHost).map(String),
        token,
        maxSessions: wholeNumber(flags.maxSessions, '--max-sessions', 1),
        idleMs: (s => (s === undefined ? undefined : s * 1000))(
          wholeNumber(flags.sessionTimeout, '--session-timeout', 1),
        ),
      }
      const host = flags.host === undefined ? '127.0.0.1' : String(flags.host)
      const port = portOf(flags)
      // stdout carries the protocol on stdio: anything a dependency prints goes to stderr instead.
      console.log = console.error
      console.info = console.error
      console.debug = console.error
      const logger = loggerFor(flags)
      // Opened (its options checked) before the SDK loads: bad options fail as fast as for any other command.
      const project = await projectFor(flags, { logger })
      // The SDK loads only for this command: a sync never pays for it.
      const { serveMcp } = await import('../../mcp')
      // The token is a secret: never printed, as an API key is not.
      const hide = (text: string) => redact(token ? text.split(token).join('***') : text)
      await serveMcp(project, {
        logger,
        redact: hide,
        version: '0.1.0',
        ...(flags.http ? { http: { host, port, ...limits } } : {}),
      })
      setExit(0)
    })
}
