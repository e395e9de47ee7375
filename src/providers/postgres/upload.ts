/**
 * Writing documents: validate each, embed a group's chunks in as few embedder calls as the
 * batch size allows, then insert the group (and remove what it replaces) in one transaction.
 * Readers see the old version or the new one, never neither: that is the zero-downtime update.
 */
import pLimit from 'p-limit'
import { errorMessage } from '../../lib/errors'
import type { UploadHooks, UploadItem, UploadResult } from '../types'
import type { Db } from './db'
import { prepareDocument, writeDocuments, type PreparedDocument } from './documents'
import { embedTexts } from './embed'
import type { ResolvedPostgresOptions } from './options'
import { ensureVectorIndex, type Capabilities, type Tables } from './schema'

/** An open database with its schema ready. */
export interface Session {
  db: Db
  tables: Tables
  capabilities: Capabilities
  options: ResolvedPostgresOptions
  /** HNSW index per dimension count, created once per session. */
  indexed: Map<number, Promise<boolean>>
}

/** An upload; with `replaces`, that document is removed in the same transaction (updateFile). */
export type WriteItem = UploadItem & { replaces?: string }

interface Pending {
  index: number
  /** The caller's path, which results are matched by. */
  path: string
  doc: PreparedDocument
}

export async function uploadItems(s: Session, storeId: string, items: WriteItem[], hooks: UploadHooks): Promise<UploadResult[]> {
  const results: UploadResult[] = Array.from({ length: items.length })
  const settle = async (index: number, result: UploadResult) => {
    results[index] = result
    // The id exists only once committed, so "uploaded" and "settled" come together here.
    if (result.fileId) await hooks.onUploaded?.(result.path, result.fileId)
    await hooks.onSettled?.(result)
  }

  const pending: Pending[] = []
  for (const [index, item] of items.entries()) {
    try {
      pending.push({ index, path: item.metadata.path, doc: prepareDocument(item.metadata.path, item.content, item.metadata, s.options, item.replaces) })
    }
    catch (error) {
      await settle(index, { path: item.metadata.path, error: errorMessage(error) })
    }
  }

  const groups: Pending[][] = []
  for (let i = 0; i < pending.length; i += s.options.filesPerTransaction) groups.push(pending.slice(i, i + s.options.filesPerTransaction))

  // Groups overlap so one group's embedding request runs while another's rows are written.
  const limit = pLimit(Math.max(1, Math.min(hooks.concurrency ?? 4, s.options.maxConnections)))
  await Promise.all(groups.map(group => limit(async () => {
    try {
      await storeGroup(s, storeId, group.map(p => p.doc))
      for (const { index, path, doc } of group) await settle(index, { path, fileId: doc.fileId })
    }
    catch (error) {
      if (group.length === 1) return settle(group[0]!.index, { path: group[0]!.path, error: errorMessage(error) })
      // One bad document must not fail its neighbours: retry them one by one.
      for (const { index, path, doc } of group) {
        try {
          await storeGroup(s, storeId, [doc])
          await settle(index, { path, fileId: doc.fileId })
        }
        catch (single) {
          await settle(index, { path, error: errorMessage(single) })
        }
      }
    }
  })))
  return results
}

async function storeGroup(s: Session, storeId: string, docs: PreparedDocument[]): Promise<void> {
  const embed = s.options.embed
  if (embed && s.capabilities.vector) {
    const texts = docs.flatMap(d => d.chunks.map(c => c.text))
    const vectors = await embedTexts(embed, texts, s.options.embedBatchSize)
    let at = 0
    for (const doc of docs) {
      doc.vectors = vectors.slice(at, at + doc.chunks.length)
      at += doc.chunks.length
    }
    const dimensions = vectors[0]?.length
    if (dimensions) await indexFor(s, dimensions)
  }
  await s.db.transaction(tx => writeDocuments(tx, s.tables, storeId, s.options.language, docs))
}

function indexFor(s: Session, dimensions: number): Promise<boolean> {
  let done = s.indexed.get(dimensions)
  if (!done) {
    done = ensureVectorIndex(s.db, s.tables, dimensions)
    // A failed attempt is retried by the next upload rather than remembered.
    done.catch(() => s.indexed.delete(dimensions))
    s.indexed.set(dimensions, done)
  }
  return done
}
