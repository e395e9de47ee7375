import type { PruneResult } from '../../core'
import {
  type CommandModule,
  type CommonFlags,
  loggerFor,
  projectFor,
  redact,
  vectornatorOf,
  withCommonFlags,
} from '../shared'

interface PruneFlags extends CommonFlags {
  dryRun?: boolean
}

const LIMIT = 50

function printResult(r: PruneResult, write: (line: string) => void): void {
  const verb = r.dryRun ? 'would delete' : 'deleted'
  const total = r.documents.length + r.fileObjects.length
  if (r.settled) write(`completed an interrupted sync first (${r.settled} operations)`)
  for (const d of r.documents.slice(0, LIMIT)) write(`  - ${d.path} (${d.fileId}, ${d.status})`)
  if (r.documents.length > LIMIT) write(`  ... and ${r.documents.length - LIMIT} more documents`)
  for (const o of r.fileObjects.slice(0, LIMIT)) write(`  - file object ${o.fileId} (${o.filename})`)
  if (r.fileObjects.length > LIMIT) write(`  ... and ${r.fileObjects.length - LIMIT} more file objects`)
  if (total === 0) write(`store ${r.storeId}: nothing to prune`)
  else
    write(
      `store ${r.storeId}: ${verb} ${r.dryRun ? total : r.deleted} (${r.documents.length} untracked documents, ${r.fileObjects.length} unattached file objects)`,
    )
  for (const f of r.failed) write(`  could not delete ${f.fileId}: ${f.error} (run prune again)`)
}

/** `vectornator prune [--dry-run]`: exit 0 when done (or nothing to do), 1 when a deletion failed, 2 on bad usage. */
export const pruneCommands: CommandModule = (cli, setExit) => {
  withCommonFlags(cli.command('prune', 'Delete remote files this tool created that nothing tracks'))
    .option('--dry-run', 'List what would be deleted, delete nothing')
    .action(async (flags: PruneFlags) => {
      const logger = loggerFor(flags)
      const result = await vectornatorOf(await projectFor(flags, { logger })).prune({
        dryRun: Boolean(flags.dryRun),
      })
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`)
      else printResult(result, line => process.stdout.write(`${redact(line)}\n`))
      setExit(result.failed.length > 0 ? 1 : 0)
    })
}
