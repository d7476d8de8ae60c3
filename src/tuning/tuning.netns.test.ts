// Live tuning for real, inside a network namespace this test creates and deletes: net.* values
// there are private to the namespace, so the host's own /proc/sys is never written.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app.js';
import { parseConfig } from '../config/index.js';
import { run } from '../exec/index.js';
import { SchedcpError, isSchedcpError } from '../errors.js';
import type { Comparison } from '../stats/index.js';
import { Tuning, type Feedback, type WorkloadRun } from './index.js';
import { tuningMigrations } from './store.js';

const NS = `schedcp-tune-${process.pid}`;
const TARGET = `netns:${NS}`;
const inNs = async (...args: string[]) => (await run('ip', ['netns', 'exec', NS, ...args])).stdout.trim().split(/\s+/).join(' ');
const nsValue = (key: string) => inNs('cat', `/proc/sys/${key.replaceAll('.', '/')}`);
const hostValue = (key: string) => readFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8').trim().split(/\s+/).join(' ');

let root: string;
let app: App;
let tuning: Tuning;

function makeApp(liveApply: boolean, feedback?: Feedback): { app: App; tuning: Tuning } {
  const dir = mkdtempSync(join(root, 'app-'));
  const a = createApp({ config: parseConfig({ dataDir: dir, cacheDir: dir, tuning: { liveApply }, repository: { embedding: 'hashing' } }), logger: { log: () => undefined } as never });
  const t = a.component('tuning', (x) => new Tuning(x, feedback ? { feedback } : {}), tuningMigrations);
  return { app: a, tuning: t };
}

async function errorOf(promise: Promise<unknown>) {
  try { await promise; } catch (error) { if (isSchedcpError(error)) return error; throw error; }
  throw new Error('expected a SchedcpError');
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'schedcp-tuning-'));
  await run('ip', ['netns', 'add', NS]);
  ({ app, tuning } = makeApp(true));
});

afterAll(async () => {
  await app?.close();
  await run('ip', ['netns', 'del', NS], { allowFailure: true });
  rmSync(root, { recursive: true, force: true });
});

