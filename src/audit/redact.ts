// Pure helpers that make tool arguments safe and small enough to keep in the audit log:
// secrets are masked, long strings (policy source code) are replaced by their length and hash.
import { createHash } from 'node:crypto';

const SECRET_KEY = /(token|secret|password|passwd|api[_-]?key|authorization|credential|private[_-]?key)/i;
const MAX_STRING = 256;

/** Stable JSON: object keys in code-point order (not locale order), so a digest is the same on every host. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  }) ?? 'null';
}

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export function digestArguments(args: unknown): string {
  return sha256Hex(canonicalJson(args));
}

/** Deeper than this, a value is kept as a marker: tool inputs are a few levels deep, and recursion has a stack. */
const MAX_DEPTH = 32;

export function redactArguments(value: unknown, key = '', depth = 0): unknown {
  if (depth > MAX_DEPTH && value && typeof value === 'object') return `[nested deeper than ${MAX_DEPTH} levels]`;
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key)) return '[redacted]';
    if (value.length > MAX_STRING) return `[${value.length} chars sha256:${sha256Hex(value).slice(0, 16)}]`;
    return value;
  }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactArguments(v, key, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redactArguments(v, k, depth + 1)]));
  }
  return value;
}
