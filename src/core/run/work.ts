import pLimit from 'p-limit'
import type { VectorStoreProvider } from '../../providers/types'
import type { SyncFailure } from '../../types'
import type { FileState, SyncState } from '../state/types'
import { errorMessage } from '../../lib/errors'
import type { SyncContext } from './context'

export type FileOp = 'add' | 'update' | 'delete' | 'rename' | 'retag'

/** What one round of execution works on, besides the sync's context. */
export interface ExecuteRun {
  provider: VectorStoreProvider
  /** Mutated as work completes; checkpointed through `checkpoint`. */
  state: SyncState
  /** Asks for the state to be saved soon (coalesced). */
  checkpoint: () => void
  /** Saves the state now and waits for it (before remote mutations that must be journaled). */
  flush: () => Promise<void>
  onFile: (op: FileOp, path: string, error?: string) => void
  /** Collects the documents this run stored (path → entry): a re-plan after a lost race reuses them. */
  uploaded?: Map<string, FileState>
  /** Collects the attributes a document had before this run rewrote them in place (file id → attributes). */
  touched?: Map<string, FileState['attributes']>
}

export interface ExecuteResult {
  added: string[]
  updated: string[]
  deleted: string[]
  renamed: { from: string; to: string }[]
  retagged: string[]
  failed: SyncFailure[]
}

/** What the steps of one execution share. */
export interface Work extends ExecuteRun {
  ctx: SyncContext
  result: ExecuteResult
  limit: ReturnType<typeof pLimit>
  fail: (op: FileOp, path: string, error: unknown) => void
}

export function createWork(ctx: SyncContext, run: ExecuteRun): Work {
  const result: ExecuteResult = { added: [], updated: [], deleted: [], renamed: [], retagged: [], failed: [] }
  return {
    ...run,
    ctx,
    result,
    limit: pLimit(ctx.options.concurrency),
    fail(op, path, error) {
      const message = errorMessage(error)
      result.failed.push({ path, error: message })
      run.onFile(op, path, message)
    },
  }
}
