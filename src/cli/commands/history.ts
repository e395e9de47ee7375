import { planMarkdown, summaryLine } from '../../core'
import { createProgress } from '../progress'
import { jsonResult } from './sync'
import {
  type CommandModule,
  type CommonFlags,
  env,
  loggerFor,
  projectFor,
  vectornatorOf,
  withCommonFlags,
} from '../shared'

interface HistoryFlags extends CommonFlags {
  limit?: number
}

interface RollbackFlags extends CommonFlags {
  dryRun?: boolean
  allowMassDelete?: boolean
}

export const historyCommands: CommandModule = (cli, setExit) => {
  withCommonFlags(cli.command('history', 'The syncs recorded on the state branch, newest first'))
    .option('--limit <n>', 'How many (default 20)')
    .action(async (flags: HistoryFlags) => {
      const vn = vectornatorOf(await projectFor(flags, { logger: loggerFor(flags) }))
      const { location, commits } = await vn.history(flags.limit === undefined ? 20 : Number(flags.limit))
      if (flags.json) process.stdout.write(`${JSON.stringify(commits)}\n`)
      else if (commits.length === 0) process.stdout.write(`no syncs recorded on ${location} yet\n`)
      else for (const c of commits) process.stdout.write(`${c.commit.slice(0, 12)}  ${c.date}  ${c.message}\n`)
      setExit(0)
    })

  withCommonFlags(
    cli.command(
      'rollback <target>',
      'Return the store to the documents of an earlier sync (a commit of the state branch) or of a git ref',
    ),
  )
    .option('--dry-run', 'Print the plan, change nothing')
    .option('--allow-mass-delete', 'Let the rollback delete more than maxDeletions of the store')
    .action(async (target: string, flags: RollbackFlags) => {
      const logger = loggerFor(flags)
      const onProgress = createProgress({
        tty: Boolean(process.stderr.isTTY) && !env.CI,
        quiet: Boolean(flags.quiet || flags.json),
      })
      const project = await projectFor(flags, {
        ...(flags.dryRun ? { dryRun: true } : {}),
        ...(flags.allowMassDelete ? { allowMassDelete: true } : {}),
        logger,
        onProgress,
      })
      const { plan, result } = await vectornatorOf(project).rollback(String(target))
      if (plan) {
        process.stdout.write(planMarkdown(plan))
        return setExit(0)
      }
      if (!result) return setExit(0)
      if (flags.json) process.stdout.write(`${JSON.stringify(jsonResult(result))}\n`)
      logger.info(`rollback to ${target}: ${summaryLine(result)}`)
      setExit(result.failed.length > 0 ? 1 : 0)
    })
}
