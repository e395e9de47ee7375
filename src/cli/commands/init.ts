import { type CommandModule, loggerFor } from '../shared'
import { defaultRule, providerNames } from '../providers'

interface InitFlags {
  root?: string
  yes?: boolean
  force?: boolean
  provider?: string
  quiet?: boolean
  debug?: boolean
}

/** One question on the terminal (stderr, so stdout stays free). */
async function ask(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises')
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return await rl.question(question)
  } finally {
    rl.close()
  }
}

/**
 * `vectornator init`: writes vectornator.config, a GitHub workflow and the .gitignore line, and
 * prints the plugin line to add. Asks only what it cannot infer, and only on a terminal without --yes.
 */
export const initCommand: CommandModule = (cli, setExit) => {
  cli
    .command('init', 'Set the project up: config file, GitHub workflow, .gitignore line, and the plugin line to add')
    .option('--root <dir>', 'Project folder (default: current folder)')
    .option('-y, --yes', 'Ask nothing: take the defaults for what cannot be inferred')
    .option(
      '--provider <name>',
      `Where the documents are kept: ${providerNames().join(', ')} (default: asked on a terminal, else ${defaultRule()})`,
    )
    .option('--force', 'Rewrite the config file and the workflow when they exist')
    .option('--quiet', 'Print nothing but errors')
    .option('--debug', 'Print traces')
    .action(async (flags: InitFlags) => {
      const interactive = !flags.yes && Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY)
      // Loaded only for `init`: it brings fast-glob and ignore, which every other command's start-up would pay for.
      const { runInit } = await import('../init/run')
      await runInit({
        root: flags.root === undefined ? process.cwd() : String(flags.root),
        force: Boolean(flags.force),
        logger: loggerFor(flags),
        ask: interactive ? ask : undefined,
        ...(flags.provider === undefined ? {} : { provider: String(flags.provider) }),
      })
      setExit(0)
    })
}
