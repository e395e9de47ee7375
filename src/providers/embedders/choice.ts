/**
 * Which embedder a store on this machine (or a server) makes its vectors with, the same for every
 * provider that embeds chunks itself: `embed` (a function, or false), else `embedder` by name,
 * else env VECTORNATOR_EMBEDDER, else OpenAI embeddings with a key, the local model for a store
 * on this machine, and none for a server (whose users choose).
 */
import { UsageError } from '../../lib/errors'
import type { Logger } from '../../lib/logger'
import type { Env, ProviderInput } from '../definition'
import type { Embedder } from '../types'
import { openAIAccess } from '../openai/settings'
import { createOpenAIEmbedder } from './openai'
import { fetchModel } from './download'
import { createLocalEmbedder } from './local'
import { resolveLocalModel, type LocalEmbedderOptions, type LocalModel } from './model-files'

/**
 * Which embedder makes the vectors when `embed` is not given: `local`, a sentence model run on
 * this machine (an object sets its model, cache folder, local model folder or hub); `openai`,
 * OpenAI embeddings (env OPENAI_API_KEY); `none`, full-text search only.
 */
export type EmbedderChoice = 'local' | 'openai' | 'none' | LocalEmbedderOptions

export interface EmbedderSettings {
  /** Embedding function; `false` for full-text search only. Default: the one `embedder` names. */
  embed?: Embedder | false
  /**
   * The embedder by name: `local` (a sentence model run on this machine, downloaded once into a
   * cache folder; an object sets `model`, `cacheDir`, `localModelPath`, `remoteHost`), `openai` or
   * `none`. Default: env VECTORNATOR_EMBEDDER, else `openai` when OPENAI_API_KEY is set, else
   * `local` for a store on this machine and `none` for a server.
   */
  embedder?: EmbedderChoice
}

const EMBEDDER_NAMES = ['local', 'openai', 'none'] as const

/**
 * The embedder a definition's settings name, defaults applied: `openai` becomes its embedder here
 * (the key and base URL are the options' or the environment's); a name left for
 * `resolveEmbedder` otherwise. Problems are pushed, one line each.
 */
export function chooseEmbedder(
  input: ProviderInput,
  given: EmbedderSettings,
  { embedded }: { embedded: boolean },
  problems: string[],
): EmbedderSettings {
  let access: ReturnType<typeof openAIAccess> | undefined
  const openai = () => (access ??= openAIAccess(input, problems))
  let embed = given.embed
  let embedder = embed === undefined ? (given.embedder ?? embedderFromEnv(input.env, problems)) : given.embedder
  if (embed === undefined && embedder === undefined) embedder = openai().apiKey ? 'openai' : embedded ? 'local' : 'none'
  if (embed === undefined && embedder === 'openai') {
    if (openai().apiKey) embed = createOpenAIEmbedder(openai())
    else
      problems.push(
        'the openai embedder needs OPENAI_API_KEY: export OPENAI_API_KEY=sk-... (or pass apiKey), or use VECTORNATOR_EMBEDDER=local',
      )
    embedder = undefined
  }
  return { embed, embedder }
}

function embedderFromEnv(env: Env, problems: string[]): EmbedderChoice | undefined {
  const name = env.VECTORNATOR_EMBEDDER?.trim()
  if (!name) return undefined
  if ((EMBEDDER_NAMES as readonly string[]).includes(name)) return name as EmbedderChoice
  problems.push(`VECTORNATOR_EMBEDDER=${name} is not an embedder: use ${EMBEDDER_NAMES.join(', ')}`)
  return undefined
}

const LOCAL_KEYS: (keyof LocalEmbedderOptions)[] = ['model', 'cacheDir', 'localModelPath', 'remoteHost']

/**
 * The embedder the settings name, made: the function, or the local model when it is on disk; a
 * local model that is not yet there is `missingModel` (the run stays full-text, see ModelLine).
 * Throws one UsageError, prefixed with the provider's name, naming the fix.
 */
export function resolveEmbedder(
  who: string,
  options: EmbedderSettings & { root?: string },
  env: Env,
): { embed?: Embedder; missingModel?: LocalModel } {
  const choice = options.embedder
  if (options.embed !== undefined) {
    if (choice !== undefined)
      throw new UsageError(`${who}: pass either embed or embedder, not both: embedder names a built-in one`)
    return { embed: options.embed || undefined }
  }
  if (choice === undefined || choice === 'none') return {}
  if (choice === 'openai') {
    if (!env.OPENAI_API_KEY)
      throw new UsageError(
        `${who}: embedder openai needs OPENAI_API_KEY: export it, or use embedder local (no key needed)`,
      )
    return { embed: createOpenAIEmbedder() }
  }
  if (choice !== 'local' && (typeof choice !== 'object' || choice === null || Array.isArray(choice)))
    throw new UsageError(
      `${who}: embedder ${JSON.stringify(choice)} is not an embedder: use local, openai, none or { ${LOCAL_KEYS.join(', ')} }`,
    )
  const settings = choice === 'local' ? {} : choice
  const unknown = Object.keys(settings).find(key => !LOCAL_KEYS.includes(key as keyof LocalEmbedderOptions))
  if (unknown)
    throw new UsageError(`${who}: embedder.${unknown} is not a local embedder setting: use ${LOCAL_KEYS.join(', ')}`)
  const model = resolveLocalModel(settings, env, options.root, who)
  return model.foundIn ? { embed: createLocalEmbedder(model) } : { missingModel: model }
}

/**
 * A local model chosen but not on disk: the first write of the process tries to download it, and
 * the run stays full-text either way (its fingerprint said so). `line` says why, or that the next
 * sync embeds; a search says it without trying the hub (the stored chunks have no vectors yet).
 */
export class ModelLine {
  line: string | undefined

  constructor(
    private readonly missing: LocalModel | undefined,
    private readonly logger: Pick<Logger, 'info'> | undefined,
  ) {}

  async beforeWrite(): Promise<void> {
    if (!this.missing || this.line) return
    this.line = (await fetchModel(this.missing, this.logger ?? { info() {} })).line
  }

  beforeSearch(): void {
    if (this.missing && !this.line)
      this.line = `semantic search off: model ${this.missing.model} is not cached; full-text search only (the next sync that writes downloads it, or set embedder.localModelPath for offline use)`
  }
}
