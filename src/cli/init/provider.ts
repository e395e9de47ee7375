import type { Logger } from '../../lib/logger'
import { UsageError } from '../../lib/errors'
import { findConfigFile, loadConfig } from '../../core'
import type { Env } from '../../providers/definition'
import {
  defaultRule,
  defaultSecrets,
  providerChoice,
  providerChoices,
  providerNames,
  type ProviderChoice,
} from '../providers'

/** What `init` writes for the store: the provider the config names (none: the default) and the secrets CI passes. */
export interface InitProvider {
  /** Named in the config; undefined leaves the choice to the default. */
  name?: string
  secrets: readonly string[]
  /** The store lives on the machine that syncs (a CI job rebuilds it on every run). */
  local: boolean
  describe?: string
}

const fromChoice = (c: ProviderChoice): InitProvider => ({
  name: c.name,
  secrets: c.secrets,
  local: c.local,
  describe: c.describe,
})

/** None named: what a run takes by default, and the secrets any provider it may take reads. */
const byDefault = (): InitProvider => ({ secrets: defaultSecrets(), local: false })

export const listNames = () => {
  const names = providerNames()
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`
}

/** The provider a `--provider` flag names; an unknown one is refused before anything is written. */
export function namedProvider(name: string, env: Env): InitProvider {
  const choice = providerChoice(name, env)
  if (!choice) throw new UsageError(`--provider ${name} is unknown: use ${listNames()}`)
  return fromChoice(choice)
}

/**
 * The provider when no flag names one: the existing config's (the workflow must pass what it
 * needs), else the user's answer, else the default.
 */
export async function chooseProvider(
  root: string,
  env: Env,
  ask: ((question: string) => Promise<string>) | undefined,
  logger: Logger,
): Promise<InitProvider> {
  const existing = await configuredProvider(root)
  if (existing !== undefined) return existing === null ? byDefault() : namedOr(existing, env)
  return ask ? askProvider(env, ask, logger) : byDefault()
}

function namedOr(name: string, env: Env): InitProvider {
  const choice = providerChoice(name, env)
  return choice ? fromChoice(choice) : byDefault()
}

/** The provider the project's config names; null when it names none; undefined with no config. */
async function configuredProvider(root: string): Promise<string | null | undefined> {
  let file: string | undefined
  try {
    file = findConfigFile(root)
  } catch {
    return null
  }
  if (!file) return undefined
  try {
    const { options } = await loadConfig({ root, configFile: file })
    return typeof options.provider === 'string' ? options.provider : null
  } catch {
    // A config that does not load is the user's to fix; `sync` says how. The workflow takes the default.
    return null
  }
}

async function askProvider(
  env: Env,
  ask: (question: string) => Promise<string>,
  logger: Logger,
): Promise<InitProvider> {
  const choices = providerChoices()
  const width = Math.max(...choices.map(c => c.name.length))
  const menu = choices.map(
    (c, i) =>
      `  ${i + 1}. ${c.name.padEnd(width)}  ${c.describe}${c.secrets.length ? ` (needs ${c.secrets.join(', ')})` : ''}`,
  )
  const question = `Where the documents are kept:\n${menu.join('\n')}\nA number or a name [Enter: ${defaultRule()}]: `
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = (await ask(question)).trim()
    if (!answer) return byDefault()
    const byNumber = /^\d+$/.test(answer) ? choices[Number(answer) - 1] : undefined
    const choice = byNumber ?? providerChoice(answer, env)
    if (choice) return fromChoice(choice)
    logger.warn(`${answer} is not one of the choices: give its number or ${listNames()}`)
  }
  return byDefault()
}
