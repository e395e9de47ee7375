import type { Logger } from './lib/logger'
import type { Attributes, VectorStoreProvider } from './providers/types'
import type { StateStore } from './core/state/types'
import type { CheckReport } from './core/run/retrieval'
import type { AttributeRuleOption } from './core/scan/rules'

export type { Logger } from './lib/logger'
export type * from './providers/types'
export type { SyncState, FileState, StateStore, JournalEntry } from './core/state/types'
export type { CheckReport, CheckOutcome, RetrievalCheck } from './core/run/retrieval'
export type { AttributeRule, AttributeRuleOption } from './core/scan/rules'

export type { OpenAISettings, PostgresSettings, ProviderName, ProviderOptions } from './providers/registry'
import type { ProviderName, ProviderOptions } from './providers/registry'

export interface MetadataOptions {
  /** `git-branch` (default inside a git repository) or `file`. */
  type?: 'git-branch' | 'file'
  /** Branch holding the state, default `vectornator-metadata`. */
  branch?: string
  /** Remote to fetch from and push to, default `origin`. */
  remote?: string
  /** Push the branch after a sync (default true when the remote exists). */
  push?: boolean
  /** State file for `type: 'file'`, default `.vectornator/metadata.json` under the root. */
  path?: string
  /**
   * Key of this project's state inside the branch, so several projects or stores share one
   * branch. Default: the root's path inside the repository plus the provider name.
   */
  key?: string
}

/** The options of a sync; the providers' settings may also be given flat (`apiKey`, `chunkSize`, ...). */
export interface VectornatorOptions extends ProviderOptions {
  /** Folder the globs and the document paths are relative to. Default: `process.cwd()`. */
  root?: string
  /** Globs of documents to sync. Default: Markdown, MDX and text files. */
  include?: string | string[]
  /** Globs to leave out, added to the defaults (node_modules, .git, .env*, build output). */
  exclude?: string | string[]
  /** Honour .gitignore files. Default true. */
  gitignore?: boolean
  /**
   * Let `*` and `**` in `include` match files and folders whose names start with a dot
   * (`.github/`, `.changeset/`, `.draft.md`), as fast-glob's `dot`. Default false: a dot entry is
   * synced only by a glob that names it (`.github/**\/*.md`). Excludes match dot names either way.
   */
  dot?: boolean
  /**
   * Paths (globs) synced although they are credentials by name (`id_rsa`, `*.pem`, `.npmrc`, ...)
   * or hold one (a private key block, an API key or token): without it such files are never
   * uploaded, served by MCP or written to llms files, and each is named once in the output.
   */
  allowSecrets?: string | string[]
  /**
   * Sync the documents of this git ref (a tag, a branch, a commit) instead of the work tree,
   * read from git's objects: CI can publish a tag without checking it out.
   */
  ref?: string

  /** A provider name (`openai`, `azure`, `chroma`, `qdrant`, `pinecone`, `postgres`, `lancedb`) or a provider object. Default: `openai` when OPENAI_API_KEY is set, else `postgres` when DATABASE_URL is set, else `lancedb` (embedded). */
  provider?: ProviderName | VectorStoreProvider

  /** Store to sync into. Default: env VECTORNATOR_STORE_ID, else the one recorded in the state, else a new one. */
  vectorStoreId?: string
  /** Name of a store created on demand. Default: `vectornator <folder name>`. */
  storeName?: string

  /** Where the sync state lives. */
  metadata?: 'git-branch' | 'file' | MetadataOptions | StateStore

  /**
   * Most HTTP requests in flight at once to the store: for OpenAI every API request (uploads,
   * attaches, polls, deletes, listings); for postgres the embedding requests (the database has
   * its own pool, `maxConnections`). One bound for the whole sync, whatever runs side by side.
   * Reading and hashing local files has a fixed bound of its own. Default 8.
   */
  concurrency?: number
  /** Plan only: change nothing remote, write no state. */
  dryRun?: boolean
  /** Largest file to send, in bytes. Default: the provider's limit. */
  maxFileSize?: number

  /** Site base for the `url` attribute, e.g. `https://docs.example.com/`. */
  baseUrl?: string
  /** Front matter fields to copy into attributes, or a function returning extra attributes. */
  attributes?:
    | string[]
    | ((doc: { path: string; frontmatter: Record<string, unknown>; content: string }) => Attributes | undefined)
  /**
   * Each document's `version` attribute: one value for all (`'2.x'`), or a rule
   * `{ patterns: ['versioned_docs/version-{version}/**'], frontmatter, fromRef, default }`.
   * Search and checks filter on it; a search naming no version gets the rule's `default`.
   */
  version?: AttributeRuleOption
  /** Each document's `locale` attribute: one value for all (`'en'`), or a rule like `version`'s (no `fromRef`). */
  locale?: AttributeRuleOption

  /** Largest share of the store one sync may delete before it stops, default 0.5. */
  maxDeletions?: number
  /** Let a sync delete more than `maxDeletions`. */
  allowMassDelete?: boolean
  /**
   * Create a new store and upload every document into it, leaving the state's store behind (the
   * way back when that store was deleted outside vectornator). Its File objects are removed when
   * the old store no longer exists.
   */
  newStore?: boolean
  /**
   * Publish this tree even when the store holds the documents of a newer commit (one this
   * checkout's commit is an ancestor of). Without it such a sync changes nothing: the store never
   * moves backwards in history. `ref` syncs and rollbacks are explicit and need no flag.
   */
  allowOlder?: boolean
  /** Compare every document with the store before planning (one listing), repairing what drifted. */
  verify?: boolean

  /**
   * Retrieval checks to run after each sync: a checks file path, or true for
   * `vectornator.checks.{json,yaml}` in the root. A failing check fails the sync's exit code.
   */
  checks?: string | boolean

  onProgress?: (event: ProgressEvent) => void
  logger?: Logger
  debug?: boolean
}

export type ProgressEvent =
  | { type: 'scan'; files: number }
  | { type: 'plan'; add: number; update: number; delete: number; unchanged: number; rename: number; retag: number }
  | {
      type: 'file'
      op: 'add' | 'update' | 'delete' | 'rename' | 'retag'
      path: string
      ok: boolean
      error?: string
      done: number
      total: number
    }
  | { type: 'done'; result: SyncResult }

export interface SyncFailure {
  path: string
  error: string
}

/** Another sync of the same state met this one, and what happened (see core/run/race.ts). */
export interface RaceReport {
  /** `replanned`: published after planning again against the winner; `yielded`: kept its state; `kept-newer`: the store already held a newer commit. */
  outcome: 'replanned' | 'yielded' | 'kept-newer'
  /** The source commit of the state this sync met. */
  theirs?: string
  reason: string
}

/** What a sync did; the CLI's `--json` object. */
export interface SyncResult {
  storeId: string
  dryRun: boolean
  added: string[]
  updated: string[]
  deleted: string[]
  /** Moves and attribute-only changes, applied without re-uploading. */
  renamed: { from: string; to: string }[]
  retagged: string[]
  unchanged: number
  failed: SyncFailure[]
  skipped: { path: string; reason: string }[]
  durationMs: number
  /** Retrieval checks run after the sync (option `checks`). */
  checks?: CheckReport
  /** Another sync of the same state met this one: what happened (see core/race.ts). */
  race?: RaceReport
  /** Documents the store lacked, had failed or had altered, found and repaired before planning. */
  repaired?: string[]
  /** Answers the sync's requests retried, by cause; absent when none was. */
  retries?: { total: number; serverErrors: number; rateLimits: number; lostConnections: number }
}
