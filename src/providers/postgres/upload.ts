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
  /** HNSW index per dimension count, created once per session, after the first call's rows (see uploadItems). */
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

export async function uploadItems(
  s: Session,
  storeId: string,
  items: WriteItem[],
  hooks: UploadHooks,
): Promise<UploadResult[]> {
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
      pending.push({
        index,
        path: item.metadata.path,
        doc: prepareDocument(item.metadata.path, item.content, item.metadata, s.options, item.replaces),
      })
    } catch (error) {
      await settle(index, { path: item.metadata.path, error: errorMessage(error) })
    }
  }

  // Embeddings go in full requests (up to embedBatchSize texts, across documents), a round of
  // them ahead of the writes; transactions stay small. A round that fails embeds again group by
  // group below, so one bad text fails only its own documents.
  const rounds = embeddingRounds(s, pending)
  const embedding = pLimit(EMBEDDING_ROUNDS_IN_FLIGHT)
  // Writes at once: one per connection the pool may open. Embedding requests have their own bound
  // (options.concurrency, in the embedder), whatever the rounds and writes asking for them.
  const limit = pLimit(s.options.maxConnections)
  // A round holds its slot until its rows are written: at most two rounds' vectors in memory.
  await Promise.all(
    rounds.map(round =>
      embedding(async () => {
        await embedDocs(
          s,
          round.map(p => p.doc),
        ).catch(() => {})
        const groups: Pending[][] = []
        for (let i = 0; i < round.length; i += s.options.filesPerTransaction)
          groups.push(round.slice(i, i + s.options.filesPerTransaction))
        await Promise.all(groups.map(group => limit(() => writeGroup(group))))
      }),
    ),
  )
  // The vector index after the rows, as pgvector advises for a bulk load: on a first sync the
  // rows go in without one, and it is built once over all of them; later calls find it there.
  const dimensions = pending.find(p => p.doc.dimensions)?.doc.dimensions
  if (dimensions) await indexFor(s, dimensions)
  return results

  async function writeGroup(group: Pending[]): Promise<void> {
    try {
      await storeGroup(
        s,
        storeId,
        group.map(p => p.doc),
      )
      for (const { index, path, doc } of group) {
        doc.vectors = undefined
        await settle(index, { path, fileId: doc.fileId })
      }
    } catch (error) {
      if (group.length === 1) return settle(group[0]!.index, { path: group[0]!.path, error: errorMessage(error) })
      // One bad document must not fail its neighbours: retry them one by one.
      for (const { index, path, doc } of group) {
        try {
          await storeGroup(s, storeId, [doc])
          await settle(index, { path, fileId: doc.fileId })
        } catch (single) {
          await settle(index, { path, error: errorMessage(single) })
        }
      }
    }
  }
}

/** Rounds of embedding requests at once: one round's request runs while the last one's rows are written. */
const EMBEDDING_ROUNDS_IN_FLIGHT = 2

/** Consecutive documents whose chunks fill one embedding request (embedBatchSize texts at most). */
function embeddingRounds(s: Session, pending: Pending[]): Pending[][] {
  if (!s.options.embed || !s.capabilities.vector) return pending.length ? [pending] : []
  const rounds: Pending[][] = []
  let round: Pending[] = []
  let texts = 0
  for (const p of pending) {
    if (round.length > 0 && texts + p.doc.chunks.length > s.options.embedBatchSize) {
      rounds.push(round)
      round = []
      texts = 0
    }
    round.push(p)
    texts += p.doc.chunks.length
  }
  if (round.length) rounds.push(round)
  return rounds
}

/** Embeds the chunks of the documents that have no vectors yet, in as few calls as embedBatchSize allows. */
async function embedDocs(s: Session, docs: PreparedDocument[]): Promise<void> {
  const embed = s.options.embed
  const missing = docs.filter(d => !d.vectors)
  if (!embed || !s.capabilities.vector || missing.length === 0) return
  const vectors = await embedTexts(
    embed,
    missing.flatMap(d => d.chunks.map(c => c.text)),
    s.options.embedBatchSize,
  )
  let at = 0
  for (const doc of missing) {
    doc.vectors = vectors.slice(at, at + doc.chunks.length)
    doc.dimensions = vectors[0]?.length
    at += doc.chunks.length
  }
}

async function storeGroup(s: Session, storeId: string, docs: PreparedDocument[]): Promise<void> {
  await embedDocs(s, docs)
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
