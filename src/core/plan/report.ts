import type { SyncResult } from '../../types'
import type { LocalFile, SkippedFile } from '../scan/scan'
import type { SyncState } from '../state/types'
import type { Plan } from './plan'
import { checksMarkdown } from '../inspect/checks'

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

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** One line: what a sync did. Also the commit message of its state. */
export function summaryLine(result: SyncResult): string {
  const parts = [
    `${result.added.length} added`,
    `${result.updated.length} updated`,
    `${result.deleted.length} deleted`,
  ]
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

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/**
 * The plan as Markdown, for a pull request comment: counts, bytes to upload, the store's size
 * after the sync, and the paths. The first line is a marker so a bot can update its comment.
 */
export function planMarkdown(report: PlanReport): string {
  const { plan } = report
  const rows: [string, number, string[]][] = [
    ['Add', plan.add.length, plan.add.map(f => f.path)],
    ['Update', plan.update.length, plan.update.map(u => u.file.path)],
    ['Delete', plan.delete.length, plan.delete.map(d => d.path)],
    ['Rename', plan.rename.length, plan.rename.map(r => `${r.from} → ${r.file.path}`)],
    ['Re-tag', plan.retag.length, plan.retag.map(r => r.file.path)],
  ]
  const lines = [
    '<!-- vectornator-plan -->',
    '### Vectornator plan',
    '',
    `Store \`${report.storeId || '(created on first sync)'}\` · ${formatBytes(report.uploadBytes)} to upload · ${report.storeFilesAfter} documents after the sync`,
    '',
    '| Change | Documents |',
    '| --- | ---: |',
    ...rows.map(([name, count]) => `| ${name} | ${count} |`),
    `| Unchanged | ${plan.unchanged.length} |`,
  ]
  for (const reason of plan.reasons) lines.push('', `> ${reason}`)
  const listed = rows.filter(([, count]) => count > 0)
  if (listed.length > 0) {
    lines.push('', '<details><summary>Paths</summary>', '')
    for (const [name, , paths] of listed) {
      lines.push(`**${name}**`, '')
      for (const p of paths.slice(0, 200)) lines.push(`- \`${p}\``)
      if (paths.length > 200) lines.push(`- … and ${paths.length - 200} more`)
      lines.push('')
    }
    lines.push('</details>')
  }
  return `${lines.join('\n')}\n`
}

export { plural }
