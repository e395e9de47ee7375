#!/usr/bin/env node
import { cac } from 'cac'
import pc from 'picocolors'
import { errorMessage, VectornatorError } from './core/errors'
import { StateError } from './core/state/types'
import { env, redact, useColor, type CommandModule } from './cli/shared'
import { syncCommands } from './cli/commands/sync'
import { searchCommands } from './cli/commands/search'
import { initCommand } from './cli/commands/init'
import { historyCommands } from './cli/commands/history'
import { verifyCommands } from './cli/commands/verify'
import { pruneCommands } from './cli/commands/prune'

const commands: CommandModule[] = [syncCommands, searchCommands, initCommand, historyCommands, verifyCommands, pruneCommands]

/** Runs the command line; resolves to the exit code (0 synced, 1 a file or the sync failed, 2 bad usage). */
export async function main(argv = process.argv): Promise<number> {
  const cli = cac('vectornator')
  let exit = 0
  for (const register of commands) register(cli, (code) => { exit = code })
  cli.help()
  cli.version('0.1.0')

  try {
    cli.parse(argv, { run: false })
    if (!cli.matchedCommand) {
      if (cli.options.help || cli.options.version) return 0
      const name = cli.args[0]
      process.stderr.write(`[vectornator] ${name ? `unknown command "${name}"` : 'no command given'}: run \`vectornator --help\` for the commands\n`)
      return 2
    }
    await cli.runMatchedCommand()
    return exit
  }
  catch (error) {
    const message = redact(errorMessage(error))
    const usage = error instanceof VectornatorError ? error.exitCode === 2
      : error instanceof StateError || (error as Error)?.name === 'CACError'
    process.stderr.write(`[vectornator] ${useColor() ? pc.red(message) : message}\n`)
    if (env.VECTORNATOR_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${redact(error.stack)}\n`)
    return usage ? 2 : 1
  }
}

main().then((code) => { process.exitCode = code })
