// One error class for the whole project: a stable `code` agents and scripts can branch on,
// a message that quotes the bad value and says what is allowed, and the underlying `cause`.

export type ErrorCode =
  | 'invalid_argument'
  | 'not_found'
  | 'already_exists'
  | 'permission_denied'
  | 'unsupported'
  | 'precondition_failed'
  | 'limit_exceeded'
  | 'timeout'
  | 'cancelled'
  | 'config_invalid'
  | 'database_invalid'
  | 'subprocess_failed'
  | 'compile_failed'
  | 'static_check_failed'
  | 'kernel_verifier_rejected'
  | 'dynamic_check_failed'
  | 'perf_regression'
  | 'token_invalid'
  | 'internal';

export class SchedcpError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SchedcpError';
    this.code = code;
    this.details = options.details;
  }
}

export function isSchedcpError(error: unknown): error is SchedcpError {
  return error instanceof SchedcpError;
}

/** Quote a user-supplied value for an error message, shortened so a 10 KB input does not flood it. */
export function quote(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const shown = text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  return JSON.stringify(shown);
}

/** Turn anything thrown into a SchedcpError, keeping the original as `cause`. */
export function toSchedcpError(error: unknown): SchedcpError {
  if (error instanceof SchedcpError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new SchedcpError('cancelled', 'The operation was cancelled by the caller.', { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SchedcpError('internal', message, { cause: error });
}
