import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseState, writeStateFile } from '../json'
import { StateError, type SyncState } from '../types'
import { resolveName } from '../../git/exec'
import { encodeKey, STATE_FILE } from './key'
import {
  readBlobText,
  readTree,
  RefMovedError,
  updateRef,
  withEntry,
  writeBlobFrom,
  writeCommit,
  writeTree,
  type TreeEntry,
} from './objects'
import type { Session } from './session'

const MAX_LOCAL_RETRIES = 5

export interface BranchWriterOptions {
  cwd: string
  key: string
  branch: string
  localRef: string
  /** Resolves once the branch may be written (see checkWritable); rejects with the reason. */
  writable: () => Promise<void>
  /** The commit identity's environment (the repository's user, else the default author). */
  identityEnv: () => Promise<Record<string, string>>
  /** A folder of ours in the git directory, for the state's text on its way into a blob. */
  scratchDir: () => Promise<string>
}

let scratchFiles = 0

/**
 * Writes one key's state to the local branch: a commit on the session's base whose tree is the
 * base's with this key's file replaced, the ref moved with a compare-and-swap.
 */
export class BranchWriter {
  private readonly dir: string
  private readonly path: string
  /** Every object this writer made (state blobs, trees, commits), for packing them at the end (objects.ts packObjects). */
  readonly created: string[] = []
  /** The trees of `base`, read once per base: commits only swap this key's file in them. */
  private trees?: { base?: string; root: TreeEntry[]; dir: TreeEntry[] }

  constructor(private readonly options: BranchWriterOptions) {
    this.dir = encodeKey(options.key)
    this.path = `${this.dir}/${STATE_FILE}`
  }

  blobAt(commit: string): Promise<string | undefined> {
    return resolveName(this.options.cwd, `${commit}:${this.path}`)
  }

  /**
   * The state as a blob; its id is the text's identity. The text is written to a file first, in
   * one synchronous pass (json.ts writeStateFile: one moment's state, never one large string),
   * and git reads it from there.
   */
  async writeState(state: SyncState): Promise<string> {
    const dir = await this.options.scratchDir()
    const file = join(dir, `state-${process.pid}-${++scratchFiles}.json`)
    try {
      mkdirSync(dir, { recursive: true })
      writeStateFile(state, file)
      const blob = await writeBlobFrom(this.options.cwd, file)
      this.created.push(blob)
      return blob
    } finally {
      rmSync(file, { force: true })
    }
  }

  /** Commits the state blob `blob` on the session's base and moves the local branch to it. */
  async commitLocal(session: Session, blob: string, message: string): Promise<void> {
    await this.options.writable()
    // A commit needs a subject, and so does the ref's log: a state written with none says what it is.
    message ||= `vectornator: state of ${this.options.key}`
    for (let attempt = 1; ; attempt++) {
      const commit = await this.commitOn(session.base, blob, message)
      try {
        await updateRef(this.options.cwd, this.options.localRef, commit, session.local, message.split('\n')[0]!)
        session.local = commit
        session.written = blob
        return
      } catch (error) {
        if (!(error instanceof RefMovedError) || attempt >= MAX_LOCAL_RETRIES) throw error
        await this.rebaseOnLocal(session)
      }
    }
  }

  /**
   * The local branch moved under this sync. The per-key lock means it was a sync of another key
   * on this machine: build on its commit, which kept this key's file as this sync left it.
   * Anything else changed this key's state behind the lock's back, and is not overwritten.
   */
  async rebaseOnLocal(session: Session): Promise<void> {
    const current = await resolveName(this.options.cwd, `${this.options.localRef}^{commit}`)
    const blob = current ? await this.blobAt(current) : undefined
    if (!current || (blob !== session.baseBlob && blob !== session.written)) {
      throw new StateError(
        `branch ${this.options.branch} was changed by another process while this sync was writing ${this.options.key}; run the sync again`,
      )
    }
    if (blob !== session.baseBlob && session.written) {
      session.baseBlob = blob
      session.baseState = parseState(
        await readBlobText(this.options.cwd, blob!),
        `${this.options.localRef}:${this.path}`,
      )
    }
    session.base = current
    session.local = current
    session.rebased = true
  }

  /** A commit on `base` whose tree is `base`'s with this key's file replaced (other keys kept). */
  async commitOn(base: string | undefined, blob: string, message: string): Promise<string> {
    message ||= `vectornator: state of ${this.options.key}`
    if (!this.trees || this.trees.base !== base) {
      const root = base ? await readTree(this.options.cwd, base) : []
      const entry = root.find(e => e.name === this.dir && e.type === 'tree')
      this.trees = { base, root, dir: entry ? await readTree(this.options.cwd, entry.oid) : [] }
    }
    const dir = await writeTree(
      this.options.cwd,
      withEntry(this.trees.dir, { mode: '100644', type: 'blob', oid: blob, name: STATE_FILE }),
    )
    const root = await writeTree(
      this.options.cwd,
      withEntry(this.trees.root, { mode: '040000', type: 'tree', oid: dir, name: this.dir }),
    )
    const trailer = `Vectornator-Key: ${this.options.key.replace(/\s+/g, ' ')}`
    // Trailers go together in the last paragraph, where `git interpret-trailers` finds them.
    const body = /\n\n[\w-]+: [^\n]+$/.test(message) ? `${message}\n${trailer}` : `${message}\n\n${trailer}`
    const commit = await writeCommit(this.options.cwd, root, base, body, await this.options.identityEnv())
    this.created.push(dir, root, commit)
    return commit
  }
}
