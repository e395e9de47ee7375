import type { FileMetadata, ProviderLimits, VectorStoreProvider } from '../../providers/types'
import type { VectornatorOptions } from '../../types'
import { UsageError } from '../../lib/errors'
import { resolveOptions, type ResolvedOptions } from '../options/options'
import { fingerprint, stableStringify } from '../plan/fingerprint'
import { buildRecord, isBuild, type VectornatorExtras } from './extras'
import { plan as makePlan } from '../plan/plan'
import type { PlanReport } from '../plan/report'
import { attributeSettingsKey, buildAttributes, type AttributeSettings } from '../scan/attributes'
import { compileRule, RULE_NAMES } from '../scan/rules'
import type { LocalFile } from '../scan/scan'
import type { StateStore, SyncState } from '../state/types'
import { contentSettings, providerLimits } from './provider'
import { CONVERTED, MDX_TEXT_VERSION, mdxToText } from '../scan/mdx-text'

export type { VectornatorExtras } from './extras'

/**
 * Everything a sync's phases share, worked out once from the options before any I/O: the
 * provider's limits and content settings, the fingerprints the plan compares, the attribute rules.
 */
export interface SyncContext {
  options: ResolvedOptions
  extras: VectornatorExtras
  limits: ProviderLimits
  content: Record<string, unknown>
  contentFingerprint: string
  attributesFingerprint: string
  attributeSettings: AttributeSettings
  /** Whether the provider can rewrite attributes in place (renames and re-tags upload nothing). */
  canRetag: boolean
  /** The options as the face gave them, before defaults (build-record.ts fills in what they leave unset). */
  user: VectornatorOptions
  /** Root-relative paths of the emitted files this run synced (a build's `extraFiles`). */
  emitted: string[]
  /** The settings came from the last build's record (build-record.ts), not from a build. */
  adopted?: boolean
}

export function createContext(
  userOptions: VectornatorOptions,
  extras: VectornatorExtras,
  { quiet = false, resolved }: { quiet?: boolean; resolved?: ResolvedOptions } = {},
): SyncContext {
  // A face that resolved the options already (the plugin, at its start) hands them over as they are.
  const options = resolved ?? resolveOptions(userOptions)
  for (const glob of quiet ? [] : options.include)
    if (/(^|\/|\*)\.env/.test(glob))
      options.logger.warn(`include "${glob}" names .env files: secrets files (.env, .env.*) are never uploaded`)
  const rules = RULE_NAMES.flatMap(name =>
    options[name] ? [compileRule(name, options[name], options.root, options.ref)] : [],
  )
  const attributeSettings = {
    baseUrl: options.baseUrl,
    attributes: options.attributes,
    routePrefixes: extras.routePrefixes,
    routes: extras.routes,
    rules,
    sources: extras.sources,
  }
  // The MDX conversion shapes what is stored for every provider: a new version re-indexes.
  const content = { ...contentSettings(options), mdxText: MDX_TEXT_VERSION }
  return {
    options,
    extras,
    limits: providerLimits(options),
    content,
    contentFingerprint: fingerprint(content),
    attributesFingerprint: fingerprint(attributeSettingsKey(attributeSettings)),
    attributeSettings,
    canRetag: options.provider.canRetag,
    user: userOptions ?? {},
    emitted: [],
  }
}

/** The plan of `files` against `state`, with what a reviewer reads beside it. */
export function planFor(ctx: SyncContext, files: LocalFile[], state: SyncState): Omit<PlanReport, 'skipped'> {
  const { options } = ctx
  const plan = makePlan(files, state, {
    canRetag: ctx.canRetag,
    contentFingerprint: ctx.contentFingerprint,
    contentSettings: ctx.content,
    attributesFingerprint: ctx.attributesFingerprint,
  })
  options.onProgress({
    type: 'plan',
    add: plan.add.length,
    update: plan.update.length,
    delete: plan.delete.length,
    unchanged: plan.unchanged.length,
    rename: plan.rename.length,
    retag: plan.retag.length,
  })
  const uploadBytes = [...plan.add, ...plan.update.map(u => u.file)].reduce((n, f) => n + f.size, 0)
  const storeFilesAfter = Object.keys(state.files).length + plan.add.length - plan.delete.length
  return { plan, state, uploadBytes, storeFilesAfter, storeId: state.storeId || options.vectorStoreId || '' }
}

