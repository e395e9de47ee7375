#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8'
import { cac } from 'cac'
import pc from 'picocolors'
import { errorMessage, VectornatorError } from './lib/errors'
import { StateError } from './core'
import { env, redact, useColor, type CommandModule } from './cli/shared'
import { syncCommands } from './cli/commands/sync'

/**
 * The other commands by name, loaded only when one of them (or the help) is asked for: a sync,
 * which runs on every build, neither compiles nor registers them.
 */
const otherCommands: Record<string, () => Promise<CommandModule>> = {
  search: () => import('./cli/commands/search').then(m => m.searchCommands),
  check: () => import('./cli/commands/search').then(m => m.searchCommands),
  init: () => import('./cli/commands/init').then(m => m.initCommand),
  history: () => import('./cli/commands/history').then(m => m.historyCommands),
  rollback: () => import('./cli/commands/history').then(m => m.historyCommands),
  verify: () => import('./cli/commands/verify').then(m => m.verifyCommands),
  prune: () => import('./cli/commands/prune').then(m => m.pruneCommands),
  'serve-openai': () => import('./cli/commands/serve-openai').then(m => m.serveOpenAICommand),
  'llms-txt': () => import('./cli/commands/llms-txt').then(m => m.llmsTxtCommand),
  mcp: () => import('./cli/commands/mcp').then(m => m.mcpCommand),
}

async function commandsFor(name: string | undefined): Promise<CommandModule[]> {
  if (name === 'sync' || name === 'status') return [syncCommands]
  const load = name === undefined ? undefined : otherCommands[name]
  if (load) return [await load()]
  // Help, a version, an unknown or no command: every command, so all are listed.
  return [syncCommands, ...new Set(await Promise.all(Object.values(otherCommands).map(l => l())))]
}

/** Commands that serve until stopped: their WebAssembly keeps V8's optimised code. */
const SERVERS = new Set(['mcp', 'serve-openai'])

/** Runs the command line; resolves to the exit code (0 synced, 1 a file or the sync failed, 2 bad usage). */
export async function main(argv = process.argv): Promise<number> {
  const cli = cac('vectornator')
  let exit = 0
  const name = argv.slice(2).find(a => !a.startsWith('-'))
  // fetch parses HTTP with WebAssembly (undici's llhttp), as PGlite runs PostgreSQL.
  // V8 recompiles hot WebAssembly with its optimising compiler on a background thread, and Node
  // waits for those compiles before a process may exit: about 150 ms on every command that sent
  // one request, and more than the whole work on an embedded sync of 2,000 pages (20 s against
  // 12 s here). A command that ends with its work keeps the baseline compiler's code.
  if (!SERVERS.has(name ?? '')) setFlagsFromString('--liftoff-only')
  // After a full collection V8 lets the heap grow to several times what survived it while a
  // program allocates fast, and a sync does: every request makes garbage (fetch's streams and
  // headers). At 100,000 documents the heap grew to a multiple of the state and scan it held.
  // Growth of 30% keeps this process near what it holds (see the README's Performance). A library
  // caller's process (a bundler running the plugin) is left to its own settings.
  setFlagsFromString('--heap-growing-percent=30')
  // Ctrl+C: said, and the shell's code for it. A sync's journal and checkpoints let the next run
  // complete what this one started (README "How a killed sync is completed").
  if (!SERVERS.has(name ?? '')) {
    process.once('SIGINT', () => {
      process.stderr.write(
        `[vectornator] interrupted: ${name === 'sync' || name === 'rollback' ? 'the sync stopped where it was; the next `vectornator sync` completes it' : 'stopped'}\n`,
      )
      process.exit(130)
    })
  }
  const asksHelp = argv.includes('--help') || argv.includes('-h')
  for (const register of await commandsFor(asksHelp ? undefined : name))
    register(cli, code => {
      exit = code
    })
  cli.help()
  // `search --version 2.x` filters by version: there the flag is the command's own.
  if (name !== 'search' && name !== 'check') cli.version('0.1.0')

  try {
    cli.parse(argv, { run: false })
    if (!cli.matchedCommand) {
      if (cli.options.help || cli.options.version) return 0
      const name = cli.args[0]
      process.stderr.write(
        `[vectornator] ${name ? `unknown command "${name}"` : 'no command given'}: run \`vectornator --help\` for the commands\n`,
      )
      return 2
    }
    await cli.runMatchedCommand()
    return exit
  } catch (error) {
    const message = redact(errorMessage(error))
    const usage =
      error instanceof VectornatorError
        ? error.exitCode === 2
        : error instanceof StateError || (error as Error)?.name === 'CACError'
    process.stderr.write(`[vectornator] ${useColor() ? pc.red(message) : message}\n`)
    if (env.VECTORNATOR_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${redact(error.stack)}\n`)
    // With --json, stdout is JSON whatever happened: a failure is an object a script can read.
    if (argv.includes('--json'))
      process.stdout.write(`${JSON.stringify({ error: { message, exitCode: usage ? 2 : 1 } })}\n`)
    return usage ? 2 : 1
  }
}

main().then(code => {
  process.exitCode = code
})
