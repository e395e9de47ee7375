import pLimit from 'p-limit'
import type { SyncState } from '../state/types'
import { routeOf } from '../scan/attributes'
import { NotAsSynced, SyncedReader } from '../synced'
import { readableText } from './text'
import { sortByPath } from '../../lib/paths'

/** Why a document's text is left out, as llms.txt reports it. */
function staleReason(error: NotAsSynced): string {
  if (error.kind === 'changed')
    return error.gone ? 'no longer in the work tree' : 'changed since the last sync (the store holds an older version)'
  return `not read: ${error.kind === 'holds a secret' ? `it ${error.detail}` : error.kind === 'outside the root' ? error.kind : error.detail}`
}

/** A synced document as llms.txt lists it: what the store holds for it, and its text when it still matches. */
export interface Page {
  path: string
  title: string
  url: string
  /** The url's path on the site (`/guide/passes`), for grouping and order. */
  route: string
  locale?: string
  version?: string
  description?: string
  /** The readable text; undefined when the file no longer matches what was synced. */
  text?: string
}

export interface PagesRead {
  pages: Page[]
  /** Documents left out of llms-full.txt, with why. */
  stale: { path: string; reason: string }[]
}

const HTML = /\.html?$/i

function routeOfUrl(url: string): string {
  try {
    return new URL(url, 'http://site.invalid').pathname
  } catch {
    return url
  }
}

const text = (value: unknown) =>
  typeof value === 'string' && value.trim() ? value.trim() : typeof value === 'number' ? String(value) : undefined

/**
 * The synced documents with their title and url as the store holds them (the state's
 * attributes). A file is read only when its SHA-256 is the state's, so llms-full.txt never holds
 * text the store does not: a page edited or deleted since the sync keeps its link but loses its
 * text, and is reported. Where a source page and its rendered HTML share a url, the source wins.
 */
export async function readPages(root: string, state: SyncState, withText: boolean): Promise<PagesRead> {
  const stale: PagesRead['stale'] = []
  const reader = new SyncedReader(root)
  const limit = pLimit(16)
  const pages = await Promise.all(
    Object.entries(state.files).map(([path, file]) =>
      limit(async (): Promise<Page> => {
        const attributes = file.attributes ?? {}
        const url = text(attributes.url) ?? routeOf(path)
        const page: Page = {
          path,
          title: text(attributes.title) ?? path.slice(path.lastIndexOf('/') + 1).replace(/\.[^.]+$/, ''),
          url,
          route: routeOfUrl(url),
          locale: text(attributes.locale),
          version: text(attributes.version),
        }
        // llms-full.txt is published with the site: only what was synced, from the work tree.
        let content: Buffer
        try {
          ;({ content } = await reader.read(path, file))
        } catch (error) {
          if (!(error instanceof NotAsSynced)) throw error
          stale.push({ path, reason: staleReason(error) })
          return page
        }
        const readable = await readableText(path, content.toString('utf8'))
        page.description = text(attributes.description) ?? readable.description
        if (withText) page.text = readable.text
        return page
      }),
    ),
  )
  const byUrl = new Map<string, Page>()
  for (const page of sortByPath(pages)) {
    const seen = byUrl.get(page.url)
    if (!seen || (HTML.test(seen.path) && !HTML.test(page.path))) byUrl.set(page.url, page)
  }
  const kept = [...byUrl.values()]
  const listed = new Set(kept.map(p => p.path))
  // A rendered copy of a listed source page is not news: only the pages listed are reported.
  return { pages: kept, stale: sortByPath(stale.filter(s => listed.has(s.path))) }
}
