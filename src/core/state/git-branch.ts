import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../../lib/errors'
import { silentLogger, type Logger } from '../../lib/logger'
import { StateError, UnpublishedError, type FinishOptions, type StateStore, type SyncState } from './types'
import { CoalescingWriter } from './git/coalesce'
import { historyOf, stateAt, type StateCommit } from './git/history'
import { publish, type BranchHandle } from './git/publish'
import type { Session } from './git/session'
import { gitErrorLine, resolveName, resolveNames } from '../git/exec'
import { parseState } from './json'
import { encodeKey, STATE_FILE } from './git/key'
import { packObjects, readBlobText, RefMovedError, updateRef } from './git/objects'
import { BranchWriter } from './git/writer'
import { CheckpointFile } from './git/checkpoint'
import { fetchBranch, pickNewer } from './git/remote'
import { checkBranchAndRemote, checkWritable, inspectRepo, type RepoInfo } from './git/repo'

export { defaultStateKey, encodeKey } from './git/key'
export { DEFAULT_AUTHOR, gitTopLevel, isGitRepo } from './git/repo'

export const DEFAULT_BRANCH = 'vectornator-metadata'
export const DEFAULT_REMOTE = 'origin'
export { MAX_PUSH_ATTEMPTS } from './git/publish'

export interface GitBranchStoreOptions {
  /** The sync root; any folder inside the work tree. */
  cwd: string
  /** This project's key inside the branch (see `defaultStateKey`). */
  key: string
  /** Default `vectornator-metadata`. */
  branch?: string
  /** Default `origin`; when the repository has no such remote, the branch stays local. */
  remote?: string
  /** Push the branch at the end of a sync, default true. */
  push?: boolean
  /** Commit identity; default the repository's user.name/email, else `vectornator <vectornator@users.noreply.github.com>`. */
  author?: { name: string; email: string }
  logger?: Logger
}

export type { StateCommit } from './git/history'

export interface GitBranchStore extends StateStore {
  readonly kind: 'git-branch'
  readonly branch: string
  readonly key: string
  /** This key's commits, newest first (local branch or remote copy, whichever is newer; no fetch). */
  history(limit?: number): Promise<StateCommit[]>
  /** This key's state as of a commit; undefined when the key had none there. */
  readAt(commitish: string): Promise<SyncState | undefined>
}

/**
 * The sync state as one JSON file per key (`<encoded key>/metadata.json`) in a branch of the
 * repository, written with plumbing only: the user's HEAD, index, work tree, stash and config are
 * never read for writing nor changed.
 *
 * A sync ends as one commit whose parent is the commit it started from, the local branch moved
 * with a compare-and-swap. Its checkpoints go to a file in the git directory (git/checkpoint.ts),
 * not into the branch; a sync killed before its end leaves its last one there, and the next load
 * starts from it while the branch still holds the state it was built on.
 */
export function createGitBranchStore(options: GitBranchStoreOptions): GitBranchStore {
  return new GitBranchStateStore(options)
}

class GitBranchStateStore implements GitBranchStore {
  readonly kind = 'git-branch' as const
  readonly location: string
  readonly branch: string
  readonly key: string
  private readonly cwd: string
  private readonly remoteName: string
  private readonly push: boolean
  private readonly author?: { name: string; email: string }
  private readonly logger: Logger
  private readonly dir: string
  private readonly path: string
  private readonly localRef: string
  private readonly trackingRef: string
  private repo?: Promise<RepoInfo>
  private checked?: Promise<void>
  private session?: Session
  private loading?: Promise<void>
  /** The session storedIdentity() began, which the next load() reads. */
  private identified?: Session
  /** Identity of the state the last finish() left on the branch (see loadedIdentity()). */
  private finished?: string
  private readonly writer: BranchWriter
  private readonly checkpoints = new CoalescingWriter<SyncState>(state => this.checkpoint(state))
  private readonly saved: CheckpointFile

  constructor(options: GitBranchStoreOptions) {
    if (!options.cwd) throw new UsageError('the git-branch state needs a cwd')
    this.cwd = options.cwd
    this.key = options.key
    this.dir = encodeKey(options.key)
    this.path = `${this.dir}/${STATE_FILE}`
    this.branch = options.branch ?? DEFAULT_BRANCH
    this.remoteName = options.remote ?? DEFAULT_REMOTE
    this.push = options.push ?? true
    this.author = options.author
    this.logger = options.logger ?? silentLogger
    checkBranchAndRemote(this.branch, this.remoteName)
    this.localRef = `refs/heads/${this.branch}`
    this.trackingRef = `refs/remotes/${this.remoteName}/${this.branch}`
    this.location = `branch ${this.branch} (${this.key})`
    this.writer = new BranchWriter({
      cwd: this.cwd,
      key: this.key,
      branch: this.branch,
      localRef: this.localRef,
      writable: () => this.writable(),
      identityEnv: async () => (await this.info()).identityEnv,
      scratchDir: async () => join((await this.info()).commonDir, 'vectornator'),
    })
    this.saved = new CheckpointFile(async () =>
      join((await this.info()).commonDir, 'vectornator', 'checkpoints', encodeKey(this.branch), this.dir),
    )
  }

