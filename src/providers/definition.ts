import type { Logger } from '../lib/logger'
import type { ProviderLimits, VectorStoreProvider } from './types'

/**
 * What a provider is, before its SDK is loaded: the settings it owns (their names, defaults,
 * environment variables and checks), its limits, what of its settings decides what the store
 * keeps (the fingerprint), and a lazy `create`. The registry lists the definitions; the core
 * only ever sees the one `ResolvedProvider` made from the definition the options name.
 */

export type Env = Record<string, string | undefined>

/** What a provider's settings are read from. */
export interface ProviderInput {
  /** The user's options, a provider's grouped keys (`openai: { apiKey }`) already merged in. */
  options: Record<string, unknown>
  env: Env
  /** The sync root (an embedded store lives under it). */
  root: string
}

/** What a provider is created with besides its own settings. */
export interface ProviderContext {
  concurrency: number
  logger: Logger
}

/** `Options` is what the user writes (flat or grouped under the name), `Settings` the checked, defaulted form. */
export interface ProviderDefinition<Options extends object = object, Settings = unknown> {
  readonly name: string
  readonly limits: ProviderLimits
  /** The option keys the provider owns, each given flat or under the provider's name. */
  readonly keys: readonly (keyof Options & string)[]
  /**
   * Taken when no provider is named and this says yes; the registry asks in its order, so the
   * last definition (the one that needs nothing) says yes to anything.
   */
  chosenByDefault(input: ProviderInput): boolean
  /** The settings, defaulted from the environment and checked: each problem, one line naming the fix, pushed on `problems`. */
  settings(input: ProviderInput, problems: string[]): Settings
  /** The settings that decide what the store keeps for a document: a change re-indexes every one. */
  fingerprint(settings: Settings): Record<string, unknown>
  /** Why the provider cannot be created (a missing key), checked only when it is: a plan needs none. */
  missing?(settings: Settings): string | undefined
  /** One line saying where the documents are kept and what that needs (`init`'s choice, the --provider help). */
  readonly describe?: string
  /**
   * The environment variables a run reads the store's address or credentials from: the
   * repository secrets a CI job passes, and what the CLI never prints. Empty for a store on this
   * machine, which a CI job builds afresh on every run.
   */
  readonly secrets?: readonly string[]
  /**
   * The provider's other form, when it has one: a server named by environment variables in place
   * of the store on this machine (postgres: DATABASE_URL instead of the embedded PGlite), taken
   * when they are set.
   */
  readonly server?: { readonly describe: string; readonly secrets: readonly string[] }
  /** Loads the provider's SDK and creates it. */
  create(settings: Settings, context: ProviderContext): Promise<VectorStoreProvider>
  /** Said once a store is created: where it is kept, how to search it; undefined for nothing to say. */
  createdNotice?(settings: Settings, provider: VectorStoreProvider): string | undefined
  /**
   * True when one process at a time may open the store (an embedded database, whose copy a
   * reader would write back over a sync's when it closes): readers then hold the state's lock.
   */
  exclusive?(settings: Settings): boolean
  /**
   * True when the store lives on this machine (an embedded database in the project folder): its
   * state is then kept beside it, never in the shared branch, since no other clone can reach it.
   */
  local?(settings: Settings): boolean
  /** How a search of the store finds documents, said plainly (the MCP server's tool description). */
  searchKind?(settings: Settings): string
  /** A store kept in a folder on this machine, which a long-lived reader opens a copy of. */
  embedded?(settings: Settings): EmbeddedStore | undefined
  /**
   * Why a build in CI that took this provider by default syncs nothing (its store would be made
   * on a machine thrown away after the job), naming what to set; undefined when it syncs.
   */
  lostInCI?(settings: Settings): string | undefined
}

export interface EmbeddedStore {
  dataDir: string
  /** The provider over a copy of `dataDir`, with every other setting the same. */
  openCopy(dataDir: string, context: ProviderContext): Promise<VectorStoreProvider>
}

/**
 * The provider a run uses, resolved once from the options: a registered definition with its
 * settings, or the user's own provider object. Its settings (a key among them) stay inside it:
 * nothing here prints or stores them.
 */
export interface ResolvedProvider {
  readonly name: string
  /** Named (option, config or flag), not taken by default. */
  readonly named: boolean
  readonly limits: ProviderLimits
  /** What decides what the store keeps for a document (see the plan's fingerprint). */
  readonly fingerprint: Record<string, unknown>
  /** See ProviderDefinition.local. */
  readonly local: boolean
  /** See ProviderDefinition.exclusive. */
  readonly exclusive: boolean
  /** Attributes can be rewritten in place (renames and re-tags upload nothing). */
  readonly canRetag: boolean
  readonly searchKind: string
  readonly embedded: EmbeddedStore | undefined
  /** See ProviderDefinition.lostInCI. */
  readonly lostInCI: string | undefined
  /** Creates the provider; its SDK is imported only now. Throws a UsageError when a setting it needs is missing. */
  create(context: ProviderContext): Promise<VectorStoreProvider>
  createdNotice(provider: VectorStoreProvider): string | undefined
}
