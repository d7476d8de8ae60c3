import { describe, expect, it } from 'vitest';
import { isTargetWorkload, manualTransitionAllowed, nextStatus, workloadScores, type CurationState, type PerfSample } from './curation.js';

const rules = { promoteAfterTrials: 3, quarantineAfterDeployFailures: 2 };
const base: CurationState = { status: 'candidate', targetWorkloads: ['compile', 'batch'], verifications: [], scores: [], deployments: [] };
const perf = (workload: string, pairs: Array<[number, number]>, direction: PerfSample['direction'] = 'lower_is_better'): PerfSample[] =>
  pairs.map(([value, baseline]) => ({ workload, metric: 'wall_s', direction, value, baseline }));

describe('workloadScores', () => {
  it('direction-normalises the improvement factor and attaches the bootstrap verdict', () => {
    const [s] = workloadScores(perf('kernel_compile', [[80, 100], [82, 101], [79, 99], [81, 100]]));
    expect(s!.score).toBeGreaterThan(1.2);
    expect(s!.verdict).toBe('better');
    expect(s!.n).toBe(4);
    const [t] = workloadScores(perf('hackbench', [[900, 1000], [880, 1000], [910, 1000]], 'higher_is_better'));
    expect(t!.score).toBeLessThan(1);
    expect(t!.verdict).toBe('worse');
  });
  it('ignores samples without a baseline and groups by workload and metric', () => {
    const scores = workloadScores([...perf('a', [[1, 2]]), { workload: 'a', metric: 'wall_s', direction: 'lower_is_better', value: 5, baseline: null }, ...perf('b', [[1, 1]])]);
    expect(scores.map((s) => [s.workload, s.n])).toEqual([['a', 1], ['b', 1]]);
  });
});

describe('isTargetWorkload', () => {
  it('matches a tag or a word of the workload name, nothing looser', () => {
    expect(isTargetWorkload('kernel_compile', ['compile'])).toBe(true);
    expect(isTargetWorkload('batch', ['batch'])).toBe(true);
    expect(isTargetWorkload('compiler-bench', ['compile'])).toBe(false);
    expect(isTargetWorkload('hackbench', ['batch'])).toBe(false);
  });
});

describe('nextStatus (state machine)', () => {
  it('verifies a candidate that passed verification and leaves a failing one a candidate', () => {
    expect(nextStatus({ ...base, verifications: ['pass'] }, rules)?.to).toBe('verified');
    expect(nextStatus({ ...base, verifications: ['warn'] }, rules)?.to).toBe('verified');
    expect(nextStatus({ ...base, verifications: ['fail'] }, rules)).toBeUndefined();
    expect(nextStatus(base, rules)).toBeUndefined();
  });
  it('promotes a verified policy only after N winning trials on a target workload', () => {
    const verified = { ...base, status: 'verified' as const, verifications: ['pass' as const] };
    const two = workloadScores(perf('kernel_compile', [[80, 100], [81, 100]]));
    expect(nextStatus({ ...verified, scores: two }, rules)).toBeUndefined();
    const three = workloadScores(perf('kernel_compile', [[80, 100], [81, 100], [79, 100]]));
    const t = nextStatus({ ...verified, scores: three }, rules);
    expect(t?.to).toBe('promoted');
    expect(t?.reason).toMatch(/kernel_compile .* 3 trials/);
    // The same win on a workload it does not target does not count.
    const offTarget = workloadScores(perf('web_latency', [[80, 100], [81, 100], [79, 100]]));
    expect(nextStatus({ ...verified, scores: offTarget }, rules)).toBeUndefined();
  });
  it('demotes a promoted policy that now loses on its target, and one whose re-verification fails', () => {
    const promoted = { ...base, status: 'promoted' as const, verifications: ['pass' as const] };
    expect(nextStatus({ ...promoted, scores: workloadScores(perf('batch', [[120, 100], [121, 100], [119, 100]])) }, rules)?.to).toBe('verified');
    expect(nextStatus({ ...promoted, verifications: ['pass', 'fail'] }, rules)?.to).toBe('candidate');
  });
  it('quarantines after consecutive deployment failures, not after a failure followed by success', () => {
    const v = { ...base, status: 'promoted' as const, verifications: ['pass' as const] };
    expect(nextStatus({ ...v, deployments: ['failure'] }, rules)).toBeUndefined();
    expect(nextStatus({ ...v, deployments: ['failure', 'rolled_back'] }, rules)?.to).toBe('quarantined');
    expect(nextStatus({ ...v, deployments: ['failure', 'failure', 'success'] }, rules)).toBeUndefined();
  });
  it('never moves a quarantined or retired policy automatically', () => {
    expect(nextStatus({ ...base, status: 'quarantined', verifications: ['pass'] }, rules)).toBeUndefined();
    expect(nextStatus({ ...base, status: 'retired', verifications: ['pass'] }, rules)).toBeUndefined();
  });
  it('allows only sensible manual transitions (never a manual promotion)', () => {
    expect(manualTransitionAllowed('verified', 'retired')).toBe(true);
    expect(manualTransitionAllowed('quarantined', 'candidate')).toBe(true);
    expect(manualTransitionAllowed('candidate', 'promoted')).toBe(false);
    expect(manualTransitionAllowed('verified', 'promoted')).toBe(false);
  });
});
