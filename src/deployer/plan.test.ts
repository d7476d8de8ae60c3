import { describe, expect, it } from 'vitest';
import { baselineOf, DEFAULT_PLAN, gatesOf, nextStep, resolvePlan, thresholdsOf, tripCounts } from './plan.js';

const s = (wake: number, req: number) => ({ wake_p99_us: wake, req_p99_us: req, wake_n: 10, req_n: 10, batch_ops_per_s: 1000 });

describe('deployer plan core', () => {
  it('fills defaults and refuses out-of-range plan values with the allowed range', () => {
    expect(resolvePlan({})).toEqual(DEFAULT_PLAN);
    expect(resolvePlan({ canarySeconds: 5 }).canarySeconds).toBe(5);
    expect(() => resolvePlan({ stallMs: 50 })).toThrow(/plan.stallMs "50" is out of range: allowed 200–30000/);
    expect(() => resolvePlan({ softChecks: Number.NaN })).toThrow(/softChecks/);
  });

  it('takes the median of per-interval p99s as the baseline and refuses an idle node', () => {
    const b = baselineOf([s(100, 50), s(300, 70), s(200, 60), { ...s(0, 0), wake_n: 0 }]);
    expect(b).toMatchObject({ wake_p99_us: 200, req_p99_us: 60, samples: 3 });
    expect(() => baselineOf([s(1, 1)])).toThrow(/usable load samples/);
  });

  it('derives thresholds from the baseline and evaluates the gates', () => {
    const b = baselineOf([s(100, 100), s(100, 100)]);
    const t = thresholdsOf(DEFAULT_PLAN, b);
    expect(t).toMatchObject({ soft_wake_p99_us: 200, soft_req_p99_us: 150, soft_checks: 3, stall_ms: 1000, deadman_ms: 10000 });
    expect(gatesOf(s(150, 200), b, t).map((g) => g.ok)).toEqual([true, false]);
    expect(gatesOf(undefined, b, t).every((g) => g.ok && g.current === null)).toBe(true);
  });

  it('promotes after the canary time, asks for approval when required or the token is canary-only, and marks known-good after full', () => {
    expect(nextStep('canary', 5, DEFAULT_PLAN, true)).toBe('wait');
    expect(nextStep('canary', 10, DEFAULT_PLAN, true)).toBe('promote');
    expect(nextStep('canary', 10, DEFAULT_PLAN, false)).toBe('await_approval');
    expect(nextStep('canary', 10, { ...DEFAULT_PLAN, requireApproval: true }, true)).toBe('await_approval');
    expect(nextStep('full', 29, DEFAULT_PLAN, true)).toBe('wait');
    expect(nextStep('full', 30, DEFAULT_PLAN, true)).toBe('mark_known_good');
    expect(nextStep('rolled_back', 1000, DEFAULT_PLAN, true)).toBe('wait');
  });

  it('holds a stage while its gates are red or an operator paused it', () => {
    expect(nextStep('canary', 60, DEFAULT_PLAN, true, { gatesOk: false })).toBe('wait');
    expect(nextStep('full', 60, DEFAULT_PLAN, true, { gatesOk: false })).toBe('wait');
    expect(nextStep('canary', 60, DEFAULT_PLAN, true, { paused: true })).toBe('wait');
    expect(nextStep('canary', 60, DEFAULT_PLAN, true, { gatesOk: true, paused: false })).toBe('promote');
  });

  it('counts policy trips towards quarantine, not operator rollbacks, dead-man rollbacks or a killed agent', () => {
    expect(tripCounts('stall')).toBe(true);
    expect(tripCounts('scx_bpf_error')).toBe(true);
    expect(tripCounts('soft')).toBe(true);
    expect(tripCounts('manual')).toBe(false);
    expect(tripCounts('heartbeat_lost')).toBe(false);
    expect(tripCounts('agent_restarted')).toBe(false);
  });
});
