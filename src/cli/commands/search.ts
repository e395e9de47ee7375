import { createVectornator } from '../../core/sync'
import { checksMarkdown, checksSummary, loadChecks, runChecks } from '../../core/inspect/checks'
import { UsageError } from '../../lib/errors'
import { type CommandModule, type CommonFlags, loggerFor, optionsFor, withCommonFlags } from '../shared'

interface SearchFlags extends CommonFlags {
  limit?: number
}

interface CheckFlags extends CommonFlags {
  file?: string
  format?: string
}

function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

export const searchCommands: CommandModule = (cli, setExit) => {
  withCommonFlags(cli.command('search <query>', 'Search the synced store'))
    .option('--limit <n>', 'Results to show (default 5)')
    .action(async (query: string, flags: SearchFlags) => {
      const limit = flags.limit === undefined ? 5 : Number(flags.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 50)
        throw new UsageError(`--limit must be a whole number from 1 to 50, got ${JSON.stringify(flags.limit)}`)
      const vn = createVectornator({ ...(await optionsFor(flags)), logger: loggerFor(flags) })
      const connection = await vn.connect()
      try {
        if (!connection.provider.search) throw new UsageError(`the ${connection.provider.name} provider cannot search`)
        const hits = await connection.provider.search(String(query), { limit })
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(hits.map(h => ({ path: h.path, score: h.score, text: h.text, ...(h.attributes?.title ? { title: h.attributes.title } : {}), ...(h.attributes?.url ? { url: h.attributes.url } : {}) })))}\n`)
          return
        }
        if (hits.length === 0) process.stdout.write('no results\n')
        hits.forEach((h, i) => {
          const title = h.attributes?.title ? `  ${h.attributes.title}` : ''
          const url = h.attributes?.url ? `  <${h.attributes.url}>` : ''
          process.stdout.write(`${i + 1}. ${h.score.toFixed(3)}  ${h.path}${title}${url}\n   ${oneLine(h.text)}\n`)
        })
        const notice = (connection.provider as { notice?: string }).notice
        if (notice) loggerFor(flags).info(notice)
      }
      finally { await connection.close() }
      setExit(0)
    })

  withCommonFlags(cli.command('check', 'Run the golden queries of vectornator.checks.json against the store'))
    .option('--file <path>', 'Checks file (default vectornator.checks.{json,yaml,yml} in the root)')
    .option('--format <format>', 'text or markdown')
    .action(async (flags: CheckFlags) => {
      const vn = createVectornator({ ...(await optionsFor(flags)), logger: loggerFor(flags) })
      const { file, checks } = await loadChecks(vn.options.root, flags.file)
      const connection = await vn.connect()
      try {
        const report = await runChecks(connection.provider, file, checks)
        if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`)
        else if (flags.format === 'markdown') process.stdout.write(checksMarkdown(report))
        else {
          for (const o of report.outcomes) {
            const mark = o.passed ? 'pass' : 'FAIL'
            const where = o.rank ? `rank ${o.rank}` : 'not found'
            process.stdout.write(`${mark}  ${o.query}  ->  ${o.expect} (${where}, top ${o.top})\n`)
            if (!o.passed && o.found.length) process.stdout.write(`      found: ${o.found.join(', ')}\n`)
          }
          process.stdout.write(`${checksSummary(report)}\n`)
        }
        setExit(report.failed > 0 ? 1 : 0)
      }
      finally { await connection.close() }
    })
}
