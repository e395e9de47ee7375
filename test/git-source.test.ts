import { createHash, randomBytes } from 'node:crypto'
import { symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UsageError } from '../src/lib/errors'
import { listFilesAtRef } from '../src/core/scan/git-source'
import { commit, createSandbox, git, isolateGitEnv, snapshot, write, type Sandbox } from './helpers/git'

afterAll(isolateGitEnv())

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex')

let sandbox: Sandbox
let repo: string
/** Binary content with newlines and git's reply separator inside, larger than a pipe's chunk. */
const big = Buffer.concat([randomBytes(300_000), Buffer.from('\n1234 blob 99\n'), randomBytes(300_000)])
const many = Array.from({ length: 40 }, (_, i) => `note ${i}\n`.repeat(i + 1))

beforeAll(() => {
  sandbox = createSandbox()
  repo = sandbox.init('repo')
  write(repo, 'docs/a.md', 'old a\n')
  write(repo, 'docs/b.txt', 'b\n')
  write(repo, 'docs/.hidden.md', 'hidden\n')
  write(repo, 'docs/drafts/wip.md', 'wip\n')
  write(repo, 'docs/img/big.bin', big)
  many.forEach((text, i) => write(repo, `docs/notes/n${i}.md`, text))
  write(repo, 'docs/same.md', 'old a\n') // same blob as a.md
  write(repo, 'other/c.md', 'c\n')
  symlinkSync('a.md', join(repo, 'docs/link.md'))
  git(repo, ['add', '.'])
  commit(repo, 'v1')
  git(repo, ['tag', 'v1'])
  write(repo, 'docs/a.md', 'new a\n')
  write(repo, 'docs/added.md', 'added\n')
  git(repo, ['add', '.'])
  commit(repo, 'v2')
  // The work tree holds other, uncommitted content.
  write(repo, 'docs/a.md', 'work tree a\n')
  write(repo, 'docs/untracked.md', 'untracked\n')
  git(repo, ['add', 'docs/untracked.md'])
})

afterAll(() => sandbox.cleanup())

describe('listFilesAtRef', () => {
  it('lists the files of an older commit with their content and hashes, leaving the work tree alone', async () => {
    const before = snapshot(repo)
    const files = await listFilesAtRef(join(repo, 'docs'), 'HEAD~1', {
      include: ['**/*.md', '**/*.bin'],
      exclude: ['drafts'],
    })
    expect(files.map(f => f.path).sort()).toEqual(
      ['a.md', 'img/big.bin', ...many.map((_, i) => `notes/n${i}.md`), 'same.md'].sort(),
    )

    const a = files.find(f => f.path === 'a.md')!
    expect(a.size).toBe(6)
    expect(a.sha256).toBe(sha256('old a\n'))
    expect((await a.read()).toString()).toBe('old a\n')
    expect(files.find(f => f.path === 'same.md')!.sha256).toBe(a.sha256)

    const bin = files.find(f => f.path === 'img/big.bin')!
    expect(bin.size).toBe(big.length)
    expect(bin.sha256).toBe(sha256(big))
    expect((await bin.read()).equals(big)).toBe(true)

    // Many reads at once are answered in order by the one process.
    const notes = files.filter(f => f.path.startsWith('notes/'))
    const contents = await Promise.all(notes.map(f => f.read()))
    notes.forEach((f, i) => {
      const n = Number(/n(\d+)\.md$/.exec(f.path)![1])
      expect(contents[i]!.toString()).toBe(many[n])
      expect(f.sha256).toBe(sha256(many[n]!))
    })
    expect(snapshot(repo)).toEqual(before)
  })

  it('reads tags and the whole repository from its top, skipping links', async () => {
    const files = await listFilesAtRef(repo, 'v1', { include: '**/*.md' })
    const paths = files.map(f => f.path)
    expect(paths).toContain('docs/a.md')
    expect(paths).toContain('other/c.md')
    expect(paths).not.toContain('docs/link.md')
    expect(paths).not.toContain('docs/.hidden.md') // `dot` is off, as in fast-glob
    expect(paths).not.toContain('docs/added.md')
    const dotted = await listFilesAtRef(repo, 'v1', { include: '**/*.md', dot: true })
    expect(dotted.map(f => f.path)).toContain('docs/.hidden.md')
  })

  it('lists everything without globs, and nothing under a folder the ref lacks', async () => {
    const files = await listFilesAtRef(join(repo, 'docs'), 'HEAD')
    expect(files.find(f => f.path === 'a.md')!.sha256).toBe(sha256('new a\n'))
    expect(files.map(f => f.path)).toContain('b.txt')
    expect(files.map(f => f.path)).not.toContain('untracked.md')
    write(repo, 'fresh/x.md', 'x\n')
    expect(await listFilesAtRef(join(repo, 'fresh'), 'HEAD')).toEqual([])
  })

  it('names an unknown ref in a UsageError', async () => {
    const error = await listFilesAtRef(repo, 'no-such-branch').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as Error).message).toContain('"no-such-branch"')
    await expect(listFilesAtRef(repo, '--output=x')).rejects.toBeInstanceOf(UsageError)
  })
})
