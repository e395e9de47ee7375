import type { SyncResult } from '../../types'
import { planLists, summaryLine, type PlanReport } from '../plan/report'
import type { SourceCommit } from '../scan/source'
import type { ExecuteResult } from './execute'

/** What a sync of this plan would report before it runs (the `--json` object of a dry run). */
export function resultFromPlan(report: Pick<PlanReport, 'plan' | 'storeId' | 'skipped'>, dryRun: boolean): SyncResult {
  return { ...planLists(report), dryRun, failed: [], skipped: report.skipped, durationMs: 0 }
}

/** The result of a sync that changed nothing (`unchanged` documents). */
export function nothingDone(
  storeId: string,
  dryRun: boolean,
  unchanged: number,
  skipped: SyncResult['skipped'],
): SyncResult {
  return {
    storeId,
    dryRun,
    added: [],
    updated: [],
    deleted: [],
    renamed: [],
    retagged: [],
    unchanged,
    failed: [],
    skipped,
    durationMs: 0,
  }
}

/** Adds one round's work to the result (a re-planned sync runs more than one). */
export function mergeExecuted(result: SyncResult, executed: ExecuteResult): void {
  const add = (into: string[], from: string[]) => {
    for (const p of from) if (!into.includes(p)) into.push(p)
  }
  add(result.added, executed.added)
  add(result.updated, executed.updated)
  add(result.deleted, executed.deleted)
  add(result.retagged, executed.retagged)
  result.renamed.push(...executed.renamed)
  result.failed.push(...executed.failed)
}

/** The state commit's message: the summary, and the source commit as a trailer for history and rollback. */
export function commitMessage(result: SyncResult, source: SourceCommit | undefined, started: number): string {
  const line = summaryLine({ ...result, durationMs: Date.now() - started })
  if (!source) return line
  return `${line} from ${source.commit.slice(0, 12)}${source.dirty ? ' with uncommitted changes' : ''}\n\nVectornator-Source: ${source.commit}${source.dirty ? ' (with uncommitted changes)' : ''}`
}
