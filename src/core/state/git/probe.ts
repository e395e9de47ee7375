import { resolve } from 'node:path'
import { git, gitErrorLine } from '../../git/exec'

export interface Probe {
  inside: boolean
  top?: string
  commonDir?: string
  shallow?: boolean
  /** `git config --list -z` entries (`key\nvalue`; keys lower-cased but for subsections). */
  config?: string[]
  /** git's message when it found no work tree. */
  error?: string
}

const probes = new Map<string, Promise<Probe>>()

/**
 * Everything a sync asks git about the repository around `cwd`, in two processes run at once
 * (a no-op sync in a repository spends most of its time starting git): where the work tree and
 * the git directory are, whether the clone is shallow, and the config (remote, identity). Kept
 * per folder for the process's life: none of it changes under a running sync.
 */
export function probe(cwd: string): Promise<Probe> {
  const key = resolve(cwd)
  let found = probes.get(key)
  if (!found) {
    const config = git(cwd, ['config', '--list', '-z']).then(
      text => text.split('\0'),
      () => [],
    )
    found = git(cwd, [
      'rev-parse',
      '--is-inside-work-tree',
      '--show-toplevel',
      '--git-common-dir',
      '--is-shallow-repository',
    ]).then(
      async (out): Promise<Probe> => {
        const [inside, top, commonDir = '.git', shallow] = out.trim().split('\n')
        if (inside !== 'true' || !top) return { inside: false }
        return {
          inside: true,
          top,
          commonDir: resolve(cwd, commonDir),
          shallow: shallow === 'true',
          config: await config,
        }
      },
      (error: unknown) => ({ inside: false, error: gitErrorLine(error) }),
    )
    probes.set(key, found)
    // A failed probe (no repository yet) is asked again next time: `git init` may come between.
    void found.then(p => {
      if (!p.inside) probes.delete(key)
    })
  }
  return found
}
