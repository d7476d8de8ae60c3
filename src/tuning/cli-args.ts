// Shared argument parsing for `schedcp tune` and `schedcp eval`.
import { SchedcpError, quote } from '../errors.js';
import type { ProposedChange } from './guardrails.js';

/** "--set key=value" flags → plan changes (vector values as "a b c" or "a,b,c"). */
export function parseSetFlags(sets: readonly string[] | undefined): ProposedChange[] {
  return (sets ?? []).map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new SchedcpError('invalid_argument', `--set ${quote(s)} must look like key=value, e.g. --set vm.swappiness=30.`);
    return { key: s.slice(0, eq).trim(), value: s.slice(eq + 1).trim().replace(/,/g, ' ') };
  });
}

export function parseIntFlag(name: string, raw: string | undefined, min: number, max: number, fallback?: number): number | undefined {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new SchedcpError('invalid_argument', `--${name} ${quote(raw)} must be an integer from ${min} to ${max}.`);
  return n;
}
