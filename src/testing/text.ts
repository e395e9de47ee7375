import { extname } from 'node:path'
import type { StaticChunking } from './validate'

/**
 * The file types file_search accepts, from OpenAI's "Supported files" table
 * (platform.openai.com/docs/assistants/tools/file-search#supported-files). Anything else
 * (.mdx, .yaml, .vue, .csv, no extension, ...) is refused when attached, with `unsupported_file`.
 */
export const FILE_SEARCH_EXTENSIONS: readonly string[] = [
  '.c',
  '.cpp',
  '.cs',
  '.css',
  '.doc',
  '.docx',
  '.go',
  '.html',
  '.java',
  '.js',
  '.json',
  '.md',
  '.pdf',
  '.php',
  '.pptx',
  '.py',
  '.rb',
  '.sh',
  '.tex',
  '.ts',
  '.txt',
]

/** Formats whose bytes are not text; the real service runs a parser, this server only salvages strings. */
const BINARY_FORMATS = new Set(['.pdf', '.doc', '.docx', '.pptx'])

export function extensionOf(filename: string): string {
  return extname(filename).toLowerCase()
}

export function isSearchable(filename: string): boolean {
  return FILE_SEARCH_EXTENSIONS.includes(extensionOf(filename))
}

export type Extracted = { text: string } | { error: { code: 'invalid_file' | 'unsupported_file'; message: string } }

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The text the store indexes. Text formats must be UTF-8 without NUL bytes: binary data under a
 * `.md` or `.txt` name passes the extension check when attached, then ends `failed` with
 * `unsupported_file`, as on the real API. The binary office/PDF formats keep their printable
 * runs, as `strings` would, since parsing them for real would need dependencies a test double
 * should not carry.
 */
export function extractText(filename: string, content: Buffer): Extracted {
  if (BINARY_FORMATS.has(extensionOf(filename))) {
    const runs = content.toString('latin1').match(/[\x20-\x7E\t\n\r]{4,}/g) ?? []
    const text = runs.join('\n')
    if (!text.trim())
      return {
        error: { code: 'invalid_file', message: `The file ${filename} contains no text that could be extracted.` },
      }
    return { text }
  }
  const unreadable = {
    error: {
      code: 'unsupported_file' as const,
      message: `The file ${filename} could not be parsed as text: it holds binary data or is not valid UTF-8.`,
    },
  }
  if (content.includes(0)) return unreadable
  try {
    return { text: utf8.decode(content) }
  } catch {
    return unreadable
  }
}

/** Lower-cased runs of letters and digits: the unit of both the lexical ranker and the embeddings. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
}

/** A tokenizer-free estimate: OpenAI's rule of thumb is about four characters of English per token. */
export function approxTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4))
}

/**
 * Cuts text the way the `static` strategy does (windows of `max_chunk_size_tokens` that repeat
 * `chunk_overlap_tokens` of the previous window), with tokens approximated as four characters and
 * cuts moved to whitespace so no word is split.
 */
export function chunkText(text: string, strategy: StaticChunking): string[] {
  const size = strategy.max_chunk_size_tokens * 4
  const overlap = strategy.chunk_overlap_tokens * 4
  const spans = [...text.matchAll(/\S+/g)].map(m => ({ start: m.index, end: m.index + m[0].length }))
  const chunks: string[] = []
  let first = 0
  while (first < spans.length) {
    const start = spans[first]!.start
    let last = first
    while (last + 1 < spans.length && spans[last + 1]!.end - start <= size) last++
    const end = spans[last]!.end
    chunks.push(text.slice(start, end))
    if (last + 1 >= spans.length) break
    let next = last + 1
    while (next - 1 > first && spans[next - 1]!.start >= end - overlap) next--
    first = next
  }
  return chunks
}

/** FNV-1a, 32 bits: a stable, dependency-free hash for feature hashing. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}
