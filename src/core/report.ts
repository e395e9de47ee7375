import type { SyncResult } from '../types'

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
  return `${head}: ${parts.join(', ')}${result.storeId ? ` (store ${result.storeId})` : ''} in ${(result.durationMs / 1000).toFixed(1)}s`
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
  return `${lines.join('\n')}\n`
}

export { plural }
