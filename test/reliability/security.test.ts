import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sync } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { runCli, type CliRun } from '../helpers/cli'
import { makeTree } from '../helpers/tree'
import { uploadName } from '../../src/providers/openai-files'

const KEY = 'sk-proj-Zx9SecretKeyThatMustNeverLeak0123456789abcdef'
let server: OpenAIServer
let other: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 2, apiKey: KEY })
  other = await createOpenAIServer({ processingMs: 2, apiKey: 'sk-proj-AnotherAccountsKey9876543210zyxwvu' })
})
afterAll(async () => {
  await server.close()
  await other.close()
})

const env = (extra: Record<string, string | undefined> = {}) => ({
  OPENAI_API_KEY: KEY,
  OPENAI_BASE_URL: server.url,
  VECTORNATOR_STORE_ID: undefined,
  ...extra,
})
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })

/** Every file under `dir`, as text (the state file, git's refs and logs, ...). */
function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? allFiles(path) : [readFileSync(path, 'latin1')]
  })
}

describe('security', () => {
  it('the API key appears in no output (runs that succeed and runs that fail), no error, no state, no branch', async () => {
    const root = makeTree({ 'docs/a.md': '# Alpha\n\nfirst', 'docs/b.md': '# Beta\n\nsecond' })
    git(root, 'init', '-q')
    const runs: CliRun[] = []
    const cli = async (args: string[], extra: Record<string, string | undefined> = {}) => {
      const run = await runCli(args, { cwd: root, env: env(extra) })
      runs.push(run)
      return run
    }
    // The state goes to the metadata branch (the default inside a git repository).
    expect((await cli(['sync', '--json'])).code).toBe(0)
    expect((await cli(['sync', '--debug'], { VECTORNATOR_DEBUG: '1', OPENAI_LOG: 'debug' })).code).toBe(0)
    expect((await cli(['status'])).code).toBe(0)
    expect((await cli(['search', 'alpha'])).code).toBe(0)
    // Failing: the key of another account (401), a wrong base URL (404), with traces on.
    const wrongKey = await cli(['sync', '--metadata', 'file'], { OPENAI_BASE_URL: other.url, VECTORNATOR_DEBUG: '1' })
    expect(wrongKey.code).toBe(1)
    expect(wrongKey.stderr).toMatch(/401 Incorrect API key provided: sk-\*+cdef/)
    const wrongUrl = await cli(['sync', '--metadata', 'file', '--debug'], {
      OPENAI_BASE_URL: `${server.url}/nope`,
      VECTORNATOR_DEBUG: '1',
      OPENAI_LOG: 'debug',
    })
    expect(wrongUrl.code).toBe(1)
    expect(wrongUrl.stderr).toMatch(/404/)

    for (const run of runs) {
      expect(run.stdout).not.toContain(KEY)
      expect(run.stderr).not.toContain(KEY)
    }
    // Through the library: the error, its stack and everything it carries.
    const error = await sync({
      root: makeTree({ 'a.md': '# a\n\nx' }),
      provider: 'openai',
      apiKey: KEY,
      baseURL: other.url,
      metadata: 'file',
      logger: silentLogger,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(KEY)
    // The branch, every object in the repository, and every file under .git.
    expect(git(root, 'branch', '--list', 'vectornator-metadata')).toContain('vectornator-metadata')
    expect(git(root, 'log', '--all', '-p', '--format=%B')).not.toContain(KEY)
    expect(git(root, 'cat-file', '--batch-all-objects', '--batch')).not.toContain(KEY)
    for (const text of allFiles(join(root, '.git'))) expect(text).not.toContain(KEY)
  })

  it('uploads no file from outside the root and no .env file, even when a glob names it', async () => {
    const parent = makeTree({ 'outside.md': '# Outside\n\nOUTSIDE-MARKER' })
    const root = join(parent, 'site')
    const files: Record<string, string> = {
      'docs/a.md': '# Alpha\n\nfirst',
      '.env': `OPENAI_API_KEY=${KEY}\n`,
      '.env.local': 'DATABASE_URL=postgres://secret\n',
      'config/.env.production': 'TOKEN=ENV-MARKER\n',
    }
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true })
      writeFileSync(join(root, path), content)
    }
    symlinkSync(join(parent, 'outside.md'), join(root, 'docs', 'link.md'))

    // Globs that reach out of the root are refused before anything happens.
    for (const glob of ['../outside.md', join(parent, 'outside.md'), 'docs/../../outside.md']) {
      const run = await runCli(['sync', '--metadata', 'file', '--include', glob], { cwd: root, env: env() })
      expect(run.code, glob).toBe(2)
      expect(run.stderr).toMatch(/points outside the root: set root to the folder that holds the documents/)
    }
    const before = new Set(server.files().map(f => f.id))
    const run = await runCli(
      [
        'sync',
        '--json',
        '--metadata',
        'file',
        '--include',
        'docs/**',
        '--include',
        '.env',
        '--include',
        '.env.local',
        '--include',
        '**/.env*',
        '--include',
        '**/*',
      ],
      { cwd: root, env: env() },
    )
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).added).toEqual(['docs/a.md'])
    expect(run.stderr).toContain('skipped docs/link.md: links outside the root')
    expect(run.stderr).toContain(
      'include ".env.local" names .env files: secrets files (.env, .env.*) are never uploaded',
    )
    const uploaded = server.files().filter(f => !before.has(f.id))
    expect(uploaded.map(f => f.filename)).toEqual([uploadName('docs/a.md', JSON.parse(run.stdout).storeId)])
    for (const f of uploaded)
      expect(f.content.toString()).not.toMatch(/OUTSIDE-MARKER|ENV-MARKER|postgres:|OPENAI_API_KEY/)
  })

  it('keeps no file contents in the state', async () => {
    const body = 'BODY-MARKER-7f3a: a sentence of the document that must stay out of the state.'
    const root = makeTree({ 'docs/page.md': `---\ntitle: A page\n---\n\n# Heading\n\n${body}\n\nMore text.\n` })
    expect((await runCli(['sync', '--metadata', 'file'], { cwd: root, env: env() })).code).toBe(0)
    const state = readFileSync(join(root, '.vectornator', 'metadata.json'), 'utf8')
    expect(state).toContain('docs/page.md')
    expect(state).not.toContain('BODY-MARKER')
    expect(state).not.toContain('More text')
    expect(state).not.toContain(KEY)
  })
})
