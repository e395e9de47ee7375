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
  /** Each problem on its own, when the message reports several together. */
  readonly problems: string[]

  constructor(message: string, problems: string[] = [message]) {
    super(message)
    this.problems = problems
  }
}

/** One error for every problem found: all of them are reported together, each naming its fix. */
export function problemsError(problems: string[], where?: string): UsageError {
  const one = where ? `${where}: ${problems[0]}` : problems[0]!
  return new UsageError(
    problems.length === 1 ? one : `${problems.length} problems in ${where ?? 'the options'}: ${problems.join('; ')}`,
    problems,
  )
}

export class SyncError extends VectornatorError {
  override name = 'SyncError'
}

export function errorMessage(error: unknown): string {
  // An answer made for a server that could not be reached (providers/openai/refused.ts): its own
  // line, without the status the SDK puts in front.
  const made = error as { headers?: Headers; error?: { message?: unknown } } | undefined
  if (made?.headers?.get?.('x-vectornator-unreachable') && typeof made.error?.message === 'string')
    return made.error.message
  if (error instanceof Error) return error.message
  return String(error)
}
