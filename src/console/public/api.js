// The console's only way to the server: POST /api/v1/<tool> with the operator's bearer token.
// The token lives in sessionStorage (this tab only), never in a URL or a cookie.
const KEY = 'schedcp.console.token';

export const session = {
  token: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Calls one tool; resolves to its structured output or throws ApiError {status, code, message}. */
export async function call(tool, args = {}) {
  const token = session.token();
  const res = await fetch(`/api/v1/${encodeURIComponent(tool)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(args),
    cache: 'no-store',
    credentials: 'omit',
  });
  let body;
  try { body = await res.json(); } catch { body = { code: 'internal', message: `HTTP ${res.status} without a JSON body` }; }
  if (!res.ok) throw new ApiError(res.status, body.code ?? 'internal', body.message ?? `HTTP ${res.status}`);
  return body;
}
