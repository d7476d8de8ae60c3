// The rollout plan as a pure core: plan defaults and validation, baseline → gate thresholds,
// gate evaluation of a sample, and the stage/breaker transitions. No I/O (unit-tested).
import { median } from '../stats/index.js';
import { SchedcpError, quote } from '../errors.js';

export const STAGES = ['canary', 'awaiting_approval', 'full', 'known_good', 'rolled_back', 'aborted', 'rollback_failed', 'lost'] as const;
export type Stage = (typeof STAGES)[number];
export type Breaker = 'closed' | 'open' | 'half_open';
export const TERMINAL_STAGES: ReadonlySet<Stage> = new Set(['known_good', 'rolled_back', 'aborted', 'rollback_failed', 'lost']);

export interface Plan {
  /** Seconds of samples taken before the deploy, under whatever runs now (the baseline). */
  baselineSeconds: number;
  /** Minimum observation time of the canary before promotion. */
  canarySeconds: number;
  /** Time at full with green gates before the policy becomes the node's known-good. */
  knownGoodSeconds: number;
  /** Stop at the canary until promote_deployment is called. */
  requireApproval: boolean;
  /** Hard trip: a load task runnable without running for longer than this. */
  stallMs: number;
  /** Dead-man switch: the agent rolls back after this long without a heartbeat. */
  deadmanMs: number;
  /** Soft gates, relative to the baseline, and how many consecutive bad checks trip. */
  maxWakeP99Ratio: number;
  maxReqP99Ratio: number;
  softChecks: number;
}

export const DEFAULT_PLAN: Plan = {
  baselineSeconds: 3, canarySeconds: 10, knownGoodSeconds: 30, requireApproval: false,
  stallMs: 1000, deadmanMs: 10_000, maxWakeP99Ratio: 2, maxReqP99Ratio: 1.5, softChecks: 3,
};

const LIMITS: Record<keyof Omit<Plan, 'requireApproval'>, [number, number]> = {
  baselineSeconds: [1, 60], canarySeconds: [1, 3600], knownGoodSeconds: [1, 86_400], stallMs: [200, 30_000],
  deadmanMs: [2000, 600_000], maxWakeP99Ratio: [1.05, 100], maxReqP99Ratio: [1.05, 100], softChecks: [1, 100],
};

export function resolvePlan(input: Partial<Plan> = {}): Plan {
  const plan = { ...DEFAULT_PLAN, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) } as Plan;
  for (const [key, [min, max]] of Object.entries(LIMITS) as Array<[keyof typeof LIMITS, [number, number]]>) {
    const v = plan[key];
    if (!Number.isFinite(v) || v < min || v > max) throw new SchedcpError('invalid_argument', `plan.${key} ${quote(v)} is out of range: allowed ${min}–${max}.`);
  }
  return plan;
}

export interface KpiSample { wake_p99_us: number; req_p99_us: number; wake_n: number; req_n: number; batch_ops_per_s: number }

export interface Baseline { wake_p99_us: number; req_p99_us: number; batch_ops_per_s: number; samples: number }

/** Median of the per-interval values over the baseline window (robust to one noisy interval). */
export function baselineOf(samples: readonly KpiSample[]): Baseline {
  const usable = samples.filter((s) => s.wake_n > 0 && s.req_n > 0);
  if (usable.length < 2) throw new SchedcpError('precondition_failed', `The node sent ${usable.length} usable load samples during the baseline window; its load is not running (check \`schedcp node status\`).`);
  return {
    wake_p99_us: median(usable.map((s) => s.wake_p99_us)), req_p99_us: median(usable.map((s) => s.req_p99_us)),
    batch_ops_per_s: median(usable.map((s) => s.batch_ops_per_s)), samples: usable.length,
  };
}

export interface Thresholds { soft_wake_p99_us: number; soft_req_p99_us: number; soft_checks: number; stall_ms: number; deadman_ms: number }

export function thresholdsOf(plan: Plan, baseline: Baseline): Thresholds {
  return {
    soft_wake_p99_us: Math.round(baseline.wake_p99_us * plan.maxWakeP99Ratio), soft_req_p99_us: Math.round(baseline.req_p99_us * plan.maxReqP99Ratio),
    soft_checks: plan.softChecks, stall_ms: plan.stallMs, deadman_ms: plan.deadmanMs,
  };
}

export interface Gate { kpi: string; current: number | null; baseline: number; threshold: number; ok: boolean }

export function gatesOf(sample: KpiSample | undefined, baseline: Baseline, thresholds: Thresholds): Gate[] {
  const gate = (kpi: 'wake_p99_us' | 'req_p99_us', threshold: number): Gate => {
    const current = sample ? sample[kpi] : null;
    return { kpi, current, baseline: baseline[kpi], threshold, ok: current === null || current <= threshold };
  };
  return [gate('wake_p99_us', thresholds.soft_wake_p99_us), gate('req_p99_us', thresholds.soft_req_p99_us)];
}

/**
 * What the controller does next for a live deployment, given how long its stage has lasted. A
 * stage advances only with its gates green at that check and never while an operator paused it.
 */
export function nextStep(stage: Stage, stageSeconds: number, plan: Plan, tokenAllowsFull: boolean, hold: { gatesOk?: boolean; paused?: boolean } = {}): 'promote' | 'await_approval' | 'mark_known_good' | 'wait' {
  if (hold.paused || hold.gatesOk === false) return 'wait';
  if (stage === 'canary' && stageSeconds >= plan.canarySeconds) {
    return plan.requireApproval || !tokenAllowsFull ? 'await_approval' : 'promote';
  }
  if (stage === 'full' && stageSeconds >= plan.knownGoodSeconds) return 'mark_known_good';
  return 'wait';
}

/**
 * Whether a trip counts towards quarantine: a policy failure does; an operator's rollback, a lost
 * control plane (dead-man switch) or a killed agent say nothing about the policy.
 */
export function tripCounts(kind: string): boolean {
  return !['manual', 'heartbeat_lost', 'agent_restarted', 'control_plane_restart'].includes(kind);
}
