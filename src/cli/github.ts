import { appendFileSync } from 'node:fs'
import type { SyncResult } from '../types'
import { markdownSummary } from '../core/report'

/**
 * Inside GitHub Actions: counts to GITHUB_OUTPUT (step outputs) and a Markdown table to
 * GITHUB_STEP_SUMMARY (the run's summary page). Does nothing elsewhere.
 */
export function writeGitHubOutputs(result: SyncResult, env: Record<string, string | undefined> = process.env): void {
  if (env.GITHUB_OUTPUT) {
    const lines = [
      `store-id=${result.storeId}`,
      `added=${result.added.length}`,
      `updated=${result.updated.length}`,
      `deleted=${result.deleted.length}`,
      `unchanged=${result.unchanged}`,
      `failed=${result.failed.length}`,
    ]
    appendFileSync(env.GITHUB_OUTPUT, `${lines.join('\n')}\n`)
  }
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdownSummary(result)}\n`)
}