  /**
   * In the repository's common git directory, so every worktree and clone folder of one
   * repository that syncs this key waits for the others (the branch ref is shared by them all).
   */
  async lockFile(): Promise<string> {
    const repo = await this.info()
    return join(repo.commonDir, 'vectornator', 'locks', encodeKey(this.branch), `${this.dir}.lock`)
  }

  private info(): Promise<RepoInfo> {
    this.repo ??= inspectRepo(this.cwd, { branch: this.branch, remote: this.remoteName, author: this.author })
    return this.repo
  }

  /** Before the state is read to be worked on, and before any write (see checkWritable). */
  private writable(): Promise<void> {
    this.checked ??= checkWritable(this.cwd, this.branch)
    return this.checked
  }

  /** Lock, fetch, and the commit and blob this sync starts from; the state itself is not read. */
  private async begin(): Promise<Session> {
    const repo = await this.info()
    let remoteTip: string | undefined
    if (repo.remote) {
      try {
        remoteTip = await fetchBranch(this.cwd, repo.remote, this.branch, repo.shallow)
        this.logger.debug(`fetched ${this.branch} from ${repo.remote}: ${remoteTip ?? 'none'}`)
      } catch (error) {
        // A git too old for the options used fails here first: say that, not the fetch.
        await this.writable()
        const what = `could not fetch branch ${this.branch} from ${repo.remote}: ${gitErrorLine(error)}`
        // Starting from a stale state would redo work the remote already records, then fail to push.
        if (this.push) throw new StateError(`${what}; check access to the remote or set metadata.push to false`)
        this.logger.warn(`${what}; using the local branch`)
      }
    }
    // The local tip and its state blob in one process: the blob is the one wanted whenever the
    // sync starts from the local branch (always, without a remote).
    const [local, localBlob] = await resolveNames(this.cwd, [
      `${this.localRef}^{commit}`,
      `${this.localRef}:${this.path}`,
    ])
    const { tip, unrelated } = await pickNewer(this.cwd, local, remoteTip)
    if (unrelated && !repo.shallow) {
      this.logger.warn(
        `local branch ${this.branch} shares no history with ${repo.remote}'s; starting from ${repo.remote}'s`,
      )
    }
    // Set before reading: after a corrupt-state error the caller may rebuild and save over it.
    const session: Session = {
      base: tip,
      local,
      localAtLoad: local,
      rebased: false,
      unpushed: Boolean(repo.remote && tip && tip === local && local !== remoteTip),
    }
    this.session = session
    this.finished = undefined
    if (tip) session.baseBlob = tip === local ? localBlob : await this.writer.blobAt(tip)
    return session
  }

  async load(): Promise<SyncState | undefined> {
    // After storedIdentity(), the session it began is read; otherwise a new one begins.
    const writable = this.writable()
    writable.catch(() => {})
    const session = this.identified ?? (await this.begin())
    this.identified = undefined
    await writable
    const resumed = await this.resumable(session)
    if (!session.baseBlob && !resumed) return undefined
    const text = resumed ? readFileSync(resumed, 'utf8') : await readBlobText(this.cwd, session.baseBlob!)
    session.loadedBlob = session.baseBlob
    session.resumed = Boolean(resumed)
    session.baseState = parseState(
      text,
      resumed ?? `${session.base === session.local ? this.localRef : this.trackingRef}:${this.path}`,
    )
    return session.baseState
  }

  /** The file of a killed sync's last checkpoint, when it was built on the state the branch still holds. */
  private async resumable(session: Session): Promise<string | undefined> {
    const found = await this.saved.find()
    return found && found.baseBlob === session.baseBlob ? found.file : undefined
  }

  async storedIdentity(): Promise<string | undefined> {
    const session = await this.begin()
    this.identified = session
    const repo = await this.info()
    // Commits waiting to be pushed: even a sync that changes nothing publishes them.
    if (this.push && repo.remote && session.unpushed) return undefined
    // A killed sync's checkpoint to resume from: not the state the branch holds.
    if (await this.resumable(session)) return undefined
    return session.baseBlob
  }

  loadedIdentity(): string | undefined {
    return this.session ? (this.session.written ?? this.session.baseBlob) : this.finished
  }

  /** The session, loading first when the caller did not; a failed implicit load is not kept. */
  private async current(): Promise<Session> {
    if (!this.session) {
      // Shared, so saves issued together before any load take the lock once.
      this.loading ??= this.load()
        .then(
          () => undefined,
          (error: unknown) => {
            this.session = undefined
            throw error
          },
        )
        .finally(() => {
          this.loading = undefined
        })
      await this.loading
    }
    return this.session!
  }

  async save(state: SyncState): Promise<void> {
    await this.current()
    return this.checkpoints.push(state)
  }

