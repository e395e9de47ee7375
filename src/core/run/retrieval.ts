import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadYaml } from '../scan/attributes'
import type { AttributeFilter, SearchHit, VectorStoreProvider } from '../../providers/types'
import { UsageError } from '../../lib/errors'

/** A golden query: `query` must find `expect` (a path or a url) within the first `top` results. */
export interface RetrievalCheck {
  query: string
  expect: string
  top?: number
  /** Searched in this version / locale (default: the rules' defaults, as any search; `*` for all). */
  version?: string
  locale?: string
  /** More attribute conditions, as `vectornator search --filter`. */
  filter?: AttributeFilter
}

export interface CheckOutcome
  extends
    Required<Pick<RetrievalCheck, 'query' | 'expect' | 'top'>>,
    Pick<RetrievalCheck, 'version' | 'locale' | 'filter'> {
  /** 1-based rank of the expected document, or undefined when it was not found. */
  rank: number | undefined
  passed: boolean
  /** Paths of the results, best first (for a failing check's report). */
  found: string[]
}

export interface CheckReport {
  file: string
  outcomes: CheckOutcome[]
  passed: number
  failed: number
}

export const CHECK_FILES = ['vectornator.checks.json', 'vectornator.checks.yaml', 'vectornator.checks.yml']
const DEFAULT_TOP = 5

/** Finds and parses the checks file: the one named, else the first of CHECK_FILES in root. */
export async function loadChecks(root: string, file?: string): Promise<{ file: string; checks: RetrievalCheck[] }> {
  const candidates = file ? [resolve(root, file)] : CHECK_FILES.map(f => join(root, f))
  for (const path of candidates) {
    let text: string
    try {
      text = await fs.readFile(path, 'utf8')
    } catch {
      continue
    }
    let data: unknown
    const { parseYAML } = await loadYaml()
    try {
      data = path.endsWith('.json') ? JSON.parse(text) : parseYAML(text)
    } catch (error) {
      throw new UsageError(
        `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]}): fix the file`,
      )
    }
    const list = Array.isArray(data) ? data : (data as { checks?: unknown })?.checks
    if (!Array.isArray(list))
      throw new UsageError(`${path} must hold a list of { query, expect, top } (or { checks: [...] })`)
    const checks = list.map((c, i) => {
      const check = c as RetrievalCheck
      if (
        !check ||
        typeof check.query !== 'string' ||
        !check.query.trim() ||
        typeof check.expect !== 'string' ||
        !check.expect.trim()
      )
        throw new UsageError(`${path}: check ${i + 1} needs a "query" and an "expect" (a path or url)`)
      if (check.top !== undefined && (!Number.isInteger(check.top) || check.top < 1 || check.top > 50))
        throw new UsageError(
          `${path}: check ${i + 1} has top ${JSON.stringify(check.top)}: use a whole number from 1 to 50`,
        )
      for (const key of ['version', 'locale'] as const)
        if (check[key] !== undefined && (typeof check[key] !== 'string' || !check[key].trim()))
          throw new UsageError(
            `${path}: check ${i + 1} has ${key} ${JSON.stringify(check[key])}: give a ${key} name, or "*" for all`,
          )
      if (check.filter !== undefined && !isFilter(check.filter))
        throw new UsageError(
          `${path}: check ${i + 1} has filter ${JSON.stringify(check.filter)}: use an object of attribute values, e.g. { "product": "cli" }`,
        )
      return check
    })
    return { file: path, checks }
  }
  throw new UsageError(
    file
      ? `checks file ${file} was not found: check the path`
      : `no checks file in ${root}: write vectornator.checks.json with [{ "query": "...", "expect": "docs/page.md", "top": 5 }]`,
  )
}

function isFilter(value: unknown): value is AttributeFilter {
  return (
    Boolean(value) &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value as object).every(v => [v].flat().every(x => ['string', 'number', 'boolean'].includes(typeof x)))
  )
}

/** A check's version, locale and filter, as a report shows them: `version 2.x, locale fr`; '' for none. */
export function checkScope(check: Pick<RetrievalCheck, 'version' | 'locale' | 'filter'>): string {
  const parts = [
    ...(check.version !== undefined ? [`version ${check.version}`] : []),
    ...(check.locale !== undefined ? [`locale ${check.locale}`] : []),
    ...Object.entries(check.filter ?? {}).map(([k, v]) => `${k}=${[v].flat().join('|')}`),
  ]
  return parts.join(', ')
}

/** True when a hit is the expected document, named by path or by url (with or without the site). */
function matches(hit: SearchHit, expected: string): boolean {
  if (hit.path === expected) return true
  const url = hit.attributes?.url
  if (typeof url !== 'string') return false
  if (url === expected) return true
  try {
    return new URL(url, 'http://x').pathname === new URL(expected, 'http://x').pathname
  } catch {
    return false
  }
}

/**
 * Runs each query against the store and ranks the expected document. `filterFor` gives a check's
 * search filter (callers pass search.ts's `searchFilter`, so a check naming no version or locale
 * is searched in the rules' defaults, as an assistant's search is); default: the check's own.
 */
export async function runChecks(
  provider: VectorStoreProvider,
  file: string,
  checks: RetrievalCheck[],
  filterFor: (check: RetrievalCheck) => AttributeFilter | undefined = check => check.filter,
): Promise<CheckReport> {
  if (!provider.search) throw new UsageError(`the ${provider.name} provider cannot search, so checks cannot run on it`)
  const outcomes: CheckOutcome[] = []
  for (const check of checks) {
    const top = check.top ?? DEFAULT_TOP
    // Search past `top` so a near miss still reports its rank.
    const filter = filterFor(check)
    const hits = await provider.search(check.query, {
      limit: Math.min(50, Math.max(top, 10)),
      ...(filter ? { filter } : {}),
    })
    const paths: string[] = []
    for (const hit of hits) if (!paths.includes(hit.path)) paths.push(hit.path)
    const index = paths.findIndex(p =>
      matches(
        hits.find(h => h.path === p)!,
        check.expect,
      ),
    )
    const rank = index === -1 ? undefined : index + 1
    const scope = {
      ...(check.version !== undefined ? { version: check.version } : {}),
      ...(check.locale !== undefined ? { locale: check.locale } : {}),
      ...(check.filter ? { filter: check.filter } : {}),
    }
    outcomes.push({
      query: check.query,
      expect: check.expect,
      top,
      ...scope,
      rank,
      passed: rank !== undefined && rank <= top,
      found: paths.slice(0, top),
    })
  }
  const passed = outcomes.filter(o => o.passed).length
  return { file, outcomes, passed, failed: outcomes.length - passed }
}

export function checksSummary(report: CheckReport): string {
  return `checks: ${report.passed} passed, ${report.failed} failed (${report.file})`
}

export function checksMarkdown(report: CheckReport): string {
  const lines = ['| Query | Expected | Rank | |', '| --- | --- | ---: | --- |']
  for (const o of report.outcomes)
    lines.push(
      `| ${(o.query + (checkScope(o) ? ` (${checkScope(o)})` : '')).replace(/\|/g, '\\|')} | \`${o.expect}\` | ${o.rank ?? '—'} | ${o.passed ? 'pass' : `**fail** (top ${o.top})`} |`,
    )
  return `#### Retrieval checks: ${report.passed} passed, ${report.failed} failed\n\n${lines.join('\n')}\n`
}
