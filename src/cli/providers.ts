import type { Env, ProviderDefinition } from '../providers/definition'
import { PROVIDERS } from '../providers/registry'

/**
 * The providers as the CLI speaks of them, read from their definitions: the CLI names none, so a
 * provider added to the registry shows up in the help, in `init`'s choice and in what is never
 * printed, with no change here.
 */

const definitions = (): ProviderDefinition[] => Object.values(PROVIDERS) as ProviderDefinition[]

export const providerNames = (): string[] => definitions().map(d => d.name)

/** One form of a provider `init` can set up: the provider, or its server form. */
export interface ProviderChoice {
  name: string
  describe: string
  /** The repository secrets a CI job passes; none for a store on this machine. */
  secrets: readonly string[]
  /**
   * The store lives on the machine that runs the sync (a CI job builds it afresh each time): a
   * form that reads no secret has nothing to reach elsewhere.
   */
  local: boolean
}

/** Every form of every provider, in the registry's order (a server form right after its provider). */
export function providerChoices(): ProviderChoice[] {
  return definitions().flatMap(d => {
    const own: ProviderChoice = {
      name: d.name,
      describe: d.describe ?? d.name,
      secrets: d.secrets ?? [],
      local: (d.secrets ?? []).length === 0,
    }
    return d.server
      ? [own, { name: d.name, describe: d.server.describe, secrets: d.server.secrets, local: false }]
      : [own]
  })
}

/** The form of a named provider: its server form when the variables naming the server are set. */
export function providerChoice(name: string, env: Env): ProviderChoice | undefined {
  const [own, server] = providerChoices().filter(c => c.name === name)
  return server && server.secrets.every(s => env[s]) ? server : own
}

/**
 * The providers a run with none named may take, in order, each with the variables that make it
 * taken: a definition that says yes with its own secrets (or its server form's) set, until one
 * that says yes with nothing set (the last resort).
 */
export function defaultChoices(): { choice: ProviderChoice; when: readonly string[]; server?: true }[] {
  const out: { choice: ProviderChoice; when: readonly string[]; server?: true }[] = []
  for (const d of definitions()) {
    const secrets = d.secrets ?? []
    const ask = (env: Env) => d.chosenByDefault({ options: {}, env, root: process.cwd() })
    const [choice, server] = providerChoices().filter(c => c.name === d.name)
    const set = (names: readonly string[]) => ask(Object.fromEntries(names.map(s => [s, 'set'])))
    if (ask({})) return [...out, { choice: choice!, when: [] }]
    if (secrets.length && set(secrets)) out.push({ choice: choice!, when: secrets })
    else if (server && d.server && set(d.server.secrets))
      out.push({ choice: server, when: d.server.secrets, server: true })
  }
  return out
}

/** The default in words: "openai when OPENAI_API_KEY is set, else postgres when DATABASE_URL is set, else lancedb", from the definitions. */
export function defaultRule(): string {
  return defaultChoices()
    .map(({ choice, when }) => (when.length ? `${choice.name} when ${when.join(' and ')} is set` : choice.name))
    .join(', else ')
}

/**
 * The secrets a run with no provider named may need: those of every provider it may take. A
 * server form's are not among them: a workflow reaches a server when its config names the provider.
 */
export function defaultSecrets(): string[] {
  return [...new Set(defaultChoices().flatMap(c => (c.server ? [] : c.when)))]
}

/** Every environment variable any provider reads a secret from, server forms included. */
export function secretVariables(): string[] {
  return [...new Set(definitions().flatMap(d => [...(d.secrets ?? []), ...(d.server?.secrets ?? [])]))]
}
