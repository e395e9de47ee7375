import type { IndexModel } from '@pinecone-database/pinecone'
import { UsageError } from '../../lib/errors'
import { openClient, pineconeError, type PineconeIndex } from './client'
import { pineconeMissing, type ResolvedPineconeOptions } from './options'

export interface OpenedIndex {
  index: PineconeIndex
  dimension: number
}

/** The index, described (its host and dimension), its kind checked. */
export async function openIndex(resolved: ResolvedPineconeOptions): Promise<OpenedIndex> {
  const missing = pineconeMissing(resolved)
  if (missing) throw new UsageError(missing)
  const client = await openClient(resolved)
  const name = resolved.index!
  const model = await client.describeIndex(name).catch(error => {
    throw pineconeError(error, resolved)
  })
  const dimension = checkIndex(model, resolved)
  return { index: client.index<Record<string, never>>(name, model.host) as unknown as PineconeIndex, dimension }
}

/**
 * The index's dimension, once it is one this provider can fill: dense, serverless (listing ids
 * by prefix, how a document's chunks are found, exists only there), without integrated
 * embedding (this tool sends its own vectors), of the embedder's dimension when it says it.
 */
export function checkIndex(model: IndexModel, options: ResolvedPineconeOptions): number {
  const name = model.name
  if (model.embed)
    throw new UsageError(
      `pinecone: index ${name} embeds text itself (integrated embedding, model ${model.embed.model}): use a dense index without a model, which receives vectors this tool computes`,
    )
  if (model.vectorType && model.vectorType !== 'dense')
    throw new UsageError(`pinecone: index ${name} is a ${model.vectorType} index: use a dense index`)
  if (!model.spec || !('serverless' in model.spec) || !model.spec.serverless)
    throw new UsageError(
      `pinecone: index ${name} is not serverless (pod-based indexes cannot list record ids, which finds a document's chunks): use a serverless index`,
    )
  const dimension = model.dimension
  if (!dimension) throw new UsageError(`pinecone: index ${name} has no dimension: use a dense index`)
  const made = options.embed?.dimensions
  if (made && made !== dimension)
    throw new UsageError(
      `pinecone: index ${name} holds ${dimension}-dimensional vectors but the embedder (${options.embed?.id ?? 'custom'}) makes ${made}: use an index of dimension ${made}, or an embedder of dimension ${dimension}`,
    )
  return dimension
}
