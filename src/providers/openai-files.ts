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
  'c', 'cpp', 'cs', 'css', 'doc', 'docx', 'go', 'html', 'java', 'js', 'json', 'md', 'pdf', 'php',
  'pptx', 'py', 'rb', 'sh', 'tex', 'ts', 'txt',
])

/** Markdown dialects go up as Markdown; other text the store refuses goes up as plain text. */
const AS_MARKDOWN = new Set(['mdx', 'markdown', 'mdown', 'mkd', 'mkdn', 'mdwn', 'rmd'])

/**
 * The file name sent with an upload. The SDK sends only a base name, so the repository path is
 * flattened into it (readable in citations) and travels exactly in the `path` attribute. Formats
 * the store refuses for retrieval (.mdx, .vue, .yaml, .rst, ...) get a supported extension so a
 * docs site just works: `guide/setup.mdx` -> `guide__setup.mdx.md`.
 */
export function uploadName(path: string): string {
  const flat = path.replace(/\//g, '__')
  const dot = flat.lastIndexOf('.')
  const ext = dot > 0 ? flat.slice(dot + 1).toLowerCase() : ''
  if (SUPPORTED_EXTENSIONS.has(ext)) return flat
  return `${flat}.${AS_MARKDOWN.has(ext) ? 'md' : 'txt'}`
}

/** What decides what the store keeps for a document: the text conversion and the chunking. */
export function openAIFingerprint(chunkingStrategy: Record<string, unknown> | undefined): Record<string, unknown> {
  return { textConversion: 1, chunkingStrategy: chunkingStrategy ?? 'auto' }
}
