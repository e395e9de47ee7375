import type { AttributeFilter, AttributeValue, Attributes } from '../providers/types'
import { searchFilter, type SearchRequest } from '../core/run/search'
import type { ResolvedOptions } from '../core/options/options'
import { refuseForeignState } from '../core/run/context'
import { resolveStateStore, type SyncState } from '../core/state'
import { secretAllowance } from '../core/scan/source'
import { nothingSynced, pathForUrl, RefusedError, syncedEntry } from './paths'
import { DocumentReader, type DocumentText } from './read'

/** A sync from another process (a build, CI) is seen within this long. */
const STATE_MAX_AGE_MS = 5_000

export interface DocumentInfo {
  path: string
  title?: string
  url?: string
  version?: string
  locale?: string
}

export interface DocumentPage {
  documents: DocumentInfo[]
  total: number
  offset: number
  /** The offset of the next page; absent on the last one. */
  nextOffset?: number
}

/**
 * A filter's values as an assistant writes them: "2" also matches the number 2 and "true" the
 * boolean, as the CLI's `--filter` does, since front matter keeps `order: 2` a number.
 */
export function widenFilter(filter: AttributeFilter | undefined): AttributeFilter | undefined {
  if (!filter) return undefined
  const widen = (v: AttributeValue): AttributeValue[] => {
    if (typeof v !== 'string') return [v]
    if (v === 'true' || v === 'false') return [v, v === 'true']
    return v.trim() !== '' && Number.isFinite(Number(v)) ? [v, Number(v)] : [v]
  }
  return Object.fromEntries(
    Object.entries(filter).map(([k, v]) => {
      const values = [...new Set([v].flat().flatMap(widen))]
      return [k, values.length === 1 ? values[0]! : values]
    }),
  )
}

function matches(attributes: Attributes | undefined, filter: AttributeFilter | undefined): boolean {
  return Object.entries(filter ?? {}).every(([k, v]) => [v].flat().includes(attributes?.[k] as AttributeValue))
}

export function infoOf(path: string, attributes: Attributes | undefined): DocumentInfo {
  const info: DocumentInfo = { path }
  for (const key of ['title', 'url', 'version', 'locale'] as const) {
    const value = attributes?.[key]
    if (value !== undefined && value !== '') info[key] = String(value)
  }
  return info
}

/** The synced documents as the sync state lists them, read back exactly as they were synced. */
export class DocumentLibrary {
  private loadedAt: number
  private pending?: Promise<SyncState | undefined>
  private readonly reader: DocumentReader

  constructor(
    private readonly options: ResolvedOptions,
    private state: SyncState | undefined,
  ) {
    this.loadedAt = Date.now()
    this.reader = new DocumentReader(options.root, secretAllowance(options))
  }

  /** The state, read again when it is older than `maxAgeMs`; reads at the same time share one load. */
  async current(maxAgeMs = STATE_MAX_AGE_MS): Promise<SyncState | undefined> {
    if (Date.now() - this.loadedAt < maxAgeMs) return this.state
    this.pending ??= this.reload().finally(() => {
      this.pending = undefined
    })
    return this.pending
  }

  private async reload(): Promise<SyncState | undefined> {
    const stateStore = await resolveStateStore(this.options, this.options.logger)
    try {
      const state = await stateStore.load()
      if (state) refuseForeignState(state, this.options, stateStore)
      this.state = state
      this.loadedAt = Date.now()
      return state
    } finally {
      await stateStore.close()
    }
  }

  /** One page of the documents, sorted by path, narrowed like a search (default version and locale). */
  async list(request: SearchRequest & { offset?: number; limit?: number }): Promise<DocumentPage> {
    const filter = searchFilter(this.options, { ...request, filter: widenFilter(request.filter) })
    const state = await this.current()
    if (!state) throw new RefusedError(nothingSynced(this.options.root))
    const all = Object.entries(state?.files ?? {})
      .filter(([, f]) => matches(f.attributes, filter))
      .map(([path, f]) => infoOf(path, f.attributes))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    const offset = request.offset ?? 0
    const limit = request.limit ?? 50
    const documents = all.slice(offset, offset + limit)
    const next = offset + documents.length
    return { documents, total: all.length, offset, ...(next < all.length ? { nextOffset: next } : {}) }
  }

  /** The versions and locales the synced documents carry, with how many of each, and the defaults a search asks for. */
  async scopes(): Promise<{
    versions: { name: string; documents: number }[]
    locales: { name: string; documents: number }[]
    defaults: { version?: string; locale?: string }
  }> {
    const state = await this.current()
    if (!state) throw new RefusedError(nothingSynced(this.options.root))
    const count = (key: 'version' | 'locale') => {
      const counts = new Map<string, number>()
      for (const f of Object.values(state.files)) {
        const value = f.attributes?.[key]
        if (value !== undefined) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1)
      }
      return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, documents]) => ({ name, documents }))
    }
    const defaults = { version: this.options.version?.default, locale: this.options.locale?.default }
    return {
      versions: count('version'),
      locales: count('locale'),
      defaults: Object.fromEntries(Object.entries(defaults).filter(([, v]) => v !== undefined)),
    }
  }

  /** The document by path or by url, with its text as synced; a RefusedError saying why otherwise. */
  async get(ask: { path?: string; url?: string }): Promise<DocumentInfo & DocumentText> {
    if ((ask.path === undefined) === (ask.url === undefined))
      throw new RefusedError('give either path or url (one of them): e.g. { "path": "docs/guide.md" }')
    let state = await this.current()
    if (!state) throw new RefusedError(nothingSynced(this.options.root))
    const path = ask.path ?? pathForUrl(state, ask.url!)
    try {
      return await this.readAt(state, path)
    } catch (error) {
      // A sync may have happened since the state was read: read it again once before refusing.
      if (!(error instanceof RefusedError && error.stale) || Date.now() - this.loadedAt < 500) throw error
      state = await this.current(0)
      return this.readAt(state, ask.path ?? pathForUrl(state, ask.url!))
    }
  }

  private async readAt(state: SyncState | undefined, path: string): Promise<DocumentInfo & DocumentText> {
    const entry = syncedEntry(state, path)
    return { ...infoOf(path, entry.attributes), ...(await this.reader.read(path, entry, state!)) }
  }
}
