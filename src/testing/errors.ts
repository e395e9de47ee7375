/**
 * The API's error envelope (`ErrorResponse` / `Error` in openai-openapi.yaml): every failure is
 * `{ error: { message, type, param, code } }` with `param` and `code` always present (null when
 * unknown), because the SDK builds its `APIError` subclasses from exactly those four fields.
 */
export interface ErrorBody {
  message: string
  type: string
  param: string | null
  code: string | null
}

export class ApiError extends Error {
  readonly status: number
  readonly type: string
  readonly param: string | null
  readonly code: string | null
  readonly headers: Record<string, string>

  constructor(
    status: number,
    message: string,
    fields: { type?: string; param?: string | null; code?: string | null; headers?: Record<string, string> } = {},
  ) {
    super(message)
    this.status = status
    this.type = fields.type ?? 'invalid_request_error'
    this.param = fields.param ?? null
    this.code = fields.code ?? null
    this.headers = fields.headers ?? {}
  }

  toJSON(): { error: ErrorBody | Pick<ErrorBody, 'message'> } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } }
  }
}

export function badRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError(400, message, { param, code })
}

export function notFound(message: string, param: string | null = null): ApiError {
  return new ApiError(404, message, { param })
}

export function missingParam(param: string): ApiError {
  return badRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter')
}

export function invalidType(param: string, expected: string, got: unknown): ApiError {
  const actual = got === null ? 'null' : Array.isArray(got) ? 'an array' : `a ${typeof got}`
  return badRequest(
    `Invalid type for '${param}': expected ${expected}, but got ${actual} instead.`,
    param,
    'invalid_type',
  )
}

export function invalidValue(param: string, message: string): ApiError {
  return badRequest(`Invalid value for '${param}': ${message}`, param, 'invalid_value')
}

export function serverError(status: number): ApiError {
  // The texts the real API sends for these statuses; clients only look at the status.
  const message =
    status === 503
      ? 'The server is overloaded or not ready yet.'
      : status === 502
        ? 'Bad gateway.'
        : 'The server had an error while processing your request. Sorry about that!'
  return new ApiError(status, message, { type: 'server_error' })
}
