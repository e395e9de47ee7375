import type { Embedder } from '../types'
import type { Gate } from '../in-flight'

/** The embedder with its calls in flight held to the gate's bound; its id and dimensions kept (the fingerprint's). */
export function gatedEmbedder(embed: Embedder, gate: Gate): Embedder {
  return Object.assign((texts: string[]) => gate.run(() => embed(texts)), {
    id: embed.id,
    dimensions: embed.dimensions,
  })
}

/** Splits texts into runs of at most `maxItems` texts and (unless one text alone exceeds it) `maxChars` characters. */
export function batches(texts: string[], maxItems: number, maxChars = Infinity): string[][] {
  const out: string[][] = []
  let current: string[] = []
  let chars = 0
  for (const text of texts) {
    if (current.length > 0 && (current.length >= maxItems || chars + text.length > maxChars)) {
      out.push(current)
      current = []
      chars = 0
    }
    current.push(text)
    chars += text.length
  }
  if (current.length > 0) out.push(current)
  return out
}

/** Calls the embedder in batches and checks what it returns: one finite vector per text, all of one size. */
export async function embedTexts(embed: Embedder, texts: string[], batchSize: number): Promise<number[][]> {
  const vectors: number[][] = []
  for (const batch of batches(texts, batchSize)) {
    const result = await embed(batch)
    if (!Array.isArray(result) || result.length !== batch.length)
      throw new Error(
        `the embedder returned ${Array.isArray(result) ? result.length : 'no'} vectors for ${batch.length} texts`,
      )
    vectors.push(...result)
  }
  const size = embed.dimensions ?? vectors[0]?.length
  for (const vector of vectors) {
    if (!Array.isArray(vector) || vector.length !== size || vector.length === 0)
      throw new Error(`the embedder returned a vector of ${vector?.length} dimensions, expected ${size}`)
    // A loop, not every(Number.isFinite): a callback per number cost about 20 ms on 2,000 vectors.
    for (let i = 0; i < vector.length; i++)
      if (!Number.isFinite(vector[i])) throw new Error('the embedder returned a vector with a non-finite number')
  }
  return vectors
}

/** pgvector's text form, `[1,2,3]`: sent as a parameter and cast, the same on PGlite and `pg`. */
export function toVectorLiteral(vector: number[]): string {
  return `[${vector.join(',')}]`
}
