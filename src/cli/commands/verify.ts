import type { Drift, VerifyResult } from '../../core'
import {
  type CommandModule,
  type CommonFlags,
  loggerFor,
  projectFor,
  redact,
  vectornatorOf,
  withCommonFlags,
} from '../shared'

interface VerifyFlags extends CommonFlags {
  repair?: boolean
}

const LIMIT = 50

function list<T>(items: T[], line: (item: T) => string, write: (line: string) => void): void {
  for (const item of items.slice(0, LIMIT)) write(`  ${line(item)}`)
  if (items.length > LIMIT) write(`  ... and ${items.length - LIMIT} more`)
}

/** The drift of one comparison, one line per finding. */
export function printDrift(d: Drift, write: (line: string) => void): void {
  const foreign = d.foreign ? ` (${d.foreign} not written by vectornator: left alone)` : ''
  write(`store ${d.storeId}: ${d.tracked} documents tracked by the state, ${d.remote} in the store${foreign}`)
  if (d.state === 'missing')
    write('  state     missing: run `vectornator verify --repair` to rebuild it from the store')
  if (d.state === 'corrupt') write(`  state     corrupt${d.stateError ? ` (${d.stateError})` : ''}`)
  if (d.journal) write(`  journal   ${d.journal} operations of an interrupted sync (the next sync completes them)`)
  list(d.missing, m => `missing   ${m.path} (${m.fileId}): tracked by the state, not in the store`, write)
  list(
    d.stale,
    s =>
      `stale     ${s.path} (${s.fileId}): the store says path ${s.remotePath ?? '-'}, sha256 ${s.remoteSha256?.slice(0, 12) ?? '-'}; the state says sha256 ${s.sha256.slice(0, 12)}`,
    write,
  )
  list(d.failed, f => `failed    ${f.path} (${f.fileId}): ${f.status}${f.error ? `: ${f.error}` : ''}`, write)
  list(
    d.untracked,
    u =>
      `untracked ${u.path} (${u.fileId}, ${u.status}): ${u.duplicate ? 'a second copy of a tracked document' : 'not tracked by the state'}`,
    write,
  )
  list(d.orphanFileObjects, o => `orphan    ${o.fileId} (${o.filename}): a File object attached to nothing`, write)
  if (!d.drift) write('no drift: the state and the store agree')
}

function printResult(r: VerifyResult, write: (line: string) => void): void {
  printDrift(r, write)
  if (!r.repaired) {
    if (r.drift) write('run `vectornator verify --repair` to converge them')
    return
  }
  const s = r.repaired
  const done = [
    s.stateRebuilt ? `state rebuilt from the store (${s.adopted.length} documents)` : '',
    s.backup ? `the corrupt state is kept in ${s.backup}` : '',
    s.settled ? `${s.settled} interrupted operations settled` : '',
    !s.stateRebuilt && s.adopted.length ? `${s.adopted.length} documents found in the store now tracked` : '',
    s.forgotten.length ? `${s.forgotten.length} documents forgotten (the next sync uploads them)` : '',
    s.deletedDocuments.length ? `${s.deletedDocuments.length} extra documents deleted` : '',
    s.deletedFileObjects.length ? `${s.deletedFileObjects.length} unattached file objects deleted` : '',
  ].filter(Boolean)
  write(`repaired: ${done.length ? done.join('; ') : 'nothing to do'}`)
  if (r.after?.drift) {
    write('still drifting after the repair:')
    printDrift(r.after, write)
  } else if (s.forgotten.length) write('run `vectornator sync` to upload what the store lacked')
}

/**
 * `vectornator verify [--repair]`: exit 0 when the state and the store agree (after the repair,
 * with --repair), 1 when they drift, 2 on bad usage (no store to compare with, ...).
 */
export const verifyCommands: CommandModule = (cli, setExit) => {
  withCommonFlags(cli.command('verify', 'Compare the sync state with the remote store; --repair converges them'))
    .option('--repair', 'Converge state and store; rebuild a missing or corrupt state from the store')
    .action(async (flags: VerifyFlags) => {
      const logger = loggerFor(flags)
      const result = await vectornatorOf(await projectFor(flags, { logger })).verify({
        repair: Boolean(flags.repair),
      })
      const drift = result.after ? result.after.drift : result.drift
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`)
      else printResult(result, line => process.stdout.write(`${redact(line)}\n`))
      setExit(drift ? 1 : 0)
    })
}
