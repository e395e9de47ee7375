import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { runCli } from './helpers/cli'
import { makeTree } from './helpers/tree'

let server: OpenAIServer
const KEY = 'sk-test-secret-key-0123456789abcdef'

beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 2 })
})
afterAll(() => server.close())

const env = () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url, VECTORNATOR_STORE_ID: undefined })
const docs = () => makeTree({ 'docs/a.md': '# Alpha\n\nfirst', 'docs/b.md': '# Beta\n\nsecond' })

/** Runs a command that must fail as bad usage: exit 2, one line naming the fix, no remote change. */
async function expectUsageError(
  args: string[],
  cwd: string,
  pattern: RegExp,
  extraEnv: Record<string, string | undefined> = {},
) {
  const before = server.stats.requests
  const run = await runCli(args, { cwd, env: { ...env(), ...extraEnv } })
  expect(run.code, run.stderr).toBe(2)
  expect(run.stderr.trim().split('\n')).toHaveLength(1)
  expect(run.stderr).toMatch(pattern)
  expect(run.stdout).toBe('')
  return server.stats.requests - before
}

describe('vectornator sync (CLI)', () => {
  it('syncs, prints one JSON object with --json, and reports everything unchanged the second time', async () => {
    const root = docs()
    const first = await runCli(['sync', '--json', '--metadata', 'file'], { cwd: root, env: env() })
    expect(first.code, first.stderr).toBe(0)
    const out = JSON.parse(first.stdout)
    expect(out).toMatchObject({
      dryRun: false,
      added: ['docs/a.md', 'docs/b.md'],
      updated: [],
      deleted: [],
      unchanged: 0,
      failed: [],
    })
    expect(out.storeId).toMatch(/^vs_/)
    expect(typeof out.durationMs).toBe('number')
    expect(first.stderr).toContain('plan: 2 to add, 0 to update, 0 to delete, 0 unchanged')
    expect(first.stderr).toMatch(
      /sync: 2 added, 0 updated, 0 deleted, 0 unchanged, 0 failed \(store vs_\w+\) in \d+\.\ds/,
    )
    const second = await runCli(['sync', '--json', '--metadata', 'file'], { cwd: root, env: env() })
    expect(JSON.parse(second.stdout)).toMatchObject({ added: [], unchanged: 2 })
    // The key is in no output and not in the state.
    for (const text of [
      first.stdout,
      first.stderr,
      second.stdout,
      second.stderr,
      readFileSync(join(root, '.vectornator/metadata.json'), 'utf8'),
    ])
      expect(text).not.toContain(KEY)
  })

  it('prints the plan and changes nothing with status and --dry-run', async () => {
    const root = docs()
    const before = server.stats.requests
    const status = await runCli(['status', '--metadata', 'file'], { cwd: root, env: env() })
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('2 to add')
    expect(status.stdout).toContain('+ docs/a.md')
    const dry = await runCli(['sync', '--dry-run', '--json', '--metadata', 'file'], { cwd: root, env: env() })
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, added: ['docs/a.md', 'docs/b.md'] })
    expect(server.stats.requests).toBe(before)
  })

  it('exits 1 and names the file when the store fails one', async () => {
    const root = makeTree({ 'ok.md': '# ok\n\nfine', 'broken.md': '# broken\n\nbad' })
    server.setFaults({
      failFile: f => (f.filename.startsWith('broken.') ? 'The file could not be parsed.' : undefined),
    })
    try {
      const run = await runCli(['sync', '--json', '--metadata', 'file'], { cwd: root, env: env() })
      expect(run.code).toBe(1)
      expect(JSON.parse(run.stdout).failed).toEqual([
        { path: 'broken.md', error: expect.stringContaining('could not be parsed') },
      ])
      expect(run.stderr).toContain('failed broken.md')
    } finally {
      server.setFaults({})
    }
  })

  describe('bad input: exit 2, one line naming the fix, no remote change', () => {
    it('no API key', async () => {
      expect(
        await expectUsageError(
          ['sync', '--provider', 'openai', '--metadata', 'file'],
          docs(),
          /OPENAI_API_KEY is not set/,
          { OPENAI_API_KEY: undefined },
        ),
      ).toBe(0)
    })
    it('an unknown store id', async () => {
      const filesBefore = server.files().length
      // One read to learn the store is unknown; nothing written.
      const requests = await expectUsageError(
        ['sync', '--store', 'vs_doesnotexist', '--metadata', 'file'],
        docs(),
        /vector store vs_doesnotexist was not found/,
      )
      expect(requests).toBe(1)
      expect(server.files().length).toBe(filesBefore)
    })
    it('a malformed option', async () => {
      expect(
        await expectUsageError(
          ['sync', '--concurrency', 'lots', '--metadata', 'file'],
          docs(),
          /concurrency must be a whole number/,
        ),
      ).toBe(0)
    })
    it('an unknown flag', async () => {
      expect(await expectUsageError(['sync', '--incldue', 'x'], docs(), /Unknown option/)).toBe(0)
    })
    it('a malformed glob', async () => {
      expect(
        await expectUsageError(['sync', '--include', 'docs/{a,b', '--metadata', 'file'], docs(), /unbalanced/),
      ).toBe(0)
    })
    it('a root that does not exist', async () => {
      expect(
        await expectUsageError(['sync', '--root', 'nope', '--metadata', 'file'], docs(), /does not exist: pass --root/),
      ).toBe(0)
    })
    it('a corrupt state file, which is left as it was', async () => {
      const root = docs()
      const statePath = join(root, '.vectornator', 'metadata.json')
      await runCli(['sync', '--metadata', 'file'], { cwd: root, env: env() })
      writeFileSync(statePath, '{"storeId": "vs_1", "files": {')
      expect(await expectUsageError(['sync', '--metadata', 'file'], root, /corrupt.*verify --repair/)).toBe(0)
      expect(readFileSync(statePath, 'utf8')).toBe('{"storeId": "vs_1", "files": {')
    })
    it('a corrupt state in the git branch, which is left as it was', async () => {
      const root = docs()
      const run = (args: string[]) =>
        execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e', ...args], {
          cwd: root,
          encoding: 'utf8',
        }).trim()
      run(['init', '-q', '-b', 'main'])
      run(['add', '-A'])
      run(['commit', '-q', '--no-gpg-sign', '-m', 'docs'])
      const first = await runCli(['sync', '--metadata', 'git-branch'], { cwd: root, env: env() })
      expect(first.code, first.stderr).toBe(0)
      // The quick check's summary now names the synced state: the branch's state is replaced by
      // broken JSON, by plumbing, as a bad merge or a hand edit would leave it.
      const [path] = run(['ls-tree', '-r', '--name-only', 'vectornator-metadata']).split('\n')
      const broken = execFileSync('git', ['hash-object', '-w', '--stdin'], {
        cwd: root,
        input: '{ "files": { broken',
        encoding: 'utf8',
      }).trim()
      const [dir, file] = path!.split('/') as [string, string]
      const tree = execFileSync('git', ['mktree'], {
        cwd: root,
        input: `100644 blob ${broken}\t${file}\n`,
        encoding: 'utf8',
      }).trim()
      const top = execFileSync('git', ['mktree'], {
        cwd: root,
        input: `040000 tree ${tree}\t${dir}\n`,
        encoding: 'utf8',
      }).trim()
      const bad = run(['commit-tree', top, '-p', 'vectornator-metadata', '-m', 'break it'])
      run(['update-ref', 'refs/heads/vectornator-metadata', bad])
      expect(await expectUsageError(['sync', '--metadata', 'git-branch'], root, /corrupt.*verify --repair/)).toBe(0)
      expect(run(['rev-parse', 'vectornator-metadata'])).toBe(bad)
    })
    it('a state recorded for another store', async () => {
      const root = docs()
      const first = await runCli(['sync', '--json', '--metadata', 'file'], { cwd: root, env: env() })
      const { storeId } = JSON.parse(first.stdout)
      const other = await runCli(['sync', '--json', '--metadata', 'file'], { cwd: docs(), env: env() })
      const otherId = JSON.parse(other.stdout).storeId
      expect(
        await expectUsageError(
          ['sync', '--store', otherId, '--metadata', 'file'],
          root,
          new RegExp(`is for store ${storeId}, not ${otherId}`),
        ),
      ).toBe(0)
    })
    it('an unknown command', async () => {
      const run = await runCli(['synk'], { cwd: docs(), env: env() })
      expect(run.code).toBe(2)
      expect(run.stderr).toMatch(/unknown command "synk"/)
    })
  })
})
