import type { ProgressEvent, SyncResult } from '../../types'
import { identityLine, type PlanReport, planLines, planMarkdown, resultFromPlan, summaryLine } from '../../core'
import { createProgress } from '../progress'
import { appendFileSync } from 'node:fs'
import type { Logger } from '../../lib/logger'
import { pullRequestTarget, upsertPlanComment, writeGitHubOutputs } from '../github'
import {
  type CommandModule,
  type CommonFlags,
  env,
  loggerFor,
  projectFor,
  redact,
  vectornatorOf,
  withCommonFlags,
} from '../shared'

interface SyncFlags extends CommonFlags {
  dryRun?: boolean
  allowMassDelete?: boolean
  newStore?: boolean
  allowOlder?: boolean
  verify?: boolean
  checks?: string | boolean
  format?: string
  comment?: boolean
}

/** The `--json` object of the CLI contract. */
export function jsonResult(result: SyncResult) {
  const {
    storeId,
    dryRun,
    added,
    updated,
    deleted,
    renamed,
    retagged,
    unchanged,
    failed,
    skipped,
    durationMs,
    checks,
    race,
    repaired,
    retries,
  } = result
  return {
    storeId,
    dryRun,
    added,
    updated,
    deleted,
    renamed,
    retagged,
    unchanged,
    failed,
    skipped,
    durationMs,
    ...(checks ? { checks } : {}),
    ...(race ? { race } : {}),
    ...(repaired?.length ? { repaired } : {}),
    ...(retries ? { retries } : {}),
  }
}

function printPlan(report: PlanReport, write: (line: string) => void): void {
  for (const line of planLines(resultFromPlan(report, true))) write(line)
  for (const reason of report.plan.reasons) write(`  ${reason}`)
}

/** On a pull request: the plan as a comment (one, updated in place) and in the step summary. */
async function commentPlan(report: PlanReport, logger: Logger): Promise<void> {
  const body = planMarkdown(report)
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, body)
  const target = pullRequestTarget()
  if (!target) {
    logger.info(
      'not a pull request run (no GITHUB_EVENT_PATH pull request, GITHUB_REPOSITORY or GITHUB_TOKEN): the plan is not commented',
    )
    return
  }
  const how = await upsertPlanComment(body, target)
  logger.info(`plan comment ${how} on pull request #${target.number}`)
}

async function run(flags: SyncFlags, dryRun: boolean): Promise<number> {
  const logger = loggerFor(flags)
  const progress = createProgress({
    tty: Boolean(process.stderr.isTTY) && !env.CI,
    quiet: Boolean(flags.quiet || flags.json),
  })
  // The plan in one line, once the store is open and the first document goes (a bad store id
  // or a missing key stays a one-line error); then the progress; then the summary.
  let planLine: string | undefined
  const onProgress = (event: ProgressEvent) => {
    if (event.type === 'plan' && !dryRun) {
      const parts = [`${event.add} to add`, `${event.update} to update`, `${event.delete} to delete`]
      if (event.rename) parts.push(`${event.rename} to rename`)
      if (event.retag) parts.push(`${event.retag} to re-tag`)
      planLine = `plan: ${parts.join(', ')}, ${event.unchanged} unchanged`
    }
    if ((event.type === 'file' || event.type === 'done') && planLine) {
      logger.info(planLine)
      planLine = undefined
    }
    progress(event)
  }
  const checks =
    flags.checks === undefined
      ? {}
      : { checks: flags.checks === true || flags.checks === '' ? true : String(flags.checks) }
  const switches = {
    ...(dryRun ? { dryRun } : {}),
    ...(flags.allowMassDelete ? { allowMassDelete: true } : {}),
    ...(flags.newStore ? { newStore: true } : {}),
    ...(flags.allowOlder ? { allowOlder: true } : {}),
    ...(flags.verify ? { verify: true } : {}),
  }
  const project = await projectFor(flags, { ...checks, ...switches, logger, onProgress })
  const vn = vectornatorOf(project)
  if (flags.debug)
    await project.identity().then(
      identity => logger.debug(identityLine(identity)),
      () => {},
    )

  if (vn.options.dryRun) {
    const report = await vn.status()
    // The plan, and the project it is for: the root, config file and state a build there uses too.
    if (flags.json)
      process.stdout.write(
        `${JSON.stringify({ ...jsonResult(resultFromPlan(report, true)), project: await project.identity() })}\n`,
      )
    else if (flags.format === 'markdown') process.stdout.write(planMarkdown(report))
    else printPlan(report, line => process.stdout.write(`${line}\n`))
    if (flags.comment) await commentPlan(report, logger)
    return 0
  }

  const result = await vn.sync()
  writeGitHubOutputs(result)
  if (flags.json) process.stdout.write(`${JSON.stringify(jsonResult(result))}\n`)
  for (const f of result.failed) logger.error(`failed ${f.path}: ${redact(f.error)}`)
  logger.info(summaryLine(result))
  return result.failed.length > 0 || (result.checks?.failed ?? 0) > 0 ? 1 : 0
}

export const syncCommands: CommandModule = (cli, setExit) => {
  withCommonFlags(cli.command('sync', 'Sync the documents to the vector store'))
    .option('--dry-run', 'Print the plan, change nothing')
    .option('--allow-mass-delete', 'Let one sync delete more than maxDeletions of the store')
    .option('--new-store', "Create a new store and upload every document (when the state's store was deleted)")
    .option('--allow-older', "Publish this tree even when the store holds a newer commit's documents")
    .option('--verify', 'Compare every document with the store first, repairing what drifted')
    .option('--checks [file]', 'Run the retrieval checks after the sync')
    .action(async (flags: SyncFlags) => setExit(await run(flags, Boolean(flags.dryRun))))
  withCommonFlags(cli.command('status', 'Print the plan, changing nothing (same as sync --dry-run)'))
    .option('--format <format>', 'text (default) or markdown (a table for pull request comments)')
    .option('--comment', 'In GitHub Actions on a pull request: post the plan as a comment, updated in place')
    .action(async (flags: SyncFlags) => setExit(await run(flags, true)))
}
