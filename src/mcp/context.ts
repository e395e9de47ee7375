import type { Connection, ResolvedOptions } from '../core'
import type { Logger } from '../lib/logger'
import type { DocumentLibrary } from './documents'

/** What every MCP session of one `vectornator mcp` process shares: the options, the store, the documents. */
export interface DocsContext {
  /** How tools name the documents to an assistant: `the documentation in /path/to/repo`. */
  name: string
  options: ResolvedOptions
  library: DocumentLibrary
  connection(): Promise<Connection>
  logger: Logger
  /** Cuts secrets out of a message before it leaves the process. */
  redact(text: string): string
  version: string
}
