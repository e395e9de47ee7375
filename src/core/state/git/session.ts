import type { SyncState } from '../types'

/** What one sync (load, checkpoints, finish) knows of the branch. */
export interface Session {
  /** Parent of this sync's commit: the commit it started from, or the one it was rebased on. */
  base?: string
  /** This key's blob in `base`: the stored state that this sync's state already includes. */
  baseBlob?: string
  baseState?: SyncState
  /** What refs/heads/<branch> holds, as this sync last read or wrote it. */
  local?: string
  /** The local ref at load, put back when a sync that wrote checkpoints ends with no change. */
  localAtLoad?: string
  /**
   * The SHA-256 of `baseBlob`'s text (json.ts textIdentity). Texts are compared by it, never
   * kept: at 100,000 documents each copy of the state is tens of MB held for the whole sync.
   */
  loadedHash?: string
  /** The last state this sync committed, by its text's SHA-256 and its blob. */
  written?: { hash: string, blob: string }
  /** Another writer's commit became `base` during the sync. */
  rebased: boolean
  /** The local branch holds commits the remote lacks. */
  unpushed: boolean
}
