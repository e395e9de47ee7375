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
   * The blob this sync's state was loaded from (or, after a race, the one it was re-planned
   * against). States are compared by their blob ids, never by text: at 100,000 documents each
   * copy of the state is tens of MB.
   */
  loadedBlob?: string
  /** The blob of the last state this sync committed. */
  written?: string
  /** Another writer's commit became `base` during the sync. */
  rebased: boolean
  /** The state was loaded from a killed sync's checkpoint file, which the branch does not hold yet. */
  resumed?: boolean
  /** The local branch holds commits the remote lacks. */
  unpushed: boolean
}
