// Pure guardrails for a tuning plan: allow-list, type, safe range, vector order, max change per
// step and cross-tunable relations evaluated over current and proposed values together.
import { isSchedcpError, quote } from '../errors.js';
import { allowedRangeText, parseValue, type Relation, type Tunable } from './kb.js';

export type TargetKind = 'host' | 'netns';

export interface ProposedChange {
  key: string;
  value: string | number | number[];
}

export type DenialRule = 'unknown_tunable' | 'not_allowed' | 'duplicate' | 'not_present' | 'namespace' | 'type' | 'range' | 'order' | 'step' | 'relation' | 'yielded';

export interface Denial {
  key: string;
  rule: DenialRule;
  message: string;
  /** What would have been accepted, in words (range, choices, step window). */
  allowed?: string;
}

export interface CheckedChange {
  key: string;
  from: string;
  to: string;
  /** The proposed value equals the current one: nothing to write. */
  unchanged: boolean;
}

export interface PlanCheck {
  ok: boolean;
  changes: CheckedChange[];
  denials: Denial[];
}

export interface GuardrailInput {
  kb: ReadonlyMap<string, Tunable>;
  /** config.tuning.allow: when non-empty, only these keys (within the KB). */
  allow: readonly string[];
  target: TargetKind;
  /** Current values on the target; undefined = the tunable does not exist there. */
  current: ReadonlyMap<string, string | undefined>;
  changes: readonly ProposedChange[];
  /** The target's explanation of why a tunable is absent (e.g. debugfs not mounted). */
  absentReason?: (tunable: Tunable) => string | undefined;
}

/** The window a single step may reach from `from` for one number, intersected with the safe range. */
export function stepWindow(t: Tunable, from: number): [number, number] | undefined {
  const step = t.maxStep;
  if (!step || t.min === undefined || t.max === undefined) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  if (step.abs !== undefined) { lo = Math.min(lo, from - step.abs); hi = Math.max(hi, from + step.abs); }
  if (step.ratio !== undefined && from > 0) { lo = Math.min(lo, Math.ceil(from / step.ratio)); hi = Math.max(hi, Math.floor(from * step.ratio)); }
  if (lo === Infinity) return undefined;
  return [Math.max(t.min, lo), Math.min(t.max, hi)];
}

function compare(op: Relation['op'], a: number, b: number): boolean {
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
  }
}

export function checkPlan(input: GuardrailInput): PlanCheck {
  const denials: Denial[] = [];
  const changes: CheckedChange[] = [];
  const seen = new Set<string>();
  const effective = new Map<string, number[]>();
  const deny = (key: string, rule: DenialRule, message: string, allowed?: string) => denials.push({ key, rule, message, ...(allowed !== undefined && { allowed }) });

  for (const change of input.changes) {
    const t = input.kb.get(change.key);
    if (!t) { deny(change.key, 'unknown_tunable', `${change.key} is not in the tuning knowledge base; schedcp only changes tunables it knows (see list_tunables).`); continue; }
    if (seen.has(change.key)) { deny(change.key, 'duplicate', `${change.key} appears more than once in the plan.`); continue; }
    seen.add(change.key);
    if (input.allow.length > 0 && !input.allow.includes(change.key)) {
      deny(change.key, 'not_allowed', `${change.key} is not in config.tuning.allow.`, `keys in config.tuning.allow: ${input.allow.join(', ')}`);
      continue;
    }
    if (input.target === 'netns' && !change.key.startsWith('net.')) {
      deny(change.key, 'namespace', `${change.key} is not a network tunable; it is global, so writing it from inside a network namespace would change the host.`, 'net.* tunables only for a netns target');
      continue;
    }
    const current = input.current.get(change.key);
    if (current === undefined) { deny(change.key, 'not_present', `${change.key} does not exist on this ${input.target === 'netns' ? 'network namespace' : 'kernel'}: ${input.absentReason?.(t) ?? 'not present'} (availability: ${t.availability}).`); continue; }
    let proposed: { text: string; numbers: number[] };
    try {
      proposed = parseValue(t, change.value);
    } catch (error) {
      if (!isSchedcpError(error)) throw error;
      deny(change.key, 'type', error.message, allowedRangeText(t));
      continue;
    }
    let from: number[] = [];
    try { from = parseValue({ ...t, type: t.type === 'enum' ? 'int' : t.type }, current).numbers; } catch { /* unparsable current value: skip step check */ }
    if (t.type === 'int' || t.type === 'int_vector') {
      const bad = proposed.numbers.find((n) => n < t.min! || n > t.max!);
      if (bad !== undefined) { deny(change.key, 'range', `${change.key}: ${bad} is outside the safe range ${t.min}..${t.max} ${t.unit}.`, allowedRangeText(t)); continue; }
    }
    if (t.type === 'int_vector' && t.ordered) {
      const n = proposed.numbers;
      const broken = n.findIndex((v, i) => i > 0 && (t.strict ? v <= n[i - 1]! : v < n[i - 1]!));
      if (broken > 0) { deny(change.key, 'order', `${change.key}: ${quote(proposed.text)} must be ${t.strict ? 'strictly increasing' : 'ordered min ≤ default ≤ max'}.`, allowedRangeText(t)); continue; }
    }
    let stepDenied = false;
    if ((t.type === 'int' || t.type === 'int_vector') && from.length === proposed.numbers.length) {
      proposed.numbers.forEach((n, i) => {
        if (stepDenied) return;
        const window = stepWindow(t, from[i]!);
        if (window && (n < window[0] || n > window[1])) {
          stepDenied = true;
          const which = t.type === 'int_vector' ? ` (element ${i + 1})` : '';
          deny(change.key, 'step', `${change.key}${which}: changing ${from[i]} to ${n} exceeds the max change per step (${stepText(t)}).`, `${window[0]}..${window[1]} ${t.unit} in this step`);
        }
      });
    }
    if (stepDenied) continue;
    effective.set(change.key, proposed.numbers);
    changes.push({ key: change.key, from: current, to: proposed.text, unchanged: current === proposed.text });
  }

  // Relations see the whole picture: a proposed value against the other side's proposed-or-current value.
  const valueOf = (key: string): number | undefined => {
    const proposed = effective.get(key);
    if (proposed) return proposed[0];
    const current = input.current.get(key);
    if (current === undefined || !/^-?\d+$/.test(current)) return undefined;
    return Number(current);
  };
  const reported = new Set<string>();
  for (const change of changes) {
    const t = input.kb.get(change.key)!;
    for (const r of t.relations) {
      const a = valueOf(change.key);
      const b = valueOf(r.other);
      if (a === undefined || b === undefined || compare(r.op, a, b)) continue;
      const pair = [change.key, r.other].sort().join('|');
      if (reported.has(pair)) continue;
      reported.add(pair);
      const otherState = effective.has(r.other) ? 'proposed' : 'current';
      deny(change.key, 'relation', `${change.key} ${r.op} ${r.other} must hold (${r.why}), but ${a} ${r.op} ${b} (${otherState} ${r.other}) is false.`, `${change.key} ${r.op} ${b}`);
    }
  }
  const deniedKeys = new Set(denials.map((d) => d.key));
  return { ok: denials.length === 0, changes: changes.filter((c) => !deniedKeys.has(c.key)), denials };
}

function stepText(t: Tunable): string {
  const parts: string[] = [];
  if (t.maxStep?.abs !== undefined) parts.push(`±${t.maxStep.abs} ${t.unit}`);
  if (t.maxStep?.ratio !== undefined) parts.push(`×/÷${t.maxStep.ratio}`);
  return parts.join(' or ');
}

