import { isSecretPath, type LocalFile, scan, type ScanResult } from './scan'
import type { ResolvedOptions } from '../options/options'
import { UsageError } from '../../lib/errors'
import { credentialByName } from './secrets'
import { globEngine, matcher } from './globs'

/** The paths `allowSecrets` lets through although they are or hold credentials. */
export async function secretAllowance(
  options: Pick<ResolvedOptions, 'allowSecrets'>,
): Promise<(path: string) => boolean> {
  if (options.allowSecrets.length === 0) return () => false
  return matcher(options.allowSecrets, await globEngine(options.allowSecrets))
}

/**
 * The documents to sync: the work tree under the root (the default), or the tree of a git ref
 * (`--ref v2.0`, a rollback), read from git's objects and never from or into the work tree.
 */
export async function readDocuments(
  options: ResolvedOptions,
  maxFileBytes: number,
  cache?: Parameters<typeof scan>[0]['cache'],
): Promise<ScanResult & { commit?: string }> {
  if (!options.ref) {
    return scan({
      root: options.root,
      include: options.include,
      exclude: options.exclude,
      gitignore: options.gitignore,
      dot: options.dot,
      maxFileBytes,
      cache,
      allowSecret: await secretAllowance(options),
    })
  }
  const { listFilesAtRef } = await import('./git-source')
  const { resolveName } = await import('../git/exec')
  const commit = await resolveName(options.root, `${options.ref}^{commit}`)
  if (!commit)
    throw new UsageError(
      `unknown git ref "${options.ref}": no commit, branch or tag has that name in the repository of ${options.root}`,
    )
  const listed = await listFilesAtRef(options.root, commit, {
    include: options.include,
    exclude: options.exclude,
    dot: options.dot,
  })
  const files: LocalFile[] = []
  const skipped: ScanResult['skipped'] = []
  const allowSecret = await secretAllowance(options)
  for (const f of listed) {
    if (isSecretPath(f.path)) continue
    const credential = credentialByName(f.path) ?? f.secret
    if (credential && !allowSecret(f.path)) {
      skipped.push({
        path: f.path,
        reason: `${credential}: credentials are never uploaded (allowSecrets lets a path through)`,
      })
      continue
    }
    if (f.unreadable) {
      skipped.push({ path: f.path, reason: f.unreadable })
      continue
    }
    if (f.size === 0) {
      skipped.push({ path: f.path, reason: 'empty' })
      continue
    }
    if (f.size > maxFileBytes) {
      skipped.push({ path: f.path, reason: `larger than the store's limit (${f.size} > ${maxFileBytes} bytes)` })
      continue
    }
    files.push({ path: f.path, absPath: '', size: f.size, mtimeMs: 0, sha256: f.sha256, read: () => f.read() })
  }
  return { files, skipped, commit }
}

/**
 * The commit the work tree's documents come from (HEAD), and whether the root holds changes not
 * committed there; undefined outside a git repository. Recorded so a rollback can find them.
 */
export interface SourceCommit {
  commit: string
  /** The documents include changes not committed in `commit`. */
  dirty: boolean
}

export async function sourceCommitOf(root: string): Promise<SourceCommit | undefined> {
  const { git, resolveName } = await import('../git/exec')
  const commit = await resolveName(root, 'HEAD^{commit}').catch(() => undefined)
  if (!commit) return undefined
  // GIT_OPTIONAL_LOCKS=0: a plain status would refresh the user's index (it must stay as it was).
  const status = await git(root, ['status', '--porcelain', '--untracked-files=normal', '--', '.'], {
    env: { GIT_OPTIONAL_LOCKS: '0' },
  }).catch(() => '')
  return { commit, dirty: status.trim() !== '' }
}

/**
 * How commit `ours` stands to `theirs`: `ancestor` when ours is an ancestor of theirs (theirs is
 * newer), `descendant` when theirs is an ancestor of ours, else `unrelated`. A commit this clone
 * lacks is fetched from `remote` first; in a shallow clone whose history stops short of the
 * common commit the answer is `unrelated`.
 */
export async function commitRelation(
  root: string,
  ours: string,
  theirs: string,
  remote = 'origin',
): Promise<'same' | 'ancestor' | 'descendant' | 'unrelated'> {
  if (ours === theirs) return 'same'
  const { git, resolveName } = await import('../git/exec')
  for (const commit of [ours, theirs]) {
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return 'unrelated'
    if (await resolveName(root, `${commit}^{commit}`).catch(() => undefined)) continue
    await git(
      root,
      [
        'fetch',
        '--no-tags',
        '--no-write-fetch-head',
        '--no-recurse-submodules',
        '--no-auto-maintenance',
        remote,
        commit,
      ],
      { env: { GIT_TERMINAL_PROMPT: '0' } },
    ).catch(() => '')
  }
  const base = (await git(root, ['merge-base', ours, theirs]).catch(() => '')).trim()
  if (base === ours) return 'ancestor'
  if (base === theirs) return 'descendant'
  return 'unrelated'
}
