import { describe, expect, it } from 'vitest'
import { plan } from '../src/core/plan/plan'
import { emptyState, type FileState, type SyncState } from '../src/core/state/types'

const entry = (path: string, sha: string, fileId = `file_${path}`): FileState => ({
  fileId,
  hash: `sha256:${sha}`,
  uploadedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  metadata: { path, size: 1, lastModified: '2026-01-01T00:00:00.000Z' },
})
const stateOf = (files: FileState[], extra: Partial<SyncState> = {}): SyncState => ({
  ...emptyState('vs_1'),
  files: Object.fromEntries(files.map(f => [f.metadata.path, f])),
  ...extra,
})
const f = (path: string, sha256: string) => ({ path, sha256, size: 1 })

describe('plan', () => {
  it('sorts documents into add, update, delete and unchanged by content alone', () => {
    const state = stateOf([entry('a.md', '1'), entry('b.md', '2'), entry('c.md', '3')])
    const p = plan([f('a.md', '1'), f('b.md', '22'), f('d.md', '4')], state, { canRetag: false })
    expect(p.add.map(x => x.path)).toEqual(['d.md'])
    expect(p.update.map(x => x.file.path)).toEqual(['b.md'])
    expect(p.update[0].entry.fileId).toBe('file_b.md')
    expect(p.delete.map(x => x.path)).toEqual(['c.md'])
    expect(p.unchanged.map(x => x.path)).toEqual(['a.md'])
  })

  it('turns a move with unchanged content into a rename when the store can re-tag', () => {
    const state = stateOf([entry('old/guide.md', 'abc')])
    const p = plan([f('new/guide.md', 'abc')], state, { canRetag: true })
    expect(p.rename).toEqual([
      { file: f('new/guide.md', 'abc'), from: 'old/guide.md', entry: state.files['old/guide.md'] },
    ])
    expect(p.add).toEqual([])
    expect(p.delete).toEqual([])
    const noRetag = plan([f('new/guide.md', 'abc')], state, { canRetag: false })
    expect(noRetag.add).toHaveLength(1)
    expect(noRetag.delete).toHaveLength(1)
  })

  it('pairs each moved copy once when several files share content', () => {
    const state = stateOf([entry('a.md', 'same'), entry('b.md', 'same')])
    const p = plan([f('c.md', 'same'), f('d.md', 'same'), f('e.md', 'same')], state, { canRetag: true })
    expect(p.rename.map(r => r.from).sort()).toEqual(['a.md', 'b.md'])
    expect(p.add).toHaveLength(1)
    expect(p.delete).toHaveLength(0)
  })

  it('re-indexes every document when the content settings changed, and says why', () => {
    const state = stateOf([entry('a.md', '1'), entry('b.md', '2')], {
      fingerprint: 'old',
      settings: { content: { chunkSize: 800, provider: 'postgres' } },
    })
    const p = plan([f('a.md', '1'), f('b.md', '2')], state, {
      canRetag: true,
      contentFingerprint: 'new',
      contentSettings: { chunkSize: 1200, provider: 'postgres' },
    })
    expect(p.update).toHaveLength(2)
    expect(p.reasons).toEqual(['chunkSize changed: 2 documents to re-index'])
  })

  it('re-tags without re-uploading when only attribute settings changed', () => {
    const state = stateOf([entry('a.md', '1')], { fingerprint: 'fp', settings: { attributes: 'old' } })
    const p = plan([f('a.md', '1')], state, { canRetag: true, contentFingerprint: 'fp', attributesFingerprint: 'new' })
    expect(p.retag.map(r => r.file.path)).toEqual(['a.md'])
    expect(p.update).toHaveLength(0)
  })

  it('is a no-op for an identical tree', () => {
    const state = stateOf([entry('a.md', '1')], { fingerprint: 'fp', settings: { attributes: 'at' } })
    const p = plan([f('a.md', '1')], state, { canRetag: true, contentFingerprint: 'fp', attributesFingerprint: 'at' })
    expect(p.unchanged).toHaveLength(1)
    expect([p.add, p.update, p.delete, p.rename, p.retag].every(l => l.length === 0)).toBe(true)
  })
})
