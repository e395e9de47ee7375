import type { ProgressEvent } from '../types'

/**
 * Progress for people: a live bar on a TTY, plain periodic lines elsewhere (CI logs), nothing
 * when quiet. Always on stderr, so stdout stays free for `--json`.
 */
export function createProgress(options: {
  tty: boolean
  quiet: boolean
  intervalMs?: number
}): (event: ProgressEvent) => void {
  if (options.quiet) return () => {}
  const out = process.stderr
  let last = 0
  let drawn = false
  const interval = options.intervalMs ?? (options.tty ? 80 : 5000)
  return event => {
    if (event.type === 'file') {
      const now = Date.now()
      const finished = event.done === event.total
      if (!finished && now - last < interval) return
      last = now
      const pct = event.total ? Math.floor((event.done / event.total) * 100) : 100
      if (options.tty) {
        const width = 24
        const filled = Math.round((pct / 100) * width)
        const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
        out.write(`\r[vectornator] ${bar} ${event.done}/${event.total} ${pct}%\x1B[K`)
        drawn = true
        if (finished) {
          out.write('\n')
          drawn = false
        }
      } else {
        out.write(`[vectornator] progress: ${event.done}/${event.total} (${pct}%)\n`)
      }
    } else if (event.type === 'done' && drawn) {
      out.write('\n')
      drawn = false
    }
  }
}
