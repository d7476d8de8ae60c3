// One table from every SchedcpError code to its HTTP status. A Record over ErrorCode, so adding a
// code to src/errors.ts without a status here is a type error.
import type { ErrorCode } from '../errors.js';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  token_invalid: 403,
  precondition_failed: 412,
  limit_exceeded: 429,
  unsupported: 501,
  timeout: 504,
  // The client went away; nginx's "client closed request", seen only in logs.
  cancelled: 499,
  // The policy is at fault, not the request's shape: well-formed but unprocessable.
  compile_failed: 422,
  static_check_failed: 422,
  kernel_verifier_rejected: 422,
  dynamic_check_failed: 422,
  perf_regression: 422,
  // Infrastructure: the server or something it runs is not working; retrying later may help.
  subprocess_failed: 503,
  database_invalid: 503,
  config_invalid: 503,
  internal: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 500;
}
