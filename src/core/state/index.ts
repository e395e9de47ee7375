import type { ResolvedOptions } from '../options/options'
import type { Logger } from '../../lib/logger'
import type { StateStore } from './types'
import { createFileStore } from './file'
import { probe } from './git/probe'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

export * from './types'

/**
 * Where this sync's state lives: the options' own store object, the file, or (the default inside
 * a git repository) the metadata branch. Git code is loaded only when the branch is used.
 */
export async function resolveStateStore(options: ResolvedOptions, logger: Logger): Promise<StateStore> {
  const meta = options.metadata
  if ('load' in meta) return meta
  if (meta.type === 'file') return createFileStore({ path: meta.path, root: options.root })
  // A store on this machine: its state stays beside it. In the shared branch it would name a
  // store no other clone has, and each clone would replace the others' state with its own.
  if (meta.type === 'auto' && options.localStore) {
    keepOutOfGit(dirname(meta.path))
    return createFileStore({ path: meta.path, root: options.root })
  }
  // git starts at once, and answers while the branch code loads.
  probe(options.root).catch(() => {})
  const git = await import('./git-branch')
  const inRepo = await git.isGitRepo(options.root)
  if (!inRepo) {
    if (meta.type === 'git-branch')
      throw new (await import('../../lib/errors')).UsageError(
        `${options.root} is not inside a git repository: run \`git init\`, or use --metadata file`,
      )
    logger.info(
      `not a git repository: keeping the sync state in ${createFileStore({ path: meta.path, root: options.root }).location}`,
    )
    return createFileStore({ path: meta.path, root: options.root })
  }
  const top = await git.gitTopLevel(options.root)
  return git.createGitBranchStore({
    cwd: options.root,
    branch: meta.branch,
    remote: meta.remote,
    push: meta.push,
    key: meta.key ?? git.defaultStateKey(options.root, top, options.providerName),
    logger,
  })
}

/**
 * Makes `dir` (the embedded store and its state) invisible to git, as tool caches do: a
 * `.gitignore` of `*` inside it, so nothing there is committed even without `vectornator init`.
 */
function keepOutOfGit(dir: string): void {
  const file = `${dir}/.gitignore`
  if (existsSync(file)) return
  try {
    mkdirSync(dir, { recursive: true })
    writeFileSync(file, '# The embedded store and its sync state live on this machine only.\n*\n', { flag: 'wx' })
  } catch {}
}
