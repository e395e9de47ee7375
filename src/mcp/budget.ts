/**
 * Replies sized for a model's context window. Assistants cut or refuse long tool replies (Claude
 * Code warns past 10,000 tokens and stops at 25,000), so every reply stays within a budget, about
 * four characters a token, and says how to read on.
 */

/** One get_document reply: about 10,000 tokens. */
export const DOCUMENT_BUDGET = 40_000
/** One search_docs reply, every passage together: about 8,000 tokens. */
export const SEARCH_BUDGET = 32_000
/** One passage of a search result, around what matched. */
export const PASSAGE_CHARS = 1_500

export interface Heading {
  /** 1 for `#`, 2 for `##`, ... */
  level: number
  text: string
  /** Where the heading's line starts in the document's text. */
  offset: number
  /** Characters from the heading to the next heading of the same or a higher level (its section). */
  chars: number
}

const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t#]*$/gm

/** The document's Markdown headings (outside code fences), with where each section starts and its size. */
export function outline(text: string): Heading[] {
  const fenced = fences(text)
  const found: Omit<Heading, 'chars'>[] = []
  for (const m of text.matchAll(HEADING)) {
    if (fenced.some(([from, to]) => m.index! > from && m.index! < to)) continue
    found.push({ level: m[1]!.length, text: m[2]!.trim(), offset: m.index! })
  }
  return found.map((h, i) => {
    const next = found.slice(i + 1).find(n => n.level <= h.level)
    return { ...h, chars: (next?.offset ?? text.length) - h.offset }
  })
}

function fences(text: string): [number, number][] {
  const spans: [number, number][] = []
  let open: number | undefined
  for (const m of text.matchAll(/^(```|~~~)/gm)) {
    if (open === undefined) open = m.index!
    else {
      spans.push([open, m.index!])
      open = undefined
    }
  }
  if (open !== undefined) spans.push([open, text.length])
  return spans
}

/** The section a heading names (its text, with or without the `#`s, any case), or undefined. */
export function sectionOf(text: string, name: string): { start: number; end: number; heading: Heading } | undefined {
  const wanted = name
    .replace(/^#+\s*/, '')
    .trim()
    .toLowerCase()
  const heading =
    outline(text).find(h => h.text.toLowerCase() === wanted) ??
    outline(text).find(h => h.text.toLowerCase().includes(wanted))
  return heading && { start: heading.offset, end: heading.offset + heading.chars, heading }
}

/**
 * `text` from `offset`, at most `budget` characters, cut at the last line break before the budget
 * when there is one in its second half. Resolves to the piece and where the next one starts.
 */
export function slice(text: string, offset: number, budget = DOCUMENT_BUDGET): { piece: string; nextOffset?: number } {
  if (text.length - offset <= budget) return { piece: text.slice(offset) }
  const hard = offset + budget
  const line = text.lastIndexOf('\n', hard)
  const end = line > offset + budget / 2 ? line + 1 : hard
  return { piece: text.slice(offset, end), nextOffset: end }
}

/**
 * The part of a passage around what the query names: the first place a word of the query (3
 * letters or more) occurs, with the text on either side up to `chars`; the start when none does.
 */
export function around(passage: string, query: string, chars = PASSAGE_CHARS): string {
  if (passage.length <= chars) return passage
  const lower = passage.toLowerCase()
  const words = query
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(w => w.length >= 3)
  const at =
    words
      .map(w => lower.indexOf(w))
      .filter(i => i >= 0)
      .sort((a, b) => a - b)[0] ?? 0
  const start = Math.max(0, Math.min(at - Math.floor(chars / 3), passage.length - chars))
  const piece = passage.slice(start, start + chars)
  return `${start > 0 ? '…' : ''}${piece}${start + chars < passage.length ? '…' : ''}`
}
