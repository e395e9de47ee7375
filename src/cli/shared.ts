import type { CAC, Command } from 'cac'
import type { VectornatorOptions } from '../types'
import { createConsoleLogger, type Logger } from '../lib/logger'
import { createVectornator, openProject, type Project, type Vectornator, type VectornatorConfig } from '../core'
import { defaultRule, providerNames, secretVariables } from './providers'

/** Flags every command that reads the documents or the store understands. */
export interface CommonFlags {
  config?: string
  root?: string
  include?: string | string[]
  exclude?: string | string[]
  dot?: boolean
  allowSecret?: string | string[]
  store?: string
  provider?: string
  metadata?: string
  branch?: string
  push?: boolean
  concurrency?: number
  baseUrl?: string
  ref?: string
  json?: boolean
  quiet?: boolean
  debug?: boolean
}

export const env = process.env
export const useColor = () => !env.NO_COLOR && Boolean(process.stderr.isTTY)

/** A command registers itself on the CLI and sets the exit code through `setExit`. */
export type CommandModule = (cli: CAC, setExit: (code: number) => void) => void

export function withCommonFlags(command: Command): Command {
  return command
    .option('--config <file>', 'Config file (default vectornator.config.{ts,mjs,js,json} in the root)')
    .option('--root <dir>', 'Folder the globs and paths are relative to (default: current folder)')
    .option('--include <glob>', 'Documents to sync (repeatable; default: Markdown, MDX and text files)')
    .option('--exclude <glob>', 'Globs to leave out (repeatable)')
    .option(
      '--dot',
      'Let * and ** match names starting with a dot (.github/, .draft.md); without it only a glob naming the dot does',
    )
    .option(
      '--allow-secret <glob>',
      'Sync this path although it is or holds a credential (repeatable; without it such files are never uploaded)',
    )
    .option('--store <id>', 'Vector store id (env VECTORNATOR_STORE_ID)')
    .option('--provider <name>', `${providerNames().join(', ')} (default: ${defaultRule()})`)
    .option('--metadata <type>', 'Where the sync state lives: git-branch or file')
    .option('--branch <name>', 'Branch holding the state (default vectornator-metadata)')
    .option('--no-push', 'Do not push the state branch')
    .option('--concurrency <n>', 'Most requests in flight to the store (default 8)')
    .option('--base-url <url>', 'Site base for the url attribute')
    .option('--ref <ref>', 'Read the documents of this git ref (tag, branch, commit) instead of the work tree')
    .option('--json', 'Print one JSON object on stdout')
    .option('--quiet', 'Print nothing but errors')
    .option('--debug', 'Print traces')
}

/**
 * Never lets a secret reach the terminal, whatever an error carries: the value of every variable
 * a provider reads a secret from (of a URL, its password: the address itself helps to read an
 * error), any URL's password, and anything shaped like an API key.
 */
export function redact(text: string): string {
  let out = text
  for (const name of secretVariables()) {
    const value = env[name]
    if (!value) continue
    const password = urlPassword(value)
    if (password !== undefined) {
      if (password) out = out.split(`:${password}@`).join(':***@')
    } else if (value.length >= 8) out = out.split(value).join('***')
  }
  return out
    .replace(/\b([a-z][\w+.-]*:\/\/[^\s:/@]*):[^\s@/]+@/gi, '$1:***@')
    .replace(/sk-[A-Za-z0-9_-]{12,}/g, 'sk-***')
}

/** The password of a URL as written in it, '' for none; undefined when the value is no URL. */
function urlPassword(value: string): string | undefined {
  if (!/^[a-z][\w+.-]*:\/\//i.test(value)) return undefined
  try {
    return new URL(value).password
  } catch {
    return undefined
  }
}

export function loggerFor(flags: CommonFlags): Logger {
  return createConsoleLogger({ debug: flags.debug, silent: flags.quiet })
}

/** CLI flags as core options: only what was given, so defaults stay in one place (core/options). */
export function toOptions(flags: CommonFlags): VectornatorOptions {
  const options: VectornatorOptions = {}
  if (flags.root !== undefined) options.root = String(flags.root)
  if (flags.include !== undefined) options.include = ([] as unknown[]).concat(flags.include).map(String)
  if (flags.exclude !== undefined) options.exclude = ([] as unknown[]).concat(flags.exclude).map(String)
  if (flags.dot) options.dot = true
  if (flags.allowSecret !== undefined) options.allowSecrets = ([] as unknown[]).concat(flags.allowSecret).map(String)
  if (flags.store !== undefined) options.vectorStoreId = String(flags.store)
  if (flags.provider !== undefined) options.provider = String(flags.provider) as VectornatorOptions['provider']
  // As typed when it is not a number, so the message shows it ("abc"), not NaN.
  if (flags.concurrency !== undefined)
    options.concurrency = /^\s*\d+\s*$/.test(String(flags.concurrency))
      ? Number(flags.concurrency)
      : (String(flags.concurrency) as unknown as number)
  if (flags.baseUrl !== undefined) options.baseUrl = String(flags.baseUrl)
  if (flags.ref !== undefined) options.ref = String(flags.ref)
  if (flags.debug) options.debug = true
  if (flags.metadata !== undefined || flags.branch !== undefined || flags.push === false) {
    options.metadata = {
      ...(flags.metadata !== undefined ? { type: String(flags.metadata) as 'file' | 'git-branch' } : {}),
      ...(flags.branch !== undefined ? { branch: String(flags.branch) } : {}),
      ...(flags.push === false ? { push: false } : {}),
    }
  }
  return options
}

/**
 * The project a command runs in (core/project.ts, as the plugin and the MCP server open it): the
 * config file's options, overridden by the flags given and `extra`, resolved once, so a build and
 * a CI run read the same settings. No config and no --root: a VitePress site in a folder below is
 * the project, as the plugin, whose root is the site's folder, sees it (`init` writes that root
 * into the config).
 */
export function projectFor(flags: CommonFlags, extra: VectornatorConfig = {}): Promise<Project> {
  return openProject({
    cwd: process.cwd(),
    root: flags.root === undefined ? undefined : String(flags.root),
    configFile: flags.config === undefined ? undefined : String(flags.config),
    overrides: { ...toOptions(flags), ...extra },
    siteBelow: true,
  })
}

/** A command's core object, on the project's options as resolved. */
export function vectornatorOf(project: Project): Vectornator {
  return createVectornator(project.config, {}, project.options)
}
