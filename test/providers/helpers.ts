import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Attributes, FileMetadata } from '../../src/providers/types'
import type { Embedder } from '../../src/types'

/** The metadata the engine would send: `path` and `sha256` in the attributes too. */
export function metadataFor(path: string, content: string | Buffer, attributes: Attributes = {}): FileMetadata {
  const sha256 = createHash('sha256').update(content).digest('hex')
  return {
    path,
    sha256,
    size: Buffer.byteLength(content),
    lastModified: '2026-01-01T00:00:00.000Z',
    attributes: { path, sha256, ...attributes },
  }
}

/**
 * A deterministic bag-of-words embedder: each word adds ±1 to a hashed dimension. Texts sharing
 * words point the same way, which is all a test of vector search needs, with no model and no
 * network. Counts its calls so tests can see batching.
 */
export function hashingEmbedder(dimensions = 64): Embedder & { calls: number; texts: number } {
  const embed = async (texts: string[]) => {
    state.calls++
    state.texts += texts.length
    return texts.map(text => {
      const vector = Array.from<number>({ length: dimensions }).fill(0)
      for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
        let hash = 0x811c9dc5
        for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193) >>> 0
        vector[hash % dimensions]! += hash & 0x80000000 ? 1 : -1
      }
      const norm = Math.hypot(...vector) || 1
      return vector.map(x => x / norm)
    })
  }
  const state = Object.assign(embed, { id: `test-hash-${dimensions}`, dimensions, calls: 0, texts: 0 })
  return state
}

/** A fresh folder under the OS temp dir, and a function removing it. */
export function tempDir(prefix = 'vectornator-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}
