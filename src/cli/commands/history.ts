import { createVectornator } from '../../core/sync'
import { resolveStateStore } from '../../core/state'
import { UsageError } from '../../lib/errors'
import type { GitBranchStore } from '../../core/state/git-branch'
import { createProgress } from '../progress'
import { jsonResult } from './sync'
import { type CommandModule, type CommonFlags, env, loggerFor, optionsFor, withCommonFlags } from '../shared'

interface HistoryFlags extends CommonFlags {
  limit?: number
}

interface RollbackFlags extends CommonFlags {
  dryRun?: boolean
  allowMassDelete?: boolean
}

async function branchStore(flags: CommonFlags) {
  const vn = createVectornator({ ...(await optionsFor(flags)), logger: loggerFor(flags) })
  const store = await resolveStateStore(vn.options, vn.options.logger)
  if (store.kind !== 'git-branch') {
    await store.close()
    throw new UsageError(`the sync state is kept in ${store.location}, not on a git branch: history and rollback need --metadata git-branch`)
  }
  return { vn, store: store as GitBranchStore }
}

export const historyCommands: CommandModule = (cli, setExit) => {
  withCommonFlags(cli.command('history', 'The syncs recorded on the state branch, newest first'))
    .option('--limit <n>', 'How many (default 20)')
    .action(async (flags: HistoryFlags) => {
      const { store } = await branchStore(flags)
      try {
        const commits = await store.history(flags.limit === undefined ? 20 : Number(flags.limit))
        if (flags.json) process.stdout.write(`${JSON.stringify(commits)}\n`)
        else if (commits.length === 0) process.stdout.write(`no syncs recorded on ${store.location} yet\n`)
        else for (const c of commits) process.stdout.write(`${c.commit.slice(0, 12)}  ${c.date}  ${c.message}\n`)
      }
      finally { await store.close() }
      setExit(0)
    })

  withCommonFlags(cli.command('rollback <target>', 'Return the store to the documents of an earlier sync (a commit of the state branch) or of a git ref'))
    .option('--dry-run', 'Print the plan, change nothing')
    .option('--allow-mass-delete', 'Let the rollback delete more than maxDeletions of the store')
    .action(async (target: string, flags: RollbackFlags) => {
      const logger = loggerFor(flags)
      const { store } = await branchStore(flags)
      let ref = String(target)
      try {
        // A commit of the state branch names a sync: roll back to the source commit it synced.
        const recorded = await store.readAt(ref).catch(() => undefined)
        if (recorded) {
          if (!recorded.sourceCommit)
            throw new UsageError(`sync ${ref} recorded no source commit (it synced an uncommitted work tree or predates source tracking): roll back to a git ref instead`)
          logger.info(`sync ${ref} published source commit ${recorded.sourceCommit.slice(0, 12)}`)
          ref = recorded.sourceCommit
        }
      }
      finally { await store.close() }
      const onProgress = createProgress({ tty: Boolean(process.stderr.isTTY) && !env.CI, quiet: Boolean(flags.quiet || flags.json) })
      const options = await optionsFor(flags, { ref, ...(flags.dryRun ? { dryRun: true } : {}), ...(flags.allowMassDelete ? { allowMassDelete: true } : {}) })
      const vn = createVectornator({ ...options, logger, onProgress })
      if (vn.options.dryRun) {
        const { planMarkdown } = await import('../../core/plan/report')
        const report = await vn.status()
        process.stdout.write(planMarkdown(report))
        return setExit(0)
      }
      const result = await vn.sync()
      if (flags.json) process.stdout.write(`${JSON.stringify(jsonResult(result))}\n`)
      const { summaryLine } = await import('../../core/plan/report')
      logger.info(`rollback to ${target}: ${summaryLine(result)}`)
      setExit(result.failed.length > 0 ? 1 : 0)
    })
}
