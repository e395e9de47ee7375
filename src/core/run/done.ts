import type { VectorStoreProvider } from '../../providers/types'
import type { SyncResult } from '../../types'
import { plural } from '../../lib/plural'
import type { SyncContext } from './context'
import { checksSummary, loadChecks, runChecks } from './retrieval'
import { searchFilter } from './search'
import { connectStore } from './store'

/* The last phase of a sync: what it says of itself once the store and the state are done. */

/** The answers that were retried, in one line: a sync that recovered from faults says so. */
export function sayRetries(ctx: SyncContext, provider: VectorStoreProvider, result: SyncResult): void {
  const counts = provider.retries?.()
  const total = counts ? counts.serverErrors + counts.rateLimits + counts.lostConnections : 0
  if (!counts || total === 0) return
  result.retries = { total, ...counts }
  const parts = [
    [counts.serverErrors, 'server error'],
    [counts.rateLimits, 'rate limit'],
    [counts.lostConnections, 'lost connection'],
  ] as const
  ctx.options.logger.info(
    `retried ${plural(total, 'request')}: ${parts
      .filter(([n]) => n > 0)
      .map(([n, what]) => plural(n, what))
      .join(', ')}`,
  )
}

/** The last phase: retrieval checks after a real sync, the duration, the `done` event. */
export async function done(ctx: SyncContext, result: SyncResult, started: number): Promise<SyncResult> {
  const { options } = ctx
  if (options.checks && !options.dryRun) await checkAfterSync(ctx, result)
  result.durationMs = Date.now() - started
  options.onProgress({ type: 'done', result })
  return result
}

/** Runs the retrieval checks against the store just synced and adds them to the result. */
async function checkAfterSync(ctx: SyncContext, result: SyncResult): Promise<void> {
  const { options } = ctx
  const { file, checks } = await loadChecks(
    options.root,
    typeof options.checks === 'string' ? options.checks : undefined,
  )
  // The sync holds the state's lock.
  const connection = await connectStore(ctx, { locked: true })
  try {
    result.checks = await runChecks(connection.provider, file, checks, check => searchFilter(options, check))
    const log = result.checks.failed > 0 ? options.logger.error : options.logger.info
    log(checksSummary(result.checks))
  } finally {
    await connection.close()
  }
}
