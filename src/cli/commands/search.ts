import { checkScope, checksMarkdown, checksSummary, createVectornator } from '../../core'
import type { AttributeFilter, AttributeValue, SearchHit } from '../../providers/types'
import { UsageError } from '../../lib/errors'
import { type CommandModule, type CommonFlags, loggerFor, projectFor, vectornatorOf, withCommonFlags } from '../shared'

interface SearchFlags extends CommonFlags {
  limit?: number
}

/**
 * A flag's values as typed: the parser turns `2.0` into the number 2, which would lose a
 * version's text. `--flag value` and `--flag=value`, every occurrence.
 */
function rawValues(args: string[], flag: string): string[] {
  const values: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') break
    if (arg === flag && i + 1 < args.length) values.push(args[++i]!)
    else if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1))
  }
  return values
}

/**
 * `--filter key=value`, repeatable; a key given twice takes either value. A value that reads as a
 * number or a boolean also matches that number or boolean (front matter keeps `order: 2` a number).
 */
export function parseFilters(entries: string[]): AttributeFilter | undefined {
  const filter: Record<string, AttributeValue[]> = {}
  for (const entry of entries) {
    const eq = entry.indexOf('=')
    if (eq < 1)
      throw new UsageError(`--filter takes key=value, got ${JSON.stringify(entry)}: e.g. --filter product=cli`)
    const key = entry.slice(0, eq)
    const value = entry.slice(eq + 1)
    const typed: AttributeValue[] = [value]
    if (value === 'true' || value === 'false') typed.push(value === 'true')
    else if (value.trim() !== '' && Number.isFinite(Number(value))) typed.push(Number(value))
    ;(filter[key] ??= []).push(...typed)
  }
  return Object.keys(filter).length
    ? Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, v.length === 1 ? v[0]! : v]))
    : undefined
}

function scopeOf(hit: SearchHit): string {
  const tags = [hit.attributes?.version, hit.attributes?.locale].filter(v => v !== undefined)
  return tags.length ? `  [${tags.join(' ')}]` : ''
}

interface CheckFlags extends CommonFlags {
  file?: string
  format?: string
}

function pick(hit: SearchHit, keys: string[]): Record<string, AttributeValue> {
  return Object.fromEntries(
    keys.flatMap(k => (hit.attributes?.[k] !== undefined && hit.attributes[k] !== '' ? [[k, hit.attributes[k]!]] : [])),
  )
}

function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

export const searchCommands: CommandModule = (cli, setExit) => {
  withCommonFlags(cli.command('search <query>', 'Search the synced store'))
    .option('--limit <n>', 'Results to show (default 5)')
    .option('--version <version>', "Only this version (default: the version rule's default; * for all)")
    .option('--locale <locale>', "Only this locale (default: the locale rule's default; * for all)")
    .option('--filter <key=value>', 'Only documents with this attribute value (repeatable)')
    .action(async (query: string, flags: SearchFlags) => {
      const limit = flags.limit === undefined ? 5 : Number(flags.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 50)
        throw new UsageError(`--limit must be a whole number from 1 to 50, got ${JSON.stringify(flags.limit)}`)
      const args = cli.rawArgs
      const [version, locale] = ['--version', '--locale'].map(flag => rawValues(args, flag).at(-1))
      const filter = parseFilters(rawValues(args, '--filter'))
      const vn = vectornatorOf(await projectFor(flags, { logger: loggerFor(flags) }))
      const { hits, notice } = await vn.searchWithNotice(String(query), { limit, version, locale, filter })
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify(hits.map(h => ({ path: h.path, score: h.score, text: h.text, ...pick(h, ['title', 'url', 'version', 'locale']) })))}\n`,
        )
        return
      }
      if (hits.length === 0) process.stdout.write('no results\n')
      hits.forEach((h, i) => {
        const title = h.attributes?.title ? `  ${h.attributes.title}` : ''
        const url = h.attributes?.url ? `  <${h.attributes.url}>` : ''
        process.stdout.write(
          `${i + 1}. ${h.score.toFixed(3)}  ${h.path}${title}${url}${scopeOf(h)}\n   ${oneLine(h.text)}\n`,
        )
      })
      if (notice) loggerFor(flags).info(notice)
      setExit(0)
    })

  withCommonFlags(cli.command('check', 'Run the golden queries of vectornator.checks.json against the store'))
    .option('--file <path>', 'Checks file (default vectornator.checks.{json,yaml,yml} in the root)')
    .option('--format <format>', 'text or markdown')
    .action(async (flags: CheckFlags) => {
      const vn = vectornatorOf(await projectFor(flags, { logger: loggerFor(flags) }))
      const report = await vn.check(flags.file)
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`)
      else if (flags.format === 'markdown') process.stdout.write(checksMarkdown(report))
      else {
        for (const o of report.outcomes) {
          const mark = o.passed ? 'pass' : 'FAIL'
          const where = o.rank ? `rank ${o.rank}` : 'not found'
          const scope = checkScope(o) ? `  [${checkScope(o)}]` : ''
          process.stdout.write(`${mark}  ${o.query}${scope}  ->  ${o.expect} (${where}, top ${o.top})\n`)
          if (!o.passed && o.found.length) process.stdout.write(`      found: ${o.found.join(', ')}\n`)
        }
        process.stdout.write(`${checksSummary(report)}\n`)
      }
      setExit(report.failed > 0 ? 1 : 0)
    })
}
