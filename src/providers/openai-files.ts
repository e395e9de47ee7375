import { createHash } from 'node:crypto'
import type { ProviderLimits } from './types'

/**
 * What the OpenAI API allows, kept apart from the provider so the core can read it without
 * importing the SDK (a sync with nothing to send never loads it).
 */
export const OPENAI_LIMITS: ProviderLimits = {
  // POST /files: "Individual files can be up to 512 MB" (openai-openapi.yaml, createFile).
  maxFileBytes: 512 * 1024 * 1024,
  // VectorStoreFileAttributes: 16 pairs, keys up to 64 characters, strings up to 512.
  maxAttributes: 16,
  maxAttributeKeyLength: 64,
  maxAttributeValueLength: 512,
  // CreateVectorStoreFileBatchRequest takes up to 2000 files; 500 keeps the content held in
  // memory and the cost of one refused batch low while still saving ~99% of attach requests.
  maxBatchFiles: 500,
}

/** Extensions file search accepts (platform.openai.com/docs/assistants/tools/file-search#supported-files). */
export const SUPPORTED_EXTENSIONS = new Set([
  'c',
  'cpp',
  'cs',
  'css',
  'doc',
  'docx',
  'go',
  'html',
  'java',
  'js',
  'json',
  'md',
  'pdf',
  'php',
  'pptx',
  'py',
  'rb',
  'sh',
  'tex',
  'ts',
  'txt',
])

/** Markdown dialects go up as Markdown; other text the store refuses goes up as plain text. */
const AS_MARKDOWN = new Set(['mdx', 'markdown', 'mdown', 'mkd', 'mkdn', 'mdwn', 'rmd'])

/**
 * The file name sent with an upload. The SDK sends only a base name, so the repository path is
 * flattened into it (readable in citations) and travels exactly in the `path` attribute. Formats
 * the store refuses for retrieval (.mdx, .vue, .yaml, .rst, ...) get a supported extension so a
 * docs site just works: `guide/setup.mdx` -> `guide__setup.mdx.md`.
 *
 * With `storeId`, the name also carries a short key of the store it is uploaded for
 * (`guide__setup.vn1a2b3c4d.mdx.md`): another project in the same account, with the same paths, or
 * this project's store before `--new-store`, uploads under other names, so what is recognised by
 * name as this store's upload never belongs to them.
 */
export function uploadName(path: string, storeId?: string): string {
  const flat = path.replace(/\//g, '__')
  const dot = flat.lastIndexOf('.')
  const ext = dot > 0 ? flat.slice(dot + 1).toLowerCase() : ''
  const owned = storeId
    ? dot > 0
      ? `${flat.slice(0, dot)}.${storeKey(storeId)}${flat.slice(dot)}`
      : `${flat}.${storeKey(storeId)}`
    : flat
  if (SUPPORTED_EXTENSIONS.has(ext)) return owned
  return `${owned}.${AS_MARKDOWN.has(ext) ? 'md' : 'txt'}`
}

/** The short key of a store in the names of its uploads. */
export function storeKey(storeId: string): string {
  return `vn${createHash('sha256').update(storeId).digest('hex').slice(0, 8)}`
}

/** What decides what the store keeps for a document: the text conversion and the chunking. */
export function openAIFingerprint(chunkingStrategy: Record<string, unknown> | undefined): Record<string, unknown> {
  return { textConversion: 1, chunkingStrategy: chunkingStrategy ?? 'auto' }
}
