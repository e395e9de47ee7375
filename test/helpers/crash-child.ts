/**
 * A sync run in a child process so a test can kill it with SIGKILL at a chosen moment.
 * Env: CRASH_ROOT (the documents), CRASH_BASE_URL (the offline server, or a proxy in front of it),
 * CRASH_CONCURRENCY, CRASH_METADATA (`file`, or `git-branch` in a repository, with CRASH_STATE_KEY). It uses the real
 * core, the real SDK and the real state store; the store is only wrapped to announce each save on stdout (`save <n>`, and `finish` for the last write), so
 * the parent can kill it mid-save.
 * Prints `start` right before the sync and `done <json>` after it.
 */
import { join } from 'node:path'
import { sync } from '../../src'
import { createFileStore } from '../../src/core/state/file'
import { createGitBranchStore } from '../../src/core/state/git-branch'
import type { StateStore } from '../../src/core/state/types'

const root = process.env.CRASH_ROOT!
const inner: StateStore =
  process.env.CRASH_METADATA === 'git-branch'
    ? createGitBranchStore({ cwd: root, key: process.env.CRASH_STATE_KEY! })
    : createFileStore({ path: join(root, '.vectornator', 'metadata.json'), root })
let saves = 0
const store: StateStore = {
  kind: inner.kind,
  location: inner.location,
  load: () => inner.load(),
  save: state => {
    process.stdout.write(`save ${++saves}\n`)
    return inner.save(state)
  },
  finish: (state, options) => {
    process.stdout.write('finish\n')
    return inner.finish(state, options)
  },
  close: () => inner.close(),
  lockFile: inner.lockFile && (() => inner.lockFile!()),
}
const quiet = { info() {}, warn() {}, error() {}, debug() {} }

process.stdout.write('start\n')
sync({
  root,
  provider: 'openai',
  apiKey: 'sk-crash-test',
  baseURL: process.env.CRASH_BASE_URL,
  metadata: store,
  concurrency: Number(process.env.CRASH_CONCURRENCY ?? 4),
  logger: quiet,
}).then(
  result => {
    process.stdout.write(
      `done ${JSON.stringify({ added: result.added.length, updated: result.updated.length, deleted: result.deleted.length, failed: result.failed })}\n`,
    )
  },
  error => {
    process.stdout.write(`error ${(error as Error).message}\n`)
    process.exitCode = 1
  },
)