/** The full metadata of a document, its attributes built from its content. */
export async function describe(
  ctx: SyncContext,
  provider: VectorStoreProvider,
  file: LocalFile,
  buffer: Buffer,
): Promise<FileMetadata> {
  const attributes = await buildAttributes(
    { path: file.path, sha256: file.sha256, content: buffer.toString('utf8') },
    ctx.attributeSettings,
    provider.limits,
  )
  const metadata = {
    path: file.path,
    sha256: file.sha256,
    size: file.size,
    lastModified: new Date(file.mtimeMs).toISOString(),
    attributes,
  }
  // The seed interface's hook: a provider may add attributes of its own (path and sha256 stay).
  if (typeof provider.enrichMetadata !== 'function') return metadata
  const enriched = await provider.enrichMetadata(file.path, buffer, metadata)
  return {
    ...enriched,
    path: file.path,
    sha256: file.sha256,
    attributes: { ...enriched.attributes, path: file.path, sha256: file.sha256 },
  }
}

/** Records in the state the settings its documents were stored with. */
export function recordSettings(ctx: SyncContext, state: SyncState): void {
  state.provider = ctx.options.providerName
  state.fingerprint = ctx.contentFingerprint
  state.settings = { content: ctx.content, attributes: ctx.attributesFingerprint }
  // A build records what shaped its documents, for the runs that have no build (build-record.ts).
  if (isBuild(ctx.extras) && !ctx.adopted) state.build = buildRecord(ctx.options, ctx.extras, ctx.emitted)
}

export function settingsChanged(ctx: SyncContext, state: SyncState): boolean {
  if (state.fingerprint !== ctx.contentFingerprint || state.settings?.attributes !== ctx.attributesFingerprint)
    return true
  return (
    isBuild(ctx.extras) &&
    !ctx.adopted &&
    stableStringify(state.build) !== stableStringify(buildRecord(ctx.options, ctx.extras, ctx.emitted))
  )
}

/** Stops a plan that would delete more of the store than `maxDeletions` allows (a wrong glob or root). */
export function guardDeletions(options: ResolvedOptions, report: PlanReport): void {
  const stored = Object.keys(report.state.files).length
  const deletions = report.plan.delete.length
  if (stored === 0 || deletions === 0 || options.allowMassDelete) return
  if (deletions / stored > options.maxDeletions)
    throw new UsageError(
      `this sync would delete ${deletions} of the store's ${stored} documents (more than ${Math.round(options.maxDeletions * 100)}%): check the include globs and the root, or pass --allow-mass-delete if this is intended`,
    )
}

/** Stops a plan that would leave the store holding more documents than the provider allows. */
export function guardStoreSize(ctx: SyncContext, report: PlanReport): void {
  const limit = ctx.limits.maxStoreFiles
  if (limit === undefined) return
  const after = Object.keys(report.state.files).length + report.plan.add.length - report.plan.delete.length
  if (after > limit)
    throw new UsageError(
      `this sync would leave ${after.toLocaleString('en-US')} documents in the store, more than the ${limit.toLocaleString('en-US')} files one ${ctx.options.providerName} vector store holds: narrow --include (or exclude), or split the documents across stores (metadata.key)`,
    )
}

/** Refuses a state written for another store or provider than the one asked for. */
export function refuseForeignState(state: SyncState, options: ResolvedOptions, stateStore: StateStore): void {
  if (options.vectorStoreId && state.storeId && state.storeId !== options.vectorStoreId)
    throw new UsageError(
      `the sync state in ${stateStore.location} is for store ${state.storeId}, not ${options.vectorStoreId}: pass --store ${state.storeId}, or keep this store's state apart (metadata.key or --branch)`,
    )
  if (state.provider && state.provider !== options.providerName)
    throw new UsageError(
      `the sync state in ${stateStore.location} is for provider ${state.provider}, not ${options.providerName}: pass --provider ${state.provider}, or keep this provider's state apart (metadata.key or --branch)`,
    )
}

/** The git remote the state branch lives on, when the state is on a branch. */
export function remoteName(options: ResolvedOptions): string | undefined {
  return 'load' in options.metadata ? undefined : options.metadata.remote
}

/** The text a store reads for a document whose source is not plain text (MDX, Markdoc); undefined keeps the bytes. */
export function uploadText(file: LocalFile, content: Buffer): Buffer | undefined {
  return CONVERTED.test(file.path) ? Buffer.from(mdxToText(content.toString('utf8'))) : undefined
}
