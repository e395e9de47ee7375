import type { LocalFile } from '../scan/scan'
import { DEFAULT_EXCLUDE, type ResolvedOptions } from '../options/options'
import type { BuildRecord } from '../state/types'

/** What a face adds to the options: the files and routes of a build. */
export interface VectornatorExtras {
  /** Leading folders stripped from paths to get page routes (a build's output folder). */
  routePrefixes?: string[]
  /** Page routes a docs framework reported, by root-relative path (see AttributeSettings.routes). */
  routes?: Record<string, string>
  /** The source document each rendered page was made from, by root-relative path (see AttributeSettings.sources). */
  sources?: Record<string, string>
  /** Files synced besides the scanned documents (files a build emitted); see filesFromPaths. */
  extraFiles?: () => Promise<LocalFile[]>
  /** The site's title and description, as the framework has them (llms.txt's heading). */
  site?: { title?: string; description?: string }
}

/** True when the face is a build: it hands over routes, folders or emitted files. */
export function isBuild(extras: VectornatorExtras): boolean {
  return Boolean(extras.routes || extras.routePrefixes?.length || extras.sources || extras.extraFiles)
}

/**
 * What a build used to shape its documents, as it is recorded in the state (see
 * build-record.ts for who reads it).
 */
export function buildRecord(
  options: ResolvedOptions,
  extras: VectornatorExtras,
  emitted: readonly string[],
): BuildRecord {
  const record: BuildRecord = {
    include: options.include,
    exclude: options.exclude.slice(DEFAULT_EXCLUDE.length),
    dot: options.dot,
  }
  if (options.baseUrl !== undefined) record.baseUrl = options.baseUrl
  if (options.version) record.version = options.version
  if (options.locale) record.locale = options.locale
  if (extras.routePrefixes?.length) record.routePrefixes = extras.routePrefixes
  if (extras.routes) record.routes = extras.routes
  if (extras.sources) record.sources = extras.sources
  if (emitted.length) record.emitted = [...emitted].sort()
  if (extras.site?.title || extras.site?.description) record.site = extras.site
  return record
}
