import { UsageError } from '../lib/errors'
import type { VectorStoreProvider } from './types'
import type { Env, ProviderDefinition, ResolvedProvider } from './definition'
import { openaiDefinition } from './openai/definition'
import { azureDefinition } from './azure/definition'
import { postgresDefinition } from './postgres/definition'
import { chromaDefinition } from './chroma/definition'
import { lancedbDefinition } from './lancedb/definition'
import { qdrantDefinition } from './qdrant/definition'
import { pineconeDefinition } from './pinecone/definition'

export type { OpenAISettings } from './openai/settings'
export type { AzureSettings } from './azure/settings'
export type { PostgresSettings } from './postgres/options'
export type { ChromaSettings } from './chroma/options'
export type { LanceDBSettings } from './lancedb/options'
export type { QdrantSettings } from './qdrant/options'
export type { PineconeSettings } from './pinecone/options'
export type { ProviderContext, ResolvedProvider } from './definition'

/**
 * The providers the core can create by name. The core never names one: it resolves the options'
 * provider here, once, into one `ResolvedProvider`, and a provider's SDK is imported only by
 * `create`, so a sync with nothing to send (which needs only limits and the fingerprint) loads
 * none. Adding a provider is its folder (with a definition), one entry here, and its conformance
 * test. The order matters: with no provider named, the first whose `chosenByDefault` says yes
 * (OpenAI with a key, a PostgreSQL server with DATABASE_URL, else the embedded LanceDB).
 */
export const PROVIDERS = {
  openai: openaiDefinition,
  chroma: chromaDefinition,
  qdrant: qdrantDefinition,
  pinecone: pineconeDefinition,
  azure: azureDefinition,
  postgres: postgresDefinition,
  lancedb: lancedbDefinition,
} as const satisfies Record<
  string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ProviderDefinition<any, any>
>
export type ProviderName = keyof typeof PROVIDERS

type OptionsOf<D> = D extends ProviderDefinition<infer O, unknown> ? O : never
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never

/**
 * The providers' options as the user gives them: each provider's flat (`apiKey`, `chunkSize`) or
 * grouped under its name (`openai: { apiKey }`, the same settings; a grouped one wins).
 */
export type ProviderOptions = Intersection<OptionsOf<(typeof PROVIDERS)[ProviderName]>> & {
  [N in ProviderName]?: OptionsOf<(typeof PROVIDERS)[N]>
}

/** Every option key the providers own, the group names included (for the config file's key check). */
export const PROVIDER_OPTION_KEYS: readonly (keyof ProviderOptions)[] = Object.values(PROVIDERS).flatMap(
  d => [d.name, ...d.keys] as (keyof ProviderOptions)[],
)

export function providerDefinition(name: string): ProviderDefinition | undefined {
  return Object.hasOwn(PROVIDERS, name) ? (PROVIDERS[name as ProviderName] as ProviderDefinition) : undefined
}

/** What the options say of the provider: `provider` (a name or an object) and the providers' settings. */
export interface ProviderRequest extends ProviderOptions {
  provider?: ProviderName | VectorStoreProvider
}

/**
 * The one provider of a run: the named definition (or the default one) with its settings checked,
 * or the user's own provider object. Each problem (one line naming the fix) is pushed on
 * `problems`; the result is undefined only when no provider could be found at all.
 */
export function resolveProvider(
  request: ProviderRequest,
  { root, env }: { root: string; env: Env },
  problems: string[],
): ResolvedProvider | undefined {
  const options = ungrouped(request, problems)
  const input = { options, env, root }
  const chosen = request.provider ?? Object.values(PROVIDERS).find(d => d.chosenByDefault(input))!.name
  if (typeof chosen === 'object' && chosen !== null) {
    const missing = missingMembers(chosen)
    if (missing.length === 0) return fromObject(chosen)
    problems.push(
      `provider object is missing ${missing.join(', ')}: a provider implements the interface in README "The provider interface", or name one (${names()})`,
    )
    return undefined
  }
  const definition = providerDefinition(String(chosen))
  if (!definition) {
    problems.push(`provider "${String(chosen)}" is unknown: use ${names()}, or pass a provider object`)
    return undefined
  }
  return fromDefinition(definition, input, request.provider !== undefined, problems)
}

const names = () => Object.keys(PROVIDERS).join(' or ')

/** The options with each provider's group (`openai: { apiKey }`) merged over the flat keys. */
function ungrouped(request: ProviderRequest, problems: string[]): Record<string, unknown> {
  let options: Record<string, unknown> = { ...request }
  for (const definition of Object.values(PROVIDERS) as ProviderDefinition[]) {
    const group = definition.name
    const given = (request as Record<string, unknown>)[group]
    if (given === undefined) continue
    const keys: readonly string[] = definition.keys
    if (!given || typeof given !== 'object') {
      problems.push(`${group} must be an object of ${group} settings (${keys.join(', ')})`)
      continue
    }
    const unknown = Object.keys(given).filter(k => !keys.includes(k))
    if (unknown.length) problems.push(`${group}.${unknown[0]} is not a ${group} setting: use ${keys.join(', ')}`)
    options = { ...options, ...given }
  }
  return options
}

function fromDefinition(
  definition: ProviderDefinition,
  input: { options: Record<string, unknown>; env: Env; root: string },
  named: boolean,
  problems: string[],
): ResolvedProvider {
  const before = problems.length
  const settings = definition.settings(input, problems)
  // With a problem the options are refused: the fingerprint of bad settings is never needed.
  const valid = problems.length === before
  return {
    name: definition.name,
    named,
    limits: definition.limits,
    fingerprint: valid ? { provider: definition.name, ...definition.fingerprint(settings) } : {},
    local: valid && Boolean(definition.local?.(settings)),
    exclusive: valid && Boolean(definition.exclusive?.(settings)),
    canRetag: true,
    searchKind: (valid && definition.searchKind?.(settings)) || STORE_SEARCH,
    embedded: valid ? definition.embedded?.(settings) : undefined,
    lostInCI: valid ? definition.lostInCI?.(settings) : undefined,
    async create(context) {
      const missing = definition.missing?.(settings)
      if (missing) throw new UsageError(missing)
      return definition.create(settings, context)
    },
    createdNotice: provider => definition.createdNotice?.(settings, provider),
  }
}

const STORE_SEARCH = "with the store's own search"

/** The user's own provider: used as it is, its own fingerprint deciding re-uploads. */
function fromObject(provider: VectorStoreProvider): ResolvedProvider {
  return {
    name: provider.name,
    named: true,
    limits: provider.limits,
    fingerprint: { provider: provider.name, ...(provider.fingerprint?.() ?? {}) },
    local: false,
    exclusive: false,
    canRetag: Boolean(provider.updateAttributes),
    searchKind: STORE_SEARCH,
    embedded: undefined,
    lostInCI: undefined,
    create: async () => provider,
    createdNotice: () => undefined,
  }
}

/** The members every provider has (the seed's interface), for the message naming what an object lacks. */
const PROVIDER_METHODS = [
  'initialize',
  'connect',
  'disconnect',
  'verifyStore',
  'createStore',
  'uploadFile',
  'updateFile',
  'deleteFile',
  'listFiles',
  'enrichMetadata',
  'cleanup',
] as const

function missingMembers(value: object): string[] {
  const missing: string[] = PROVIDER_METHODS.filter(m => typeof (value as Record<string, unknown>)[m] !== 'function')
  if (typeof (value as { name?: unknown }).name !== 'string') missing.unshift('name')
  if (typeof (value as { limits?: unknown }).limits !== 'object') missing.push('limits')
  return missing
}
