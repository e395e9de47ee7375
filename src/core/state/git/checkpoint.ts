import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { writeStateFile } from '../json'
import type { SyncState } from '../types'

/** What a killed sync left: its last checkpoint, and this key's blob in the branch it was built on. */
export interface Checkpoint {
  file: string
  /** This key's blob in the commit the sync started from; undefined when the key had no state there. */
  baseBlob: string | undefined
}

const NONE = 'none'

/**
 * A sync's checkpoints, kept in the git directory (`vectornator/checkpoints/<branch>/<key>/`), not in
 * the branch: a checkpoint is the whole state, and a blob of it per checkpoint made a first sync of
 * 100,000 documents grow the repository by tens of times the state's size in objects that nothing
 * reaches (and the branch's reflog keeps them for 30 days). One file per key, replaced in one
 * rename; its name is the branch blob it was built on, so the next sync resumes from it only while
 * the branch still holds that state for the key. A sync that finishes removes it.
 */
export class CheckpointFile {
  constructor(private readonly dir: () => Promise<string>) {}

  async save(state: SyncState, baseBlob: string | undefined): Promise<void> {
    const dir = await this.dir()
    mkdirSync(dir, { recursive: true })
    const name = `${baseBlob ?? NONE}.json`
    const partial = join(dir, `.${name}.${process.pid}.partial`)
    try {
      writeStateFile(state, partial)
      renameSync(partial, join(dir, name))
    } finally {
      rmSync(partial, { force: true })
    }
    for (const other of readdirSync(dir)) if (other !== name && !other.endsWith('.partial')) rmSync(join(dir, other))
  }

  async find(): Promise<Checkpoint | undefined> {
    const dir = await this.dir()
    let names: string[]
    try {
      names = readdirSync(dir).filter(name => /^[0-9a-f]+\.json$|^none\.json$/.test(name))
    } catch {
      return undefined
    }
    const name = names[0]
    if (!name) return undefined
    const base = name.slice(0, -'.json'.length)
    return { file: join(dir, name), baseBlob: base === NONE ? undefined : base }
  }

  async drop(): Promise<void> {
    rmSync(await this.dir(), { recursive: true, force: true })
  }
}
