/**
 * Splits a document into chunks for a store that indexes chunks itself (the postgres provider).
 * Pure: no I/O, no dependencies.
 *
 * Markdown is cut at headings first, so a chunk never straddles two sections, and each chunk
 * starts with its heading trail ("Guide > Install > Linux"): a paragraph that only says "run
 * the script" is found by a search for "install linux". Sections longer than `size` are packed
 * from paragraphs, then sentences, then words, with `overlap` characters of the previous chunk
 * repeated so a sentence cut at a boundary is still whole in one of the two chunks. A table is
 * kept whole when it fits, else cut between rows with its header repeated in each piece.
 */

export interface Chunk {
  /** The indexed text: the heading trail (if any), a blank line, then the body. */
  text: string
  /** The heading trail, e.g. `Guide > Install`. */
  heading?: string
}

export interface ChunkOptions {
  /** Decides Markdown handling by extension (.md, .mdx, .markdown). */
  path?: string
  /** Largest chunk, in characters. Default 1500. */
  size?: number
  /** Characters repeated from the end of one chunk at the start of the next. Default 200. */
  overlap?: number
}

export const DEFAULT_CHUNK_SIZE = 1500
export const DEFAULT_CHUNK_OVERLAP = 200

const MARKDOWN_EXTENSION = /\.(?:md|mdx|markdown)$/i
const FRONT_MATTER = /^(?:---[ \t]*\n[\s\S]*?\n(?:---|\.\.\.)|\+\+\+[ \t]*\n[\s\S]*?\n\+\+\+)[ \t]*(?:\n|$)/
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/
const FENCE = /^ {0,3}(`{3,}|~{3,})/
const SENTENCE_END = /(?<=[.!?。！？])\s+/

/** Removes a leading BOM and YAML (`---`) or TOML (`+++`) front matter. */
export function stripFrontMatter(text: string): { body: string; hadFrontMatter: boolean } {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  const match = FRONT_MATTER.exec(normalized)
  if (!match) return { body: normalized, hadFrontMatter: false }
  return { body: normalized.slice(match[0].length), hadFrontMatter: true }
}

export function chunkText(text: string, options: ChunkOptions = {}): Chunk[] {
  const size = Math.max(1, Math.floor(options.size ?? DEFAULT_CHUNK_SIZE))
  // An overlap of half the size or more would make chunking crawl (or never advance).
  const overlap = Math.max(0, Math.min(Math.floor(options.overlap ?? DEFAULT_CHUNK_OVERLAP), Math.floor(size / 2)))
  const { body, hadFrontMatter } = stripFrontMatter(text)
  const markdown = hadFrontMatter || MARKDOWN_EXTENSION.test(options.path ?? '')
  if (!markdown) return packSection(body, undefined, size, overlap)

  const isMdx = /\.mdx$/i.test(options.path ?? '')
  const chunks: Chunk[] = []
  let lastHeading: string | undefined
  for (const section of splitSections(body, isMdx)) {
    chunks.push(...packSection(section.body, section.heading, size, overlap))
    lastHeading = section.heading ?? lastHeading
  }
  // A document of headings only still deserves to be findable by them.
  if (chunks.length === 0 && lastHeading) chunks.push({ text: lastHeading, heading: lastHeading })
  return chunks
}

interface Section {
  heading?: string
  body: string
}

/** Cuts Markdown at ATX and setext headings, ignoring `#` lines inside fenced code. */
function splitSections(markdown: string, isMdx: boolean): Section[] {
  const sections: Section[] = []
  const trail: string[] = []
  let lines: string[] = []
  let fence: string | undefined

  const flush = () => {
    const heading = trail.filter(Boolean).join(' > ') || undefined
    sections.push({ heading, body: lines.join('\n') })
    lines = []
  }
  const enter = (level: number, title: string) => {
    flush()
    trail.length = level - 1
    trail[level - 1] = title
  }

  for (const line of markdown.split('\n')) {
    const fenceMatch = FENCE.exec(line)
    if (fence) {
      lines.push(line)
      if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length) fence = undefined
      continue
    }
    if (fenceMatch) {
      fence = fenceMatch[1]
      lines.push(line)
      continue
    }
    const atx = ATX_HEADING.exec(line)
    if (atx) {
      enter(atx[1]!.length, cleanHeading(atx[2] ?? ''))
      continue
    }
    const previous = lines.at(-1)
    const setext = SETEXT_UNDERLINE.exec(line)
    if (setext && previous !== undefined && previous.trim() !== '' && !isParagraphContinuation(lines)) {
      lines.pop()
      enter(setext[1]![0] === '=' ? 1 : 2, cleanHeading(previous))
      continue
    }
    // MDX module lines are code, not prose: indexing them only adds noise.
    if (isMdx && /^(?:import|export)\s/.test(line)) continue
    lines.push(line)
  }
  flush()
  return sections
}

/** A setext underline only makes a heading of a one-line paragraph. */
function isParagraphContinuation(lines: string[]): boolean {
  const before = lines.at(-2)
  return before !== undefined && before.trim() !== ''
}

