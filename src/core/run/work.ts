import pLimit from 'p-limit'
import type { FileMetadata, VectorStoreProvider } from '../../providers/types'
import type { SyncFailure } from '../../types'
import type { LocalFile } from '../scan/scan'
import type { FileState, SyncState } from '../state/types'
import { errorMessage } from '../../lib/errors'

export type FileOp = 'add' | 'update' | 'delete' | 'rename' | 'retag'

export interface ExecuteContext {
  provider: VectorStoreProvider
  /** Mutated as work completes; checkpointed through `checkpoint`. */
  state: SyncState
  /** Asks for the state to be saved soon (coalesced). */
  checkpoint: () => void
  /** Saves the state now and waits for it (before remote mutations that must be journaled). */
  flush: () => Promise<void>
  /**
   * Steps run at once (a read, a provider call). Not what bounds requests: a provider made from the
   * registry holds its own requests in flight to `concurrency`, whatever the calls overlapping it.
   */
  concurrency: number
  /** The full metadata of a document; reads its content. May throw (e.g. attribute limits). */
  describe: (file: LocalFile, content: Buffer) => Promise<FileMetadata>
  /**
   * The text uploaded for a document whose source is not what a store should read as is (MDX);
   * undefined keeps the bytes. Attributes and the hash still come from the source.
   */
  uploadText?: (file: LocalFile, content: Buffer) => Buffer | undefined
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
export interface Work {
  ctx: ExecuteContext
  result: ExecuteResult
  limit: ReturnType<typeof pLimit>
  fail: (op: FileOp, path: string, error: unknown) => void
}

export function createWork(ctx: ExecuteContext): Work {
  const result: ExecuteResult = { added: [], updated: [], deleted: [], renamed: [], retagged: [], failed: [] }
  return {
    ctx,
    result,
    limit: pLimit(ctx.concurrency),
    fail(op, path, error) {
      const message = errorMessage(error)
      result.failed.push({ path, error: message })
      ctx.onFile(op, path, message)
    },
  }
}
