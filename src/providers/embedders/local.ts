import type { Embedder } from '../types'
import type { LocalModel } from './model-files'
import { loadPipeline, type FeatureExtractor } from './runtime'

/**
 * Texts per run of the model: they are padded to the longest, so a run holds only texts of
 * similar length (see below), and its activations stay small on a machine with little memory.
 */
const TEXTS_PER_RUN = 16

/**
 * An embedder running a sentence model on the CPU (Transformers.js, ONNX Runtime), mean-pooled
 * and normalised. The model must be on disk (`model.foundIn`): this never downloads; see download.ts.
 */
export function createLocalEmbedder(model: LocalModel): Embedder {
  const localRoot = model.foundIn
  if (!localRoot) throw new Error(`the local embedding model ${model.model} is not on disk`)
  let extractor: Promise<FeatureExtractor> | undefined

  const embed = async (texts: string[]): Promise<number[][]> => {
    if (texts.length === 0) return []
    extractor ??= loadPipeline({ model: model.model, localRoot }).catch(error => {
      extractor = undefined
      throw error
    })
    const run = await extractor
    // Longest first, so each run pads its texts to a length close to their own.
    const order = texts.map((_, i) => i).sort((a, b) => texts[b]!.length - texts[a]!.length)
    const out: number[][] = Array.from({ length: texts.length })
    for (let at = 0; at < order.length; at += TEXTS_PER_RUN) {
      const batch = order.slice(at, at + TEXTS_PER_RUN)
      // An empty text would be [CLS][SEP] only: embedded as a space, like the OpenAI embedder does.
      const output = await run(
        batch.map(i => texts[i] || ' '),
        { pooling: 'mean', normalize: true },
      )
      const rows = output.tolist() as number[][]
      // A text of no known token pools to a zero vector, which normalising turns into NaN: it has no direction, keep it zero.
      batch.forEach((index, row) => (out[index] = rows[row]!.map(x => (Number.isFinite(x) ? x : 0))))
      output.dispose?.()
    }
    return out
  }
  return Object.assign(embed, { id: `local:${model.model}`, dimensions: model.dimensions })
}
