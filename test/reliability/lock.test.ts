import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, realpathSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireLock, lockFileFor } from '../../src/core/state/lock'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { runCli } from '../helpers/cli'
import { makeTree, pages } from '../helpers/tree'

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))
const lockPath = () => join(mkdtempSync(join(tmpdir(), 'vn-lock-')), 'state.lock')
/** The pid of a process that has exited. */
const deadPid = () =>
  spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString().trim()

describe('the lock', () => {
  it('makes a second holder wait, then fail with a clear message when waitMs is short', async () => {
    const path = lockPath()
    const release = await acquireLock(path)
    expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid))
    await expect(acquireLock(path, { waitMs: 150 })).rejects.toThrow(
      new RegExp(
        `another vectornator process \\(pid ${process.pid}\\) is syncing this state and holds ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: waited 150 ms; run again when it has finished`,
      ),
    )
    const waiting = acquireLock(path, { waitMs: 5_000 })
    await sleep(300)
    await release()
    const second = await waiting
    expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid))
    await second()
  })

  it('does not steal a lock whose pid is not written yet, but takes one a dead process left', async () => {
    const path = lockPath()
    // Created, not yet filled: its writer is between open and write.
    writeFileSync(path, '')
    await expect(acquireLock(path, { waitMs: 300 })).rejects.toThrow(
      /another vectornator process is syncing this state/,
    )
    expect(readFileSync(path, 'utf8')).toBe('')
    // Still empty long after: its writer died in between, so it is taken over.
    const old = new Date(Date.now() - 60_000)
    utimesSync(path, old, old)
    const release = await acquireLock(path, { waitMs: 300 })
    expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid))
    await release()

    // Left by a process killed with kill -9.
    writeFileSync(path, `${deadPid()}\n`)
    const again = await acquireLock(path, { waitMs: 300 })
    await again()
  })

  it("lets exactly one of many waiters take over a dead holder's lock at a time", async () => {
    const path = lockPath()
    writeFileSync(path, `${deadPid()}\n`)
    let inside = 0
    let most = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const release = await acquireLock(path, { waitMs: 20_000 })
        inside++
        most = Math.max(most, inside)
        await sleep(20)
        inside--
        await release()
      }),
    )
    expect(most).toBe(1)
  })
})

describe('two syncs over one state on one machine', () => {
  let server: OpenAIServer
  beforeAll(async () => {
    server = await createOpenAIServer({ processingMs: 200, latencyMs: 10 })
  })
  afterAll(() => server.close())
  const env = () => ({
    OPENAI_API_KEY: 'sk-lock-test',
    OPENAI_BASE_URL: server.url,
    VECTORNATOR_STORE_ID: undefined,
    VECTORNATOR_LOCK_TIMEOUT_MS: undefined,
  })

  it('do not interleave: the second waits for the first, then finds nothing to do', async () => {
    const root = makeTree(pages(30))
    const [a, b] = await Promise.all([
      runCli(['sync', '--json', '--metadata', 'file'], { cwd: root, env: env() }),
      (async () => {
        await sleep(50)
        return runCli(['sync', '--json', '--metadata', 'file'], { cwd: root, env: env() })
      })(),
    ])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    const outs = [JSON.parse(a.stdout), JSON.parse(b.stdout)].sort((x, y) => y.added.length - x.added.length)
    expect(outs[0].added).toHaveLength(30)
    expect(outs[1]).toMatchObject({ added: [], updated: [], deleted: [], unchanged: 30, storeId: outs[0].storeId })
    expect(a.stderr + b.stderr).toMatch(/waiting for another vectornator run \(pid \d+\) on this state to finish/)
    const paths = server.vectorStoreFiles(outs[0].storeId).map(f => f.attributes.path)
    expect(paths).toHaveLength(30)
    expect(new Set(paths).size).toBe(30)
  })

  it('fails with a clear message, changing nothing, when the other sync outlasts the wait', async () => {
    const root = realpathSync(makeTree(pages(3)))
    const release = await acquireLock(lockFileFor(root, 'file', join('.vectornator', 'metadata.json')))
    try {
      const before = server.stats.requests
      const run = await runCli(['sync', '--metadata', 'file'], {
        cwd: root,
        env: { ...env(), VECTORNATOR_LOCK_TIMEOUT_MS: '300' },
      })
      expect(run.code).toBe(2)
      expect(run.stderr).toMatch(
        new RegExp(
          `another vectornator process \\(pid ${process.pid}\\) is syncing this state and holds .*vectornator-[0-9a-f]{16}\\.lock: waited 300 ms; run again when it has finished`,
        ),
      )
      expect(server.stats.requests).toBe(before)
    } finally {
      await release()
    }
  })
})