describe('live tuning inside a test network namespace', () => {
  it('applies with backup and read-back, leaves the host alone, and rollback restores exact values', async () => {
    const hostBefore = [hostValue('net.core.somaxconn'), hostValue('net.ipv4.tcp_rmem')];
    const before = [await nsValue('net.core.somaxconn'), await nsValue('net.ipv4.tcp_rmem')];
    const result = await tuning.apply({ target: TARGET, mode: 'live', changes: [{ key: 'net.core.somaxconn', value: 8192 }, { key: 'net.ipv4.tcp_rmem', value: [8192, 262144, 8388608] }] });
    expect(result.live?.status).toBe('applied');
    expect(result.live?.keys.map((k) => k.state)).toEqual(['applied', 'applied']);
    expect(await nsValue('net.core.somaxconn')).toBe('8192');
    expect(await nsValue('net.ipv4.tcp_rmem')).toBe('8192 262144 8388608');
    expect([hostValue('net.core.somaxconn'), hostValue('net.ipv4.tcp_rmem')]).toEqual(hostBefore);
    expect(tuning.store.getBackup(result.live!.backupId)!.values).toEqual({ 'net.core.somaxconn': before[0], 'net.ipv4.tcp_rmem': before[1] });

    const rollback = await tuning.rollback({ planId: result.planId });
    expect(rollback.keys.map((k) => k.state)).toEqual(['rolled_back', 'rolled_back']);
    expect([await nsValue('net.core.somaxconn'), await nsValue('net.ipv4.tcp_rmem')]).toEqual(before);
    expect(tuning.store.getPlan(result.planId)!.status).toBe('rolled_back');
  });

  it('yields a key to the administrator who changed it behind our back', async () => {
    const before = await nsValue('net.ipv4.tcp_fin_timeout');
    const result = await tuning.apply({ target: TARGET, mode: 'live', changes: [{ key: 'net.ipv4.tcp_fin_timeout', value: 30 }, { key: 'net.ipv4.tcp_keepalive_time', value: 3600 }] });
    await inNs('sysctl', '-q', '-w', 'net.ipv4.tcp_fin_timeout=45');
    const rollback = await tuning.rollback({ backupId: result.live!.backupId });
    expect(rollback.keys.find((k) => k.key === 'net.ipv4.tcp_fin_timeout')).toMatchObject({ state: 'yielded' });
    expect(rollback.keys.find((k) => k.key === 'net.ipv4.tcp_keepalive_time')).toMatchObject({ state: 'rolled_back' });
    expect(await nsValue('net.ipv4.tcp_fin_timeout')).toBe('45');
    expect(before).not.toBe('45');
    const again = await errorOf(tuning.apply({ target: TARGET, mode: 'live', changes: [{ key: 'net.ipv4.tcp_fin_timeout', value: 30 }] }));
    expect(again.message).toMatch(/\[yielded\].*changed by someone else/);
    expect(await nsValue('net.ipv4.tcp_fin_timeout')).toBe('45');
    expect(tuning.store.events({ limit: 50 }).some((e) => e.kind === 'yield' && e.key === 'net.ipv4.tcp_fin_timeout')).toBe(true);
  });

  it('rolls back earlier writes when a write fails mid-plan (net.core.rmem_max is read-only inside a child netns)', async () => {
    const before = await nsValue('net.core.somaxconn');
    const rmem = Number(await nsValue('net.core.rmem_max'));
    const error = await errorOf(tuning.apply({ target: TARGET, mode: 'live', changes: [{ key: 'net.core.somaxconn', value: 16384 }, { key: 'net.core.rmem_max', value: rmem * 2 }] }));
    expect(error.code).toBe('permission_denied');
    expect(error.message).toMatch(/net.core.rmem_max.*rolled back the writes already made \(net.core.somaxconn\)/);
    expect(await nsValue('net.core.somaxconn')).toBe(before);
    const plan = tuning.store.listPlans({ limit: 1 })[0]!;
    expect(plan.status).toBe('failed_rolled_back');
  });

  it('refuses bad plans and disabled live mode with specific errors, writing nothing', async () => {
    const before = await nsValue('net.core.somaxconn');
    const outOfRange = await errorOf(tuning.apply({ target: TARGET, mode: 'live', changes: [{ key: 'net.core.somaxconn', value: 10 }] }));
    expect(outOfRange.message).toMatch(/\[range\] net.core.somaxconn: 10 is outside the safe range 128..65535/);
    const global = await errorOf(tuning.apply({ target: TARGET, mode: 'live', changes: [{ key: 'vm.swappiness', value: 50 }] }));
    expect(global.message).toMatch(/\[namespace\] vm.swappiness is not a network tunable/);
    const disabled = makeApp(false);
    try {
      const denied = await errorOf(disabled.tuning.apply({ target: TARGET, mode: 'live', changes: [{ key: 'net.core.somaxconn', value: 8192 }] }));
      expect(denied.code).toBe('precondition_failed');
      expect(denied.message).toMatch(/config.tuning.liveApply/);
      // advise and stage work without live permission and never write the kernel.
      const advised = await disabled.tuning.apply({ target: TARGET, mode: 'advise', changes: [{ key: 'net.core.somaxconn', value: 8192 }] });
      expect(advised.stagedText).toMatch(/^net.core.somaxconn = 8192$/m);
      const staged = await disabled.tuning.apply({ target: TARGET, mode: 'stage', changes: [{ key: 'net.core.somaxconn', value: 8192 }] });
      expect(readFileSync(staged.stagedPath!, 'utf8')).toBe(staged.stagedText);
    } finally {
      await disabled.app.close();
    }
    const missing = await errorOf(tuning.apply({ target: 'netns:schedcp-no-such-ns', mode: 'live', changes: [{ key: 'net.core.somaxconn', value: 8192 }] }));
    expect(missing.message).toMatch(/does not exist/);
    expect(await nsValue('net.core.somaxconn')).toBe(before);
  });

  it('restores the writes and closes the plan when the SLO guard run fails after a write', async () => {
    let runs = 0;
    const feedback: Feedback = {
      // The baseline succeeds; the guard run after the first stage fails (as a cancel or a crashed workload would).
      runWorkload: async () => {
        if (runs++ > 0) throw new SchedcpError('cancelled', 'The workload run was cancelled by the caller.');
        return { id: 1, workload: 'w', startedAt: '', trials: [{ durationMs: 10, metrics: {} }], summary: {}, primaryMetric: 'latency_ms', direction: 'lower_is_better' };
      },
      compare: async () => { throw new Error('compare must not be reached'); },
      currentSignals: async () => [],
    };
    const guarded = makeApp(true, feedback);
    try {
      const before = await nsValue('net.ipv4.tcp_keepalive_time');
      const next = Number(before) === 3600 ? 1800 : 3600;
      const error = await errorOf(guarded.tuning.apply({ target: TARGET, mode: 'live', changes: [{ key: 'net.ipv4.tcp_keepalive_time', value: next }], guard: { workload: 'w', trials: 1, maxRegressionPct: 5 } }));
      expect(error.code).toBe('cancelled');
      expect(error.message).toMatch(/rolled back the writes already made \(net.ipv4.tcp_keepalive_time\)/);
      expect(await nsValue('net.ipv4.tcp_keepalive_time')).toBe(before);
      const plan = guarded.tuning.store.listPlans({ limit: 1 })[0]!;
      expect(plan.status).toBe('failed_rolled_back');
      expect(guarded.tuning.store.managed(TARGET).find((r) => r.key === 'net.ipv4.tcp_keepalive_time')?.state).toBe('released');
    } finally {
      await guarded.app.close();
    }
  });

  it('rolls the plan back when the SLO guard sees a regression (feedback is a test double: analysis not used)', async () => {
    let runs = 0;
    const fakeRun = (values: number[]): WorkloadRun => ({ id: ++runs, workload: 'w', startedAt: '', trials: values.map((v) => ({ durationMs: v, metrics: { latency_ms: v } })), summary: {}, primaryMetric: 'latency_ms', direction: 'lower_is_better' });
    const { compareSamples } = await import('../stats/index.js');
    const feedback: Feedback = {
      // Baseline ~10 ms, every later run ~20 ms: a clear regression after the first stage.
      runWorkload: async () => fakeRun(runs === 0 ? [10, 10.2, 9.9, 10.1, 10] : [20, 20.5, 19.8, 20.2, 20.1]),
      compare: async (b, c) => ({ metric: 'latency_ms', comparison: compareSamples(b.trials.map((t) => t.durationMs), c.trials.map((t) => t.durationMs)) as Comparison }),
      currentSignals: async () => [],
    };
    const guarded = makeApp(true, feedback);
    try {
      const before = [await nsValue('net.core.somaxconn'), await nsValue('net.ipv4.tcp_max_syn_backlog')];
      const result = await guarded.tuning.apply({ target: TARGET, mode: 'live', changes: [{ key: 'net.core.somaxconn', value: 8192 }, { key: 'net.ipv4.tcp_max_syn_backlog', value: Number(before[1]) * 2 }], guard: { workload: 'w', trials: 5, maxRegressionPct: 5 } });
      expect(result.live?.status).toBe('guard_rolled_back');
      expect(result.live?.stages).toHaveLength(1);
      expect(result.live?.stages[0]!.comparison?.verdict).toBe('worse');
      expect(result.live?.keys.map((k) => `${k.key}:${k.state}`)).toEqual(['net.core.somaxconn:rolled_back', 'net.ipv4.tcp_max_syn_backlog:skipped']);
      expect([await nsValue('net.core.somaxconn'), await nsValue('net.ipv4.tcp_max_syn_backlog')]).toEqual(before);
    } finally {
      await guarded.app.close();
    }
  });
});
