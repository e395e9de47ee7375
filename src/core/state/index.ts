import type { ResolvedOptions } from '../options/options'
import type { Logger } from '../../lib/logger'
import type { StateStore } from './types'
import { createFileStore } from './file'
import { probe } from './git/probe'

export * from './types'

/**
 * Where this sync's state lives: the options' own store object, the file, or (the default inside
 * a git repository) the metadata branch. Git code is loaded only when the branch is used.
 */
export async function resolveStateStore(options: ResolvedOptions, logger: Logger): Promise<StateStore> {
  const meta = options.metadata
  if ('load' in meta) return meta
  if (meta.type === 'file') return createFileStore({ path: meta.path, root: options.root })
  // git starts at once, and answers while the branch code loads.
  probe(options.root).catch(() => {})
  const git = await import('./git-branch')
  const inRepo = await git.isGitRepo(options.root)
  if (!inRepo) {
    if (meta.type === 'git-branch')
      throw new (await import('../../lib/errors')).UsageError(`${options.root} is not inside a git repository: run \`git init\`, or use --metadata file`)
    logger.info(`not a git repository: keeping the sync state in ${createFileStore({ path: meta.path, root: options.root }).location}`)
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
