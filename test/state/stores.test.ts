import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll } from 'vitest'
import { createFileStore } from '../../src/core/state/file'
import { createGitBranchStore, encodeKey } from '../../src/core/state/git-branch'
import { createSandbox, git, isolateGitEnv } from '../helpers/git'
import { describeStateStoreConformance } from './conformance'

afterAll(isolateGitEnv())

describeStateStoreConformance('file', () => {
  const root = mkdtempSync(join(tmpdir(), 'vn-state-file-'))
  const path = join(root, '.vectornator', 'metadata.json')
  return {
    root,
    open: () => createFileStore({ path, root }),
    writeRaw: text => {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, text)
    },
    readRaw: () => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  }
})

const KEY = 'docs-openai'
const REF = 'refs/heads/vectornator-metadata'

// A clone of a real bare remote: a finished state is pushed there, and read back by the next run.
describeStateStoreConformance('git branch, pushed to a bare remote', () => {
  const sandbox = createSandbox()
  const repo = sandbox.clone('work')
  const file = `${encodeKey(KEY)}/metadata.json`
  return {
    root: repo,
    open: () => createGitBranchStore({ cwd: repo, key: KEY }),
    writeRaw: text => {
      // A commit on the branch holding `text`, published as a sync would.
      const blob = git(repo, ['hash-object', '-w', '--stdin'], text).trim()
      const dir = git(repo, ['mktree'], `100644 blob ${blob}\tmetadata.json\n`).trim()
      const tree = git(repo, ['mktree'], `040000 tree ${dir}\t${encodeKey(KEY)}\n`).trim()
      const commit = git(repo, [
        '-c',
        'user.name=Test',
        '-c',
        'user.email=test@example.com',
        'commit-tree',
        tree,
        '-m',
        'written by hand',
      ]).trim()
      git(repo, ['update-ref', REF, commit])
      git(repo, ['push', '-q', 'origin', `${REF}:${REF}`])
    },
    readRaw: () => {
      try {
        return git(sandbox.remote, ['cat-file', 'blob', `${REF}:${file}`])
      } catch {
        return undefined
      }
    },
    cleanup: () => sandbox.cleanup(),
  }
})
