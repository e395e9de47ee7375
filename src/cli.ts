#!/usr/bin/env node
import { cac } from 'cac'
import pc from 'picocolors'
import type { SyncResult, VectornatorOptions } from './types'
import { createConsoleLogger } from './core/logger'
import { createVectornator, type PlanReport } from './core/sync'
import { errorMessage, VectornatorError } from './core/errors'
import { StateError } from './core/state/types'
import { summaryLine } from './core/report'
import { createProgress } from './cli/progress'
import { writeGitHubOutputs } from './cli/github'

interface Flags {
  root?: string
  include?: string | string[]
  exclude?: string | string[]
  store?: string
  provider?: string
  metadata?: string
  branch?: string
  push?: boolean
  dryRun?: boolean
  json?: boolean
  concurrency?: number
  baseUrl?: string
  allowMassDelete?: boolean
  debug?: boolean
  quiet?: boolean
}

const env = process.env
const color = !env.NO_COLOR && Boolean(process.stderr.isTTY)

/** Never lets a secret reach the terminal, whatever an error carries. */
function redact(text: string): string {
  const key = env.OPENAI_API_KEY
  let out = key && key.length >= 8 ? text.split(key).join('***') : text
  out = out.replace(/sk-[A-Za-z0-9_-]{12,}/g, 'sk-***')
  return out
}

function toOptions(flags: Flags): VectornatorOptions {
  const options: VectornatorOptions = {}
  if (flags.root !== undefined) options.root = String(flags.root)
  if (flags.include !== undefined) options.include = ([] as string[]).concat(flags.include).map(String)
  if (flags.exclude !== undefined) options.exclude = ([] as string[]).concat(flags.exclude).map(String)
  if (flags.store !== undefined) options.vectorStoreId = String(flags.store)
  if (flags.provider !== undefined) options.provider = String(flags.provider) as VectornatorOptions['provider']
  if (flags.concurrency !== undefined) options.concurrency = Number(flags.concurrency)
  if (flags.baseUrl !== undefined) options.baseUrl = String(flags.baseUrl)
  if (flags.dryRun) options.dryRun = true
  if (flags.allowMassDelete) options.allowMassDelete = true
  if (flags.debug) options.debug = true
  if (flags.metadata !== undefined || flags.branch !== undefined || flags.push === false) {
    options.metadata = {
      ...(flags.metadata !== undefined ? { type: String(flags.metadata) as 'file' | 'git-branch' } : {}),
      ...(flags.branch !== undefined ? { branch: String(flags.branch) } : {}),
      ...(flags.push === false ? { push: false } : {}),
    }
  }
  return options
}

function jsonResult(result: SyncResult) {
  return {
    storeId: result.storeId,
    dryRun: result.dryRun,
    added: result.added,
    updated: result.updated,
    deleted: result.deleted,
    renamed: result.renamed,
    unchanged: result.unchanged,
    failed: result.failed,
    skipped: result.skipped,
    durationMs: result.durationMs,
  }
}

function printPlan(report: PlanReport, write: (line: string) => void): void {
  const { plan } = report
  write(`plan for store ${report.storeId || '(new store)'}: ${plan.add.length} to add, ${plan.update.length} to update, ${plan.delete.length} to delete, ${plan.rename.length} to rename, ${plan.unchanged.length} unchanged`)
  const show = (sign: string, paths: string[]) => {
    for (const p of paths.slice(0, 50)) write(`  ${sign} ${p}`)
    if (paths.length > 50) write(`  ${sign} ... and ${paths.length - 50} more`)
  }
  show('+', plan.add.map(f => f.path))
  show('~', plan.update.map(u => u.file.path))
  show('-', plan.delete.map(d => d.path))
  show('>', plan.rename.map(r => `${r.from} -> ${r.file.path}`))
  for (const reason of plan.reasons) write(`  ${reason}`)
}

async function runSync(flags: Flags, forceDry: boolean): Promise<number> {
  const logger = createConsoleLogger({ debug: flags.debug, silent: flags.quiet })
  const progress = createProgress({ tty: Boolean(process.stderr.isTTY) && !env.CI, color, quiet: Boolean(flags.quiet || flags.json) })
  const options = { ...toOptions(flags), logger, onProgress: progress }
  if (forceDry) options.dryRun = true
  const vn = createVectornator(options)

  if (options.dryRun) {
    const report = await vn.status()
    if (flags.json) {
      const { plan } = report
      process.stdout.write(`${JSON.stringify(jsonResult({
        storeId: report.storeId, dryRun: true,
        added: plan.add.map(f => f.path), updated: plan.update.map(u => u.file.path), deleted: plan.delete.map(d => d.path),
        renamed: plan.rename.map(r => ({ from: r.from, to: r.file.path })), retagged: plan.retag.map(r => r.file.path),
        unchanged: plan.unchanged.length, failed: [], skipped: report.skipped, durationMs: 0,
      }))}\n`)
    }
    else {
      printPlan(report, line => process.stdout.write(`${line}\n`))
    }
    return 0
  }

  const result = await vn.sync()
  writeGitHubOutputs(result)
  if (flags.json) process.stdout.write(`${JSON.stringify(jsonResult(result))}\n`)
  for (const f of result.failed) logger.error(`failed ${f.path}: ${redact(f.error)}`)
  logger.info(summaryLine(result))
  return result.failed.length > 0 ? 1 : 0
}

export async function main(argv = process.argv): Promise<number> {
  const cli = cac('vectornator')
  const withSyncFlags = (command: ReturnType<typeof cli.command>) => command
    .option('--root <dir>', 'Folder the globs and paths are relative to (default: current folder)')
    .option('--include <glob>', 'Documents to sync (repeatable; default: Markdown, MDX and text files)')
    .option('--exclude <glob>', 'Globs to leave out (repeatable)')
    .option('--store <id>', 'Vector store id (env VECTORNATOR_STORE_ID)')
    .option('--provider <name>', 'openai or postgres (default: openai when OPENAI_API_KEY is set, else the embedded store)')
    .option('--metadata <type>', 'Where the sync state lives: git-branch or file')
    .option('--branch <name>', 'Branch holding the state (default vectornator-metadata)')
    .option('--no-push', 'Do not push the state branch')
    .option('--concurrency <n>', 'Parallel requests (default 8)')
    .option('--base-url <url>', 'Site base for the url attribute')
    .option('--allow-mass-delete', 'Let one sync delete more than maxDeletions of the store')
    .option('--json', 'Print one JSON object on stdout')
    .option('--quiet', 'Print nothing but errors')
    .option('--debug', 'Print traces')

  let exit = 0
  withSyncFlags(cli.command('sync', 'Sync the documents to the vector store'))
    .option('--dry-run', 'Print the plan, change nothing')
    .action(async (flags: Flags) => { exit = await runSync(flags, false) })
  withSyncFlags(cli.command('status', 'Print the plan, changing nothing (same as sync --dry-run)'))
    .action(async (flags: Flags) => { exit = await runSync(flags, true) })
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
    process.stderr.write(`[vectornator] ${color ? pc.red(message) : message}\n`)
    if (env.VECTORNATOR_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${redact(error.stack)}\n`)
    return usage ? 2 : 1
  }
}

main().then((code) => { process.exitCode = code })
