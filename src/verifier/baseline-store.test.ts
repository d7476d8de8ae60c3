// Baseline reuse: the key, the freshness rule, what counts as a complete baseline, and the store
// against a real SQLite app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.js';
import type { WorkloadResult } from '../vm/index.js';
import { BaselineStore, baselineKey, completeBaseline, describeBaseline, isFresh, storedBaseline } from './baseline-store.js';
import { verifierMigrations } from './store.js';
import { loadSuite } from './suite.js';
import { planWorkloads } from './vm-stages.js';

const suite = loadSuite();
const shape = { cpus: 2, memoryMiB: 1024, accel: 'tcg' as const };
const run = (name: string, extra: Partial<WorkloadResult> = {}): WorkloadResult => ({
  name, argv: ['x'], exitCode: 0, signal: null, timedOut: false, wallMs: 100, userMs: 50, sysMs: 5, voluntaryCtxsw: 0, involuntaryCtxsw: 0,
  schedulerEnabledAfter: false, output: 'lots of text', metrics: { p50Us: 1200 }, ...extra,
});

describe('baselineKey', () => {
  it('changes with the kit, the suite and every part of the VM shape', () => {
    const k = baselineKey('kit-a', suite, shape).key;
    expect(baselineKey('kit-a', suite, shape).key).toBe(k);
    expect(baselineKey('kit-b', suite, shape).key).not.toBe(k);
    expect(baselineKey('kit-a', { ...suite, performance: { ...suite.performance, trials: suite.performance.trials + 1 } }, shape).key).not.toBe(k);
    for (const other of [{ ...shape, cpus: 4 }, { ...shape, memoryMiB: 2048 }, { ...shape, accel: 'kvm' as const }]) expect(baselineKey('kit-a', suite, other).key).not.toBe(k);
    expect(baselineKey('kit-a', suite, shape).parts).toMatchObject({ host: expect.stringMatching(/ x\d+$/), hostKernel: expect.any(String), qemu: expect.stringMatching(/qemu-system-x86_64 \d+ \d+$/) });
  });
});

describe('isFresh', () => {
  const now = new Date('2026-12-03T06:00:00Z');
  it('accepts a baseline up to the maximum age and nothing older, newer than now, or unparsable', () => {
    expect(isFresh('2026-12-03T05:00:00Z', now, 60)).toBe(true);
    expect(isFresh('2026-12-03T04:59:59Z', now, 60)).toBe(false);
    expect(isFresh('2026-12-03T06:00:01Z', now, 60)).toBe(false);
    expect(isFresh('yesterday', now, 60)).toBe(false);
    expect(isFresh('2026-12-03T05:59:59Z', now, 0)).toBe(false); // 0 turns reuse off
  });
});

describe('completeBaseline', () => {
  const plan = planWorkloads(suite, true);
  it('needs every planned workload to have run to completion', () => {
    const all = plan.map((w) => run(w.name!));
    expect(completeBaseline(all, plan)).toBe(true);
    expect(completeBaseline(all.slice(1), plan)).toBe(false);
    expect(completeBaseline(all.map((w, i) => (i === 2 ? { ...w, timedOut: true } : w)), plan)).toBe(false);
    expect(completeBaseline(all.map((w, i) => (i === 0 ? { ...w, exitCode: 1 } : w)), plan)).toBe(false);
    expect(completeBaseline(undefined, plan)).toBe(false);
  });
});

describe('BaselineStore', () => {
  let testApp: TestApp;
  beforeAll(() => { testApp = createTestApp({}, { prefix: 'schedcp-baseline-test' }); });
  afterAll(() => testApp.close());

  it('returns a stored baseline while it is fresh, with its age and origin, and replaces it on the next put', () => {
    const store = BaselineStore.of(testApp.app, verifierMigrations);
    const key = baselineKey('kit-a', suite, shape);
    expect(storedBaseline(store, key, 60)).toBeUndefined();
    store.put(key.key, key.parts, [run('hackbench.t1')], '2026-12-03T05:30:00.000Z', 1.5);
    const got = storedBaseline(store, key, 60, new Date('2026-12-03T05:40:00Z'));
    expect(got?.workloads).toEqual([run('hackbench.t1', { output: '' })]);
    expect(got?.info).toMatchObject({ origin: 'stored', ageSeconds: 600, maxAgeMinutes: 60, loadavgAtCapture: 1.5, capturedAt: '2026-12-03T05:30:00.000Z' });
    expect(describeBaseline(got!.info)).toMatch(/^baseline: default scheduler measured 10 min ago \(stored, same kit, suite, VM shape and host; reused up to 60 min; host load then 1\.5/);
    expect(storedBaseline(store, key, 60, new Date('2026-12-03T06:31:00Z'))).toBeUndefined();
    expect(storedBaseline(store, baselineKey('kit-b', suite, shape), 60, new Date('2026-12-03T05:40:00Z'))).toBeUndefined();
    store.put(key.key, key.parts, [run('hackbench.t1', { wallMs: 7 })], '2026-12-03T06:30:00.000Z', 0.5);
    expect(storedBaseline(store, key, 60, new Date('2026-12-03T06:31:00Z'))?.workloads[0]?.wallMs).toBe(7);
  });
});
