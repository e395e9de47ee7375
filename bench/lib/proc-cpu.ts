import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

let ticksPerSecond: number | undefined

/**
 * CPU time (user + system, all threads) a process has used so far, in ms, from /proc; NaN where
 * there is none. The stores run in processes of their own: this says how much of a step's time
 * was the store's work rather than the CLI's.
 */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return Number.NaN
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name may hold spaces: the fields counted from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
  } catch {
    return Number.NaN
  }
}
