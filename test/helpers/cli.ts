import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const cliPath = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))
// Resolved from here, not from the child's folder (a temp dir with no node_modules).
export const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the real command in a child process: from source through tsx, or the built bundle given
 * as `entry`.
 */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; entry?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', CI: '1', ...options.env }
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k]
    const command = options.entry ? [options.entry, ...args] : ['--import', tsx, cliPath, ...args]
    const child = spawn(process.execPath, command, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => {
      stdout += d
    })
    child.stderr.on('data', d => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', code => resolve({ code: code ?? -1, stdout, stderr }))
  })
}
