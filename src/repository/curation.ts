// Pure curation rules: per-workload scores with uncertainty and the status state machine
// candidate → verified → promoted, with quarantine after repeated deploy failures. No I/O.
import { compareSamples, type Direction, type Verdict } from '../stats/index.js';
import type { PolicyStatus } from './metadata.js';

export interface PerfSample { workload: string; metric: string; direction: Direction; value: number; baseline: number | null }

export interface WorkloadScore {
  workload: string;
  metric: string;
  direction: Direction;
  n: number;
  /** Median improvement factor over the baseline, direction-normalised: > 1 is better. */
  score: number;
  /** Percent change of the median with its bootstrap confidence interval (src/stats). */
  changePct: number;
  ciLowPct: number;
  ciHighPct: number;
  verdict: Verdict;
}

/** One score per (workload, metric) from samples that carry a baseline. */
export function workloadScores(samples: readonly PerfSample[]): WorkloadScore[] {
  const groups = new Map<string, PerfSample[]>();
  for (const s of samples) {
    if (s.baseline === null || s.baseline === 0) continue;
    const key = `${s.workload}\u0000${s.metric}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const out: WorkloadScore[] = [];
  for (const list of groups.values()) {
    const { workload, metric, direction } = list[0]!;
    const cmp = compareSamples(list.map((s) => s.baseline!), list.map((s) => s.value), { direction });
    const score = cmp.ratio === 0 ? 0 : direction === 'higher_is_better' ? cmp.ratio : 1 / cmp.ratio;
    out.push({ workload, metric, direction, n: list.length, score, changePct: cmp.changePct, ciLowPct: cmp.ciLowPct, ciHighPct: cmp.ciHighPct, verdict: cmp.verdict });
  }
  return out.sort((a, b) => a.workload.localeCompare(b.workload) || a.metric.localeCompare(b.metric));
}

/** A workload counts as a target when it equals a tag or one of its _/- separated words does. */
export function isTargetWorkload(workload: string, targetTags: readonly string[]): boolean {
  const words = workload.toLowerCase().split(/[_\-.\s]+/);
  return targetTags.some((t) => t === workload.toLowerCase() || words.includes(t));
}

export interface CurationRules {
  /** Trials on a target workload needed before a verified policy can be promoted. */
  promoteAfterTrials: number;
  /** Consecutive failed or rolled-back deployments that quarantine a policy. */
  quarantineAfterDeployFailures: number;
}

export interface CurationState {
  status: PolicyStatus;
  targetWorkloads: readonly string[];
  /** Verification verdicts, oldest first. */
  verifications: ReadonlyArray<'pass' | 'warn' | 'fail'>;
  scores: readonly WorkloadScore[];
  /** Deployment results, oldest first. */
  deployments: ReadonlyArray<'success' | 'failure' | 'rolled_back'>;
}

export interface Transition { to: PolicyStatus; reason: string }

/** The automatic status change the evidence calls for, or undefined to stay put. */
export function nextStatus(state: CurationState, rules: CurationRules): Transition | undefined {
  const { status } = state;
  // Quarantine and retirement are left only by an explicit human/agent decision (setStatus).
  if (status === 'quarantined' || status === 'retired') return undefined;
  const recent = state.deployments.slice(-rules.quarantineAfterDeployFailures);
  if (recent.length >= rules.quarantineAfterDeployFailures && recent.every((r) => r !== 'success')) {
    return { to: 'quarantined', reason: `the last ${recent.length} deployments failed or were rolled back (${recent.join(', ')})` };
  }
  const lastVerdict = state.verifications[state.verifications.length - 1];
  if (lastVerdict === 'fail' && status !== 'candidate') {
    return { to: 'candidate', reason: 'the latest verification failed; the policy must pass verification again' };
  }
  if (status === 'candidate') {
    if (lastVerdict === 'pass' || lastVerdict === 'warn') return { to: 'verified', reason: `passed verification (verdict ${lastVerdict})` };
    return undefined;
  }
  const targets = state.scores.filter((s) => isTargetWorkload(s.workload, state.targetWorkloads));
  if (status === 'verified') {
    const win = targets.find((s) => s.n >= rules.promoteAfterTrials && s.verdict === 'better');
    if (win) {
      return { to: 'promoted', reason: `beat the baseline on target workload ${win.workload} (${win.metric}) in ${win.n} trials: ${fmtPct(win.changePct)} [${fmtPct(win.ciLowPct)}, ${fmtPct(win.ciHighPct)}]` };
    }
    return undefined;
  }
  // promoted: demote when a target workload now measures worse than the baseline.
  const loss = targets.find((s) => s.n >= rules.promoteAfterTrials && s.verdict === 'worse');
  if (loss) return { to: 'verified', reason: `now worse than the baseline on target workload ${loss.workload} (${loss.metric}): ${fmtPct(loss.changePct)}` };
  return undefined;
}

const MANUAL: Record<PolicyStatus, readonly PolicyStatus[]> = {
  candidate: ['retired', 'quarantined'],
  verified: ['retired', 'quarantined', 'candidate'],
  promoted: ['retired', 'quarantined', 'verified'],
  quarantined: ['candidate', 'retired'],
  retired: ['candidate'],
};

/** Explicit status changes an operator may make (promotion only ever comes from evidence). */
export function manualTransitionAllowed(from: PolicyStatus, to: PolicyStatus): boolean {
  return MANUAL[from].includes(to);
}

export function allowedManualTargets(from: PolicyStatus): readonly PolicyStatus[] {
  return MANUAL[from];
}

function fmtPct(v: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
}
