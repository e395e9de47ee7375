import type { ResolvedOptions } from '../options/options'
import type { Logger } from '../../lib/logger'
import type { StateStore } from './types'
import { createFileStore } from './file'
import { probe } from './git/probe'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

export * from './types'

/**
 * Where a project's state lives, as its options and the folder it is in decide: the one answer
 * for a sync (resolveStateStore) and for what a face shows of the project (core/project.ts).
 */
export type StateLocation =
  | { kind: 'git-branch'; branch: string; remote: string; push: boolean; key: string }
  | {
      kind: 'file'
      path: string
      /** Why the state is in a file although no file was asked for. */
      because?: 'local store' | 'not a git repository'
    }
  /** A state store object given in the options. */
  | { kind: 'custom' }

/** Finds where the state lives: for a branch, git is asked (the code is loaded only then). */
export async function locateState(options: ResolvedOptions): Promise<StateLocation> {
  const meta = options.metadata
  if ('load' in meta) return { kind: 'custom' }
  if (meta.type === 'file') return { kind: 'file', path: meta.path }
  // A store on this machine: its state stays beside it. In the shared branch it would name a
  // store no other clone has, and each clone would replace the others' state with its own.
  if (meta.type === 'auto' && options.localStore) return { kind: 'file', path: meta.path, because: 'local store' }
  // git starts at once, and answers while the branch code loads.
  probe(options.root).catch(() => {})
  const git = await import('./git-branch')
  if (!(await git.isGitRepo(options.root))) {
    if (meta.type === 'git-branch')
      throw new (await import('../../lib/errors')).UsageError(
        `${options.root} is not inside a git repository: run \`git init\`, or use --metadata file`,
      )
    return { kind: 'file', path: meta.path, because: 'not a git repository' }
  }
  const top = await git.gitTopLevel(options.root)
  return {
    kind: 'git-branch',
    branch: meta.branch,
    remote: meta.remote,
    push: meta.push,
    key: meta.key ?? git.defaultStateKey(options.root, top, options.providerName),
  }
}

/** Where this sync's state lives (see locateState), opened. */
export async function resolveStateStore(options: ResolvedOptions, logger: Logger): Promise<StateStore> {
  const where = await locateState(options)
  if (where.kind === 'custom') return options.metadata as StateStore
  if (where.kind === 'file') {
    const store = createFileStore({ path: where.path, root: options.root })
    if (where.because === 'local store') keepOutOfGit(dirname(where.path))
    if (where.because === 'not a git repository')
      logger.info(`not a git repository: keeping the sync state in ${store.location}`)
    return store
  }
  const { createGitBranchStore } = await import('./git-branch')
  return createGitBranchStore({
    cwd: options.root,
    branch: where.branch,
    remote: where.remote,
    push: where.push,
    key: where.key,
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
