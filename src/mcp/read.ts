import type { FileState, SyncState } from '../types'
import { NotAsSynced, type SyncedReader } from '../core'
import { RefusedError } from './paths'

/** Larger documents are refused: no assistant reads that much in one answer, and the server stays small. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024

export interface DocumentText {
  text: string
  /** Where the synced copy was found. */
  from: 'work-tree' | 'git'
  /** The commit it was read from, with `from: 'git'`. */
  commit?: string
  /** MDX and Markdoc are served as the text that was uploaded, not as their source. */
  converted: boolean
}

/** Why a document is not served, said so an assistant knows what to do next. */
function refusal(path: string, error: NotAsSynced): RefusedError {
  switch (error.kind) {
    case 'changed':
      return new RefusedError(
        `${path} changed since the last sync (${error.detail}): run \`vectornator sync\`, then ask again; a stale copy is never served`,
        true,
      )
    case 'a link out of the root':
      return new RefusedError(`${path} is ${error.detail}: it is not served`)
    case 'too large':
      return new RefusedError(`${path} is ${error.detail}: too large to serve`)
    case 'not text':
      return new RefusedError(`${path} is ${error.detail}: it is not served`)
    case 'holds a secret':
      return new RefusedError(`${path} is not served: it ${error.detail}`)
    default:
      return new RefusedError(`${path} is not served: it is ${error.detail}`)
  }
}

/**
 * The document exactly as the state records it (the work tree's copy, else the one in the commit
 * the sync read), served as the text the store read; a RefusedError saying why otherwise.
 */
export async function readDocument(
  reader: SyncedReader,
  path: string,
  entry: FileState,
  state: SyncState,
): Promise<DocumentText> {
  try {
    const copy = await reader.read(path, entry, state.sourceCommit)
    return {
      text: copy.text,
      from: copy.from,
      ...(copy.commit ? { commit: copy.commit } : {}),
      converted: copy.converted,
    }
  } catch (error) {
    throw error instanceof NotAsSynced ? refusal(path, error) : error
  }
}
