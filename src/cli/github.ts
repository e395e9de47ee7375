import { appendFileSync, readFileSync } from 'node:fs'
import type { SyncResult } from '../types'
import { markdownSummary } from '../core'

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

const PLAN_MARKER = '<!-- vectornator-plan -->'

interface CommentTarget {
  apiUrl: string
  repo: string
  number: number
  token: string
}

/** The pull request this run is for, from the event GitHub Actions hands the job. */
export function pullRequestTarget(env: Record<string, string | undefined> = process.env): CommentTarget | undefined {
  if (!env.GITHUB_EVENT_PATH || !env.GITHUB_REPOSITORY || !env.GITHUB_TOKEN) return undefined
  let event: { pull_request?: { number?: number }; number?: number }
  try {
    event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'))
  } catch {
    return undefined
  }
  const number = event.pull_request?.number ?? event.number
  if (!number) return undefined
  return {
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    repo: env.GITHUB_REPOSITORY,
    number,
    token: env.GITHUB_TOKEN,
  }
}

/**
 * Posts the plan on the pull request, or updates the comment an earlier run posted (found by its
 * marker), so a pull request carries one plan that follows its latest push.
 */
export async function upsertPlanComment(body: string, target: CommentTarget): Promise<'created' | 'updated'> {
  const headers = {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${target.token}`,
    'content-type': 'application/json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'vectornator',
  }
  const base = `${target.apiUrl.replace(/\/$/, '')}/repos/${target.repo}`
  let existing: number | undefined
  for (let page = 1; page <= 20 && existing === undefined; page++) {
    const res = await fetch(`${base}/issues/${target.number}/comments?per_page=100&page=${page}`, { headers })
    if (!res.ok)
      throw new Error(
        `GitHub answered ${res.status} listing the pull request's comments: give the job \`permissions: pull-requests: write\``,
      )
    const comments = (await res.json()) as { id: number; body?: string }[]
    existing = comments.find(c => c.body?.includes(PLAN_MARKER))?.id
    if (comments.length < 100) break
  }
  const res =
    existing === undefined
      ? await fetch(`${base}/issues/${target.number}/comments`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ body }),
        })
      : await fetch(`${base}/issues/comments/${existing}`, { method: 'PATCH', headers, body: JSON.stringify({ body }) })
  if (!res.ok)
    throw new Error(
      `GitHub answered ${res.status} to the plan comment: give the job \`permissions: pull-requests: write\``,
    )
  return existing === undefined ? 'created' : 'updated'
}
