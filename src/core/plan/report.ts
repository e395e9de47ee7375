import type { SyncResult } from '../../types'
import type { LocalFile, SkippedFile } from '../scan/scan'
import type { SyncState } from '../state/types'
import type { Plan } from './plan'
import { checksMarkdown } from '../run/retrieval'
import { plural } from '../../lib/plural'

/** A plan with what a user reviews before it runs. */
export interface PlanReport {
  plan: Plan<LocalFile>
  state: SyncState
  /** Documents skipped by the scanner, with why. */
  skipped: SkippedFile[]
  /** Bytes the sync would upload. */
  uploadBytes: number
  /** Documents in the store once the plan has run. */
  storeFilesAfter: number
  storeId: string
}

/** One line: what a sync did. Also the commit message of its state. */
export function summaryLine(result: SyncResult): string {
  const parts = [`${result.added.length} added`, `${result.updated.length} updated`, `${result.deleted.length} deleted`]
  if (result.renamed.length) parts.push(`${result.renamed.length} renamed`)
  if (result.retagged.length) parts.push(`${result.retagged.length} retagged`)
  parts.push(`${result.unchanged} unchanged`, `${result.failed.length} failed`)
  const head = result.dryRun ? 'plan' : 'sync'
  const race = result.race ? `; ${raceNote(result.race)}` : ''
  return `${head}: ${parts.join(', ')}${result.storeId ? ` (store ${result.storeId})` : ''} in ${(result.durationMs / 1000).toFixed(1)}s${race}`
}

/** What racing syncs did, in words. */
export function raceNote(race: NonNullable<SyncResult['race']>): string {
  if (race.outcome === 'kept-newer') return `left as it is: ${race.reason} (pass --allow-older to publish this tree)`
  if (race.outcome === 'yielded') return `yielded to another sync: ${race.reason}`
  return `another sync published first; planned again against it and published this tree: ${race.reason}`
}

/** A Markdown table of a result, for GitHub step summaries and pull request comments. */
export function markdownSummary(result: SyncResult, title = 'Vectornator'): string {
  const rows = [
    ['Added', result.added.length],
    ['Updated', result.updated.length],
    ['Deleted', result.deleted.length],
    ['Renamed', result.renamed.length],
    ['Retagged', result.retagged.length],
    ['Unchanged', result.unchanged],
    ['Failed', result.failed.length],
  ] as const
  const lines = [
    `### ${title}${result.dryRun ? ' (plan)' : ''}`,
    '',
    `Store \`${result.storeId || '(new)'}\` · ${(result.durationMs / 1000).toFixed(1)}s`,
    '',
    '| | Documents |',
    '| --- | ---: |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
  ]
  if (result.failed.length) {
    lines.push('', '| Failed | Reason |', '| --- | --- |')
    for (const f of result.failed) lines.push(`| \`${f.path}\` | ${f.error.replace(/\|/g, '\\|')} |`)
  }
  if (result.checks) lines.push('', checksMarkdown(result.checks).trimEnd())
  return `${lines.join('\n')}\n`
}

/** How many paths of each kind a plan lists (text, Markdown, the plugin's log) before "… and N more". */
export const PLAN_LIST_LIMIT = 100

export type PlanLists = Pick<
  SyncResult,
  'storeId' | 'added' | 'updated' | 'deleted' | 'renamed' | 'retagged' | 'unchanged'
>

/** Each kind of change with its paths, in the order every rendering lists them. */
function changes(plan: PlanLists): { name: string; verb: string; sign: string; paths: string[] }[] {
  return [
    { name: 'Add', verb: 'to add', sign: '+', paths: plan.added },
    { name: 'Update', verb: 'to update', sign: '~', paths: plan.updated },
    { name: 'Delete', verb: 'to delete', sign: '-', paths: plan.deleted },
    { name: 'Rename', verb: 'to rename', sign: '>', paths: plan.renamed.map(r => `${r.from} -> ${r.to}`) },
    { name: 'Re-tag', verb: 'to re-tag', sign: '#', paths: plan.retagged },
  ]
}

/** At most `limit` entries, then one saying how many more. */
function listed(paths: string[], limit: number, line: (p: string) => string, more: (n: number) => string): string[] {
  const out = paths.slice(0, limit).map(line)
  if (paths.length > limit) out.push(more(paths.length - limit))
  return out
}

/** The plan as text: one line of counts, then each path with its sign (`+` add, `~` update, ...). */
export function planLines(plan: PlanLists, limit = PLAN_LIST_LIMIT): string[] {
  const kinds = changes(plan)
  const lines = [
    `plan for store ${plan.storeId || '(new store)'}: ${kinds.map(k => `${k.paths.length} ${k.verb}`).join(', ')}, ${plan.unchanged} unchanged`,
  ]
  for (const kind of kinds)
    lines.push(
      ...listed(
        kind.paths,
        limit,
        p => `  ${kind.sign} ${p}`,
        n => `  ${kind.sign} ... and ${n} more`,
      ),
    )
  return lines
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/**
 * The plan as Markdown, for a pull request comment: counts, bytes to upload, the store's size
 * after the sync, and the paths. The first line is a marker so a bot can update its comment.
 */
export function planMarkdown(report: PlanReport, limit = PLAN_LIST_LIMIT): string {
  const { plan } = report
  const kinds = changes(planLists(report))
  const lines = [
    '<!-- vectornator-plan -->',
    '### Vectornator plan',
    '',
    `Store \`${report.storeId || '(created on first sync)'}\` · ${formatBytes(report.uploadBytes)} to upload · ${report.storeFilesAfter} documents after the sync`,
    '',
    '| Change | Documents |',
    '| --- | ---: |',
    ...kinds.map(k => `| ${k.name} | ${k.paths.length} |`),
    `| Unchanged | ${plan.unchanged.length} |`,
  ]
  for (const reason of plan.reasons) lines.push('', `> ${reason}`)
  const shown = kinds.filter(k => k.paths.length > 0)
  if (shown.length > 0) {
    lines.push('', '<details><summary>Paths</summary>', '')
    for (const kind of shown)
      lines.push(
        `**${kind.name}**`,
        '',
        ...listed(
          kind.paths,
          limit,
          p => `- \`${p.replace(' -> ', ' → ')}\``,
          n => `- … and ${n} more`,
        ),
        '',
      )
    lines.push('</details>')
  }
  return `${lines.join('\n')}\n`
}

/** A plan's paths by kind, as a result lists them. */
export function planLists(report: Pick<PlanReport, 'plan' | 'storeId'>): PlanLists {
  const { plan } = report
  return {
    storeId: report.storeId,
    added: plan.add.map(f => f.path),
    updated: plan.update.map(u => u.file.path),
    deleted: plan.delete.map(d => d.path),
    renamed: plan.rename.map(r => ({ from: r.from, to: r.file.path })),
    retagged: plan.retag.map(r => r.file.path),
    unchanged: plan.unchanged.length,
  }
}
