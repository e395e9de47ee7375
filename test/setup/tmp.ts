/**
 * Vitest global setup: one temp folder for the whole run. Every test's temp folders (and those of
 * the CLI processes and servers they start, which inherit the environment) go in it, and it is
 * removed at teardown, so a test run leaves nothing in the machine's temp folder. Its name holds no
 * "vectornator": tests pick the tool's own lines out of a build's output by that word, and a build
 * prints its output paths.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'vn-run-'))
  const before = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP }
  // Set before the workers start: they, and every process a test spawns, inherit it.
  process.env.TMPDIR = process.env.TMP = process.env.TEMP = dir
  return () => {
    for (const [key, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  }
}