  /**
   * Serialised when the write starts, not when it was asked for: saves queued behind a running
   * write fold into one, and text made for each of them (the whole state, tens of MB at 100,000
   * documents) would be thrown away. The engine's object at any await is a state it may be
   * stopped in, so the newer text is as good a checkpoint, and at least as new as each caller's.
   */
  private async checkpoint(state: SyncState): Promise<void> {
    const session = await this.current()
    await this.writable()
    await this.saved.save(state, session.baseBlob)
  }

  async finish(state: SyncState, options: FinishOptions): Promise<void> {
    const session = await this.current()
    await this.checkpoints.idle()
    const repo = await this.info()
    const blob = await this.writer.writeState(state)
    // Nothing changed and nothing was written: the branch keeps the state as it is, even when its
    // text differs from ours only in form (indented or reordered by hand, by another tool).
    // A state resumed from a killed sync's checkpoint is not on the branch yet, changed or not.
    const unchanged =
      !options.changed &&
      !session.resumed &&
      (blob === session.loadedBlob || (!session.written && session.loadedBlob !== undefined))
    if (unchanged && session.written && !session.rebased) {
      try {
        await updateRef(
          this.cwd,
          this.localRef,
          session.localAtLoad,
          session.local,
          'vectornator: sync changed nothing',
        )
        session.local = session.localAtLoad
        session.written = undefined
      } catch (error) {
        if (!(error instanceof RefMovedError)) throw error
        await this.writer.rebaseOnLocal(session)
        await this.writer.commitLocal(session, blob, options.message)
        session.unpushed = true
      }
    } else if (!unchanged || session.written) {
      await this.writer.commitLocal(session, blob, options.message)
      session.unpushed = true
    }
    // The local branch holds this state now: nothing to resume from.
    await this.saved.drop()
    session.resumed = false
    if (this.push && repo.remote && session.unpushed) await this.publish(session, repo.remote, options)
    // What the branch holds: this sync's last state, or the one another sync published.
    this.finished = session.written ?? session.baseBlob
    // A later save or finish of this sync (its removals recorded) builds on what it published;
    // the next load starts a new sync from whatever the branch then holds.
    if (session.written) {
      Object.assign(session, {
        base: session.local,
        baseBlob: session.written,
        loadedBlob: session.written,
        localAtLoad: session.local,
        written: undefined,
        rebased: false,
      })
      session.baseState = undefined
    }
  }

  private async publish(session: Session, remote: string, options: FinishOptions): Promise<void> {
    try {
      await publish(this.handle, session, remote, options)
    } catch (error) {
      if (!(error instanceof UnpublishedError)) throw error
      // What could not be published is not kept either: the local branch goes back to the
      // remote's, so no later sync on this machine acts on a state no one else can see (its
      // journal would remove documents the published state still names).
      const published = await resolveName(this.cwd, `${this.trackingRef}^{commit}`)
      if (published && session.local) {
        await updateRef(this.cwd, this.localRef, published, session.local, 'vectornator: state not published').catch(
          () => {},
        )
        Object.assign(session, { local: published, base: published, written: undefined, unpushed: false })
      }
      throw error
    }
    // Said once a sync (its cleanup pushes again): a push is a change others see.
    if (!this.pushed && session.written !== undefined) this.logger.info(`state pushed to ${remote}/${this.branch}`)
    this.pushed = true
  }
  private pushed = false

  /** What publishing needs of this store (git/publish.ts). */
  private get handle(): BranchHandle {
    return {
      cwd: this.cwd,
      branch: this.branch,
      key: this.key,
      path: this.path,
      localRef: this.localRef,
      trackingRef: this.trackingRef,
      logger: this.logger,
      blobAt: commit => this.writer.blobAt(commit),
      commitOn: (base, blob, message) => this.writer.commitOn(base, blob, message),
      writeState: state => this.writer.writeState(state),
      shallow: async () => (await this.info()).shallow,
      idle: () => this.checkpoints.idle(),
    }
  }

  async close(): Promise<void> {
    await this.checkpoints.idle()
    await this.pack()
    this.session = undefined
    this.identified = undefined
  }

  /** The objects this sync wrote, packed together: the repository grows by about one compressed state a sync. */
  private async pack(): Promise<void> {
    const oids = this.writer.created.splice(0)
    if (oids.length === 0) return
    try {
      await packObjects(this.cwd, join((await this.info()).commonDir, 'objects'), oids)
    } catch (error) {
      // Loose objects are as good, only larger: never a reason to fail a sync.
      this.logger.debug(`could not pack the state's objects: ${gitErrorLine(error)}`)
    }
  }

  async history(limit?: number): Promise<StateCommit[]> {
    const repo = await this.info()
    return historyOf(
      {
        cwd: this.cwd,
        key: this.key,
        path: this.path,
        localRef: this.localRef,
        trackingRef: this.trackingRef,
        remote: repo.remote,
        tip: this.session?.local,
      },
      limit,
    )
  }

  async readAt(commitish: string): Promise<SyncState | undefined> {
    await this.info()
    return stateAt(this.cwd, this.path, this.location, commitish)
  }
}
