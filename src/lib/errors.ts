/**
 * Errors a user can act on. Each message is one line that names the fix.
 * `UsageError` is bad input or configuration (CLI exit code 2, nothing remote changed);
 * `SyncError` is a sync that ran and failed (exit code 1).
 */
export class VectornatorError extends Error {
  override name = 'VectornatorError'
  readonly exitCode: number = 1
}

export class UsageError extends VectornatorError {
  override name = 'UsageError'
  override readonly exitCode = 2
}

export class SyncError extends VectornatorError {
  override name = 'SyncError'
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
