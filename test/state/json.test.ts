import { describe, expect, it } from 'vitest'
import { parseState, stateText } from '../../src/core/state/json'
import type { SyncState } from '../../src/core/state/types'

const serializeState = (state: SyncState) => [...stateText(state)].join('')

/** The stored format, as one JSON.stringify of the whole state writes it. */
const whole = (state: SyncState) => {
  const files = Object.fromEntries(
    Object.keys(state.files)
      .sort()
      .map(path => [path, state.files[path]]),
  )
  return `${JSON.stringify({ ...state, files }, null, 2)}\n`
}

const entry = (path: string, i: number) => ({
  fileId: `file-${i}`,
  hash: `sha256:${String(i).padStart(64, '0')}`,
  uploadedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  metadata: { path, size: i, lastModified: '2026-01-01T00:00:00.000Z' },
  attributes: { path, sha256: String(i), title: `Page "${i}"\nwith a line break`, url: `/p/${i}` },
})

describe('the stored state text', () => {
  it('is written in pieces that join into exactly the whole-state JSON, whatever the keys', () => {
    const paths = [
      ...Array.from({ length: 300 }, (_, i) => `docs/page-${i}.md`),
      'b.md',
      'a.md',
      'ünïcode/ß.md',
      'quote"d.md',
    ]
    const state: SyncState = {
      version: '1.0.0',
      lastSync: '',
      storeId: 'vs_1',
      files: Object.fromEntries(paths.map((p, i) => [p, entry(p, i)])),
      journal: [{ op: 'delete', path: 'x.md', fileId: 'f', at: 'now' }],
    }
    const pieces = [...stateText(state)]
    expect(pieces.length).toBeGreaterThan(3)
    expect(pieces.join('')).toBe(whole(state))
    expect(serializeState(state)).toBe(whole(state))
    expect(parseState(serializeState(state), 'test')).toEqual(state)

    // Integer-like names sort first in a JS object: the same order as the whole-state JSON.
    const numbered: SyncState = { ...state, files: { ...state.files, '10': entry('10', 1), '2': entry('2', 2) } }
    expect(serializeState(numbered)).toBe(whole(numbered))
    const empty: SyncState = { version: '1.0.0', lastSync: '', storeId: '', files: {} }
    expect(serializeState(empty)).toBe(whole(empty))
  })
})
