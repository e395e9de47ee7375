import { join } from 'node:path'
import type { VectornatorOptions } from '../../types'
import { filesFromPaths } from '../scan/scan'
import { secretAllowance } from '../scan/source'
import type { SyncState } from '../state/types'
import { createContext, type SyncContext } from './context'
import { isBuild, type VectornatorExtras } from './extras'
import { providerLimits } from './provider'

/**
 * One project, every face. A build (a bundler plugin, a docs framework) knows what a run of the
 * CLI cannot: the framework's folders and base, each page's route and locale, the files it
 * emitted. It records them in the state (extras.ts buildRecord); a run with no build of its own
 * (the CLI, the Action, the library) takes them wherever its own options say nothing, so
 * `vectornator status` right after a build plans nothing, and the two never re-tag each other's
 * documents.
 */

/** The options a build records, by the name a user sets them with. */
const RECORDED = ['include', 'exclude', 'dot', 'baseUrl', 'version', 'locale'] as const

/**
 * Takes the last build's record into `ctx`, for what the user's own options leave unset: the
 * context is rebuilt in place (callers keep their reference). Resolves to whether the scan
 * settings changed, so the caller scans again. A build's own run never takes a record.
 */
export function adoptBuild(ctx: SyncContext, state: SyncState | undefined): boolean {
  const record = state?.build
  if (!record || isBuild(ctx.extras)) return false
  const user = ctx.user
  const taken: VectornatorOptions = {}
  for (const key of RECORDED) {
    if (user[key] !== undefined || record[key] === undefined) continue
    ;(taken as Record<string, unknown>)[key] = record[key]
  }
  const emitted = record.emitted ?? []
  const root = ctx.options.root
  const extras: VectornatorExtras = {
    routePrefixes: record.routePrefixes,
    routes: record.routes,
    sources: record.sources,
    site: record.site,
    // The emitted files still on disk (a build's output folder): gone ones are planned as deletions.
    extraFiles: emitted.length
      ? async () =>
          (
            await filesFromPaths(
              root,
              emitted.map(p => join(root, p)),
              ctx.options.maxFileSize ?? providerLimits(ctx.options).maxFileBytes,
              await secretAllowance(ctx.options),
            )
          ).files
      : undefined,
  }
  const before = scanKey(ctx)
  const next = createContext(
    { ...user, ...taken, root, logger: ctx.options.logger, onProgress: ctx.options.onProgress },
    extras,
    { quiet: true },
  )
  Object.assign(ctx.options, next.options)
  Object.assign(ctx, { ...next, options: ctx.options, adopted: true })
  return scanKey(ctx) !== before
}

function scanKey(ctx: SyncContext): string {
  const { include, exclude, dot } = ctx.options
  return JSON.stringify([include, exclude, dot])
}
