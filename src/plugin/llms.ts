import { isAbsolute, relative } from 'node:path'
import type { Logger } from '../lib/logger'
import { errorMessage, SyncError } from '../lib/errors'
import type { Site, Vectornator } from '../core'
import type { PluginSettings } from './options'

/** Output folders the default excludes already leave out (see DEFAULT_EXCLUDE). */
const EXCLUDED = new Set([
  'dist',
  'build',
  'out',
  '.output',
  '.next',
  '.nuxt',
  '.svelte-kit',
  '.astro',
  'node_modules',
  '.vectornator',
])

/**
 * The excludes to sync with when llms.txt goes into a folder the documents' globs may reach (a
 * Vite `outDir: 'site'`): the files written there, so no later sync takes them for documents.
 * Undefined, the user's excludes as they are, in every other case.
 */
export function excludeWritten(
  settings: PluginSettings,
  root: string,
  outDir: string | undefined,
): string[] | undefined {
  if (!settings.llmsTxt || !outDir) return undefined
  const out = relative(root, outDir).split('\\').join('/')
  const parts = out.split('/')
  if (
    out.startsWith('..') ||
    isAbsolute(out) ||
    parts.some(p => EXCLUDED.has(p)) ||
    /(^|\/)\.vitepress\/dist(\/|$)/.test(out)
  )
    return undefined
  const base = out ? `${out}/` : ''
  const own = [`${base}llms.txt`, `${base}llms-full.txt`, `${base}*/llms.txt`, `${base}*/llms-full.txt`]
  const user = settings.core.exclude
  return [...(user === undefined ? [] : typeof user === 'string' ? [user] : user), ...own]
}

/** How the sync before went: llms.txt is written from the state either way, and says which. */
export type SyncOutcome = 'synced' | 'dry run' | 'failed'

/**
 * Writes llms.txt into the build's output folder after the sync, from the state as the sync
 * left it: after a dry run or a failed sync that is the state of the last sync that ran, which
 * still describes what the store holds. Before any sync there is no state, and nothing is written.
 * A failure to write is the build's failure under `failOnError`, as a failed sync is.
 */
export async function writeBuildLlmsTxt(
  settings: PluginSettings,
  vn: Vectornator,
  build: { outDir?: string; site?: Partial<Site> },
  outcome: SyncOutcome,
  logger: Logger,
  mayThrow: boolean,
): Promise<void> {
  if (!settings.llmsTxt) return
  const { outDir } = build
  if (!outDir) return logger.info('llms.txt: the build names no output folder: not written')
  try {
    const state = await vn.readState()
    if (!state || Object.keys(state.files).length === 0) {
      const why = state ? 'the sync state holds no documents' : 'nothing has been synced yet'
      return logger.warn(`llms.txt: ${why}${outcome === 'synced' ? '' : ` (this sync: ${outcome})`}: not written`)
    }
    if (outcome !== 'synced')
      logger.info(
        `llms.txt: ${outcome === 'failed' ? 'the sync failed' : 'dry run'}: written from the state of the last sync (${state.lastSync || 'unknown time'})`,
      )
    await vn.llmsTxt(settings.llmsTxt, { outDir, state, site: build.site })
  } catch (error) {
    const message = `llms.txt not written: ${errorMessage(error)}`
    logger.error(message)
    if (settings.failOnError && mayThrow)
      throw new SyncError(`[vectornator] ${message} (failOnError is on, so the build fails)`)
  }
}
