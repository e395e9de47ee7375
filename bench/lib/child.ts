import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const PRELOAD = join(import.meta.dirname, '..', 'rss-preload.cjs')
let rssDir: string | undefined
let counter = 0
process.on('exit', () => cleanupChildFiles())

export interface ChildRun {
  /** Wall time from spawn to exit, start-up included. */
  ms: number
  /** Peak resident set size of the child, in bytes (from its own resourceUsage at exit). */
  rss: number
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs `node <args>` in a child process with the RSS preload, and times it from spawn to exit:
 * what a user waits for, start-up included.
 */
export function runNode(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<ChildRun> {
  rssDir ??= mkdtempSync(join(tmpdir(), 'vectornator-bench-rss-'))
  const rssFile = join(rssDir, `${++counter}`)
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: '1',
    CI: '1',
    ...options.env,
    VECTORNATOR_BENCH_RSS: rssFile,
  }
  // Nothing from the bench's own loader (tsx) or the user's shell may change what is measured.
  for (const key of [
    'NODE_OPTIONS',
    'VECTORNATOR_STORE_ID',
    'OPENAI_ORG_ID',
    'OPENAI_PROJECT_ID',
    'GITHUB_ACTIONS',
    'GITHUB_OUTPUT',
    'GITHUB_STEP_SUMMARY',
  ])
    if (!(options.env && key in options.env)) delete env[key]
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k]
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let ended = 0
    const child = spawn(process.execPath, ['--require', PRELOAD, ...args], {
      cwd: options.cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('exit', () => {
      ended = performance.now()
    })
    child.on('close', code => {
      let rss = 0
      try {
        rss = Number(readFileSync(rssFile, 'utf8')) * 1024
      } catch {}
      rmSync(rssFile, { force: true })
      resolve({ ms: (ended || performance.now()) - started, rss, code: code ?? -1, stdout, stderr })
    })
  })
}

export function cleanupChildFiles(): void {
  if (rssDir) rmSync(rssDir, { recursive: true, force: true })
  rssDir = undefined
}
