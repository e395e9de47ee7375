import type { Attributes } from '../../providers/types'
import type { StatCache } from '../scan/stat'
import type { AttributeRule } from '../scan/rules'

/**
 * The sync state: the seed's metadata JSON, unchanged in shape, with optional fields added
 * after it (they are ignored by anything that reads only the seed's fields).
 */
export interface SyncState {
  /** Format version of this JSON, `1.0.0`. */
  version: string
  /** ISO time of the last completed sync; empty before the first. */
  lastSync: string
  storeId: string
  files: Record<string, FileState>

  /** Provider the store belongs to (`openai`, `postgres`, ...). */
  provider?: string
  /** Fingerprint of the settings that shape what is stored (see core/fingerprint). */
  fingerprint?: string
  /** The settings the fingerprint was computed from, so a plan can say what changed. */
  settings?: Record<string, unknown>
  /**
   * Remote mutations that were started and not yet settled. Written before each mutation and
   * cleared after it, so a run that was killed can be completed by the next one.
   */
  journal?: JournalEntry[]
  /** The source commit the documents were read from, when known. */
  sourceCommit?: string
  /** The documents were read from a work tree with changes not committed in `sourceCommit`. */
  sourceDirty?: boolean
  /** What the last build used to shape its documents (core/run/build-record.ts). */
  build?: BuildRecord
}

/**
 * The settings a build (bundler plugin, docs framework) synced with, for a run that has no build
 * of its own: the globs, the base, the version and locale rules, and what only the framework
 * knows (page routes, rendered pages' sources, emitted files, the site's title).
 */
export interface BuildRecord {
  include: string[]
  exclude: string[]
  dot: boolean
  baseUrl?: string
  version?: AttributeRule
  locale?: AttributeRule
  routePrefixes?: string[]
  routes?: Record<string, string>
  sources?: Record<string, string>
  /** Root-relative paths of the emitted files it synced. */
  emitted?: string[]
  site?: { title?: string; description?: string }
}

export interface FileState {
  fileId: string
  /** `sha256:<hex>` of the content. */
  hash: string
  uploadedAt: string
  /** Incremented on each content update of this path. */
  version: number
  metadata: {
    path: string
    size: number
    lastModified: string
  }
  /** The attributes stored with the document (no file content). */
  attributes?: Attributes
}

export type JournalEntry =
  | { op: 'upload'; path: string; hash: string; at: string; fileId?: string; replaces?: string }
  | { op: 'delete'; path: string; fileId: string; at: string }

export const STATE_VERSION = '1.0.0'

/**
 * Subject of the commit that follows a sync once what it replaced is removed from the store:
 * bookkeeping of that sync, not a sync of its own, so history leaves it out.
 */
export const CLEANUP_SUBJECT = 'vectornator: removed '

export function emptyState(storeId = ''): SyncState {
  return { version: STATE_VERSION, lastSync: '', storeId, files: {} }
}

/** Where and how the sync state is kept. Implementations: file.ts, git-branch.ts. */
export interface StateStore {
  readonly kind: string
  /** Human description for messages, e.g. `.vectornator/metadata.json` or `branch vectornator-metadata (docs)`. */
  readonly location: string

  /**
   * Prepares for a sync: fetches the remote copy when there is one (the caller holds the lock).
   * Resolves to the stored state, or undefined when there is none yet.
   * Rejects with a StateError when the stored state is corrupt (never silently replaced).
   */
  load(): Promise<SyncState | undefined>

  /** Checkpoint during a sync: durable on this machine, cheap, atomic. */
  save(state: SyncState): Promise<void>

  /**
   * Ends a sync: records the final state (a commit on a branch, pushed when configured).
   * When another sync of this state published meanwhile, `resolve` decides (see FinishOptions).
   */
  finish(state: SyncState, options: FinishOptions): Promise<void>

  /** Releases anything held. Safe to call twice. */
  close(): Promise<void>

  /**
   * The lock file that keeps two runs over this state on this machine apart (see state/lock.ts);
   * default: one per root and location, in the temp folder.
   */
  lockFile?(): Promise<string>

  /**
   * Optional, with `loadedIdentity`: lets a sync that would change nothing skip reading the state.
   * Does what load() does before reading (fetches) and resolves to the content
   * identity of the state load() would return; undefined when there is no state, or when ending
   * even an unchanged sync needs it (a branch with commits still to push). load() may follow.
   * `known`: hashes of files by their stat, for a store that would otherwise read and hash one.
   */
  storedIdentity?(known?: StatCache): Promise<string | undefined>

  /**
   * Content identity (a hash of the stored text, a git blob id) of the state last loaded, or last
   * passed to finish() when the store now holds exactly that one; undefined when unknown.
   */
  loadedIdentity?(): string | undefined
}

export interface FinishOptions {
  /** One-line summary used as the commit message. */
  message: string
  /** False when nothing changed: no commit is made and nothing is pushed. */
  changed: boolean
  /**
   * Called when another sync of the same state published first (the remote moved under this
   * one). Resolves to the state to publish on top of theirs, re-planned against it, or undefined
   * to keep theirs as it is; may save checkpoints meanwhile. Without it such a race is a
   * StateError: two states are never merged path by path, since the mixture would describe no
   * tree at all.
   */
  resolve?: (theirs: SyncState) => Promise<{ state: SyncState; message: string } | undefined>
}

export class StateError extends Error {
  override name = 'StateError'
}

/**
 * The state is saved where this machine keeps it, but could not be published to where others read
 * it (a read-only token, a remote that refuses pushes). The sync itself is done: the caller warns
 * and keeps everything the published state still names.
 */
export class UnpublishedError extends StateError {
  override name = 'UnpublishedError'
}