function cleanHeading(title: string): string {
  return title
    .replace(/\{#[^}]*\}\s*$/, '') // `{#custom-id}` anchors
    .replace(/[*_`]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
}

interface Unit {
  text: string
  /** What joins this unit to the one before it in a chunk. */
  joiner: string
}

/** Packs one section's body into chunks of at most `size` characters, heading trail included. */
function packSection(body: string, heading: string | undefined, size: number, overlap: number): Chunk[] {
  const prefix = heading ? `${heading}\n\n` : ''
  // A very long heading trail must not starve the body: the body keeps at least half the size.
  const budget = Math.max(size - prefix.length, Math.ceil(size / 2))
  const units = toUnits(body, budget)
  const chunks: Chunk[] = []
  let current = ''
  let lastUnit = ''

  const emit = () => {
    if (current.trim()) chunks.push({ text: prefix + current, ...(heading ? { heading } : {}) })
  }
  for (const unit of units) {
    if (!current) {
      current = unit.text
    } else if (current.length + unit.joiner.length + unit.text.length <= budget) {
      current += unit.joiner + unit.text
    } else {
      emit()
      // A table piece carries nothing over: the next piece repeats the header instead.
      const carried = isTable(lastUnit) ? '' : tail(lastUnit, overlap)
      current =
        carried && carried.length + unit.joiner.length + unit.text.length <= budget
          ? carried + unit.joiner + unit.text
          : unit.text
    }
    lastUnit = unit.text
  }
  emit()
  return chunks
}

/** Paragraphs (code fences kept whole), each cut into sentences, words or lines when over budget. */
function toUnits(body: string, budget: number): Unit[] {
  const units: Unit[] = []
  for (const block of paragraphs(body)) {
    const parts = block.length <= budget ? [block] : splitLong(block, budget)
    // Pieces of code are lines (joined by a line break); of a table, tables of their own (each with its header).
    const joiner = isTable(block) ? '\n\n' : block.startsWith('```') || block.startsWith('~~~') ? '\n' : ' '
    parts.forEach((text, i) => units.push({ text, joiner: i === 0 ? '\n\n' : joiner }))
  }
  return units
}

function paragraphs(body: string): string[] {
  const blocks: string[] = []
  let current: string[] = []
  let fence: string | undefined
  const flush = () => {
    const text = current.join('\n').trim()
    if (text) blocks.push(text)
    current = []
  }
  for (const line of body.split('\n')) {
    const fenceMatch = FENCE.exec(line)
    if (fence) {
      current.push(line)
      if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length) {
        fence = undefined
        flush()
      }
      continue
    }
    if (fenceMatch) {
      flush()
      fence = fenceMatch[1]
      current.push(line)
      continue
    }
    if (line.trim() === '') flush()
    else current.push(line)
  }
  flush()
  return blocks
}

/** A GFM table's delimiter row: `|---|:--:|`, pipes at the ends optional. */
const TABLE_DELIMITER = /^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$/

/**
 * A table too long for one chunk is cut between rows, and each piece starts with the header row
 * and the delimiter again: a row alone ("| 30 | yes |") says nothing of its columns.
 */
function splitTable(lines: string[], budget: number): string[] {
  const head = `${lines[0]}\n${lines[1]}`
  const out: string[] = []
  let current = head
  for (const row of lines.slice(2)) {
    if (current !== head && current.length + 1 + row.length > budget) {
      out.push(current)
      current = head
    }
    current += `\n${row}`
  }
  out.push(current)
  // A single row longer than the budget is still cut by words, as any text is.
  return out.flatMap(piece => (piece.length <= budget ? [piece] : splitWords(piece, budget)))
}

function isTable(block: string): boolean {
  const [header, delimiter] = block.split('\n', 2)
  return delimiter !== undefined && header!.includes('|') && TABLE_DELIMITER.test(delimiter)
}

function splitLong(block: string, budget: number): string[] {
  if (isTable(block)) return splitTable(block.split('\n'), budget)
  const isCode = /^(?:```|~~~)/.test(block)
  const pieces = isCode ? block.split('\n') : block.split(SENTENCE_END)
  const out: string[] = []
  for (const piece of pieces) {
    if (piece.length <= budget) out.push(piece)
    else out.push(...splitWords(piece, budget))
  }
  return isCode ? regroup(out, budget, '\n') : out
}

/** Code lines are tiny: glue them back into pieces close to the budget. */
function regroup(pieces: string[], budget: number, joiner: string): string[] {
  const out: string[] = []
  let current: string | undefined
  for (const piece of pieces) {
    if (current === undefined) current = piece
    else if (current.length + joiner.length + piece.length <= budget) current += joiner + piece
    else {
      out.push(current)
      current = piece
    }
  }
  if (current !== undefined) out.push(current)
  return out
}

function splitWords(text: string, budget: number): string[] {
  const words = text
    .split(/\s+/)
    .filter(Boolean)
    .flatMap(word => {
      // A word longer than the budget (a URL, base64) can only be cut.
      const cuts: string[] = []
      for (let i = 0; i < word.length; i += budget) cuts.push(word.slice(i, i + budget))
      return cuts
    })
  return regroup(words, budget, ' ')
}

/** The last whole sentences of `text` within `overlap` characters, else its last whole words. */
function tail(text: string, overlap: number): string {
  if (overlap <= 0 || !text) return ''
  if (text.length <= overlap) return text
  const sentences = text.split(SENTENCE_END)
  let out = ''
  for (let i = sentences.length - 1; i >= 0; i--) {
    const next = out ? `${sentences[i]} ${out}` : sentences[i]!
    if (next.length > overlap) break
    out = next
  }
  if (out) return out
  const cut = text.slice(-overlap)
  const space = cut.search(/\s/)
  return space === -1 ? '' : cut.slice(space + 1)
}
