// The eval harness and the SLO guard through the real feedback channel (analysis runWorkload +
// compareToBaseline) with a workload that runs inside a network namespace this test creates.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app.js';
import { parseConfig } from '../config/index.js';
import { run } from '../exec/index.js';
import { runEval } from './eval.js';
import { tuningOf } from './index.js';

const NS = `schedcp-eval-${process.pid}`;
const nsValue = async (key: string) => (await run('ip', ['netns', 'exec', NS, 'cat', `/proc/sys/${key.replaceAll('.', '/')}`])).stdout.trim();
let root: string;
let app: App;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'schedcp-eval-'));
  await run('ip', ['netns', 'add', NS]);
  app = createApp({
    config: parseConfig({
      dataDir: join(root, 'data'), cacheDir: join(root, 'cache'), tuning: { liveApply: true }, repository: { embedding: 'hashing' },
      analysis: { workloadCommands: {
        nsprobe: ['ip', 'netns', 'exec', NS, 'cat', '/proc/sys/net/core/somaxconn'],
        // A workload that changes a value behind schedcp's back, as an administrator might.
        meddle: ['ip', 'netns', 'exec', NS, 'sysctl', '-q', '-w', 'net.ipv4.tcp_keepalive_time=4000'],
      } },
    }),
    logger: { log: () => undefined } as never,
  });
});

afterAll(async () => {
  await app?.close();
  await run('ip', ['netns', 'del', NS], { allowFailure: true });
  rmSync(root, { recursive: true, force: true });
});

describe('eval harness and SLO guard with the analysis feedback channel', () => {
  it('measures plan, ablation and a sweep, writes CSV/SVG, and restores every value', async () => {
    const before = [await nsValue('net.core.somaxconn'), await nsValue('net.ipv4.tcp_fin_timeout')];
    const out = join(root, 'eval-out');
    const report = await runEval(tuningOf(app), {
      workload: 'nsprobe', trials: 3, target: `netns:${NS}`, outDir: out, ablation: true,
      changes: [{ key: 'net.core.somaxconn', value: 8192 }, { key: 'net.ipv4.tcp_fin_timeout', value: 30 }],
      sweep: { key: 'net.ipv4.tcp_fin_timeout', values: ['20', '40'], xMetric: 'duration_ms', yMetric: 'duration_ms' },
    });
    expect(report.runs.map((r) => r.condition)).toEqual(['baseline', 'plan', 'only net.core.somaxconn', 'only net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_fin_timeout=20', 'net.ipv4.tcp_fin_timeout=40']);
    expect(report.rows.filter((r) => r.metric === 'duration_ms')).toHaveLength(6);
    expect(report.curve?.map((p) => p.label)).toEqual(['current', '20', '40']);
    expect(report.files.map((f) => f.slice(out.length + 1))).toEqual(['eval.csv', 'plan.svg', 'ablation.svg', 'curve.svg']);
    expect(readFileSync(join(out, 'eval.csv'), 'utf8').split('\n')).toHaveLength(8);
    expect([await nsValue('net.core.somaxconn'), await nsValue('net.ipv4.tcp_fin_timeout')]).toEqual(before);
    const plans = tuningOf(app).store.listPlans({ limit: 10 }).filter((p) => report.runs.some((r) => r.planId === p.id));
    expect(plans.map((p) => p.status)).toEqual(Array(5).fill('rolled_back'));
  });

  it('keeps a plan whose guard comparison stays within the allowed regression', async () => {
    const result = await tuningOf(app).apply({ target: `netns:${NS}`, mode: 'live', changes: [{ key: 'net.core.somaxconn', value: 2048 }], guard: { workload: 'nsprobe', trials: 3, maxRegressionPct: 10_000 } });
    expect(result.live?.status).toBe('applied');
    expect(result.live?.stages[0]?.comparison?.metric).toBe('duration_ms');
    expect(await nsValue('net.core.somaxconn')).toBe('2048');
    await tuningOf(app).rollback({ planId: result.planId });
  });

  it('stops when a condition cannot be rolled back instead of measuring later conditions on leftover values', async () => {
    const before = await nsValue('net.ipv4.tcp_keepalive_time');
    const next = before === '3600' ? '1800' : '3600';
    await expect(runEval(tuningOf(app), { workload: 'meddle', trials: 1, target: `netns:${NS}`, outDir: join(root, 'meddle'), ablation: false, changes: [], sweep: { key: 'net.ipv4.tcp_keepalive_time', values: [next, before], xMetric: 'duration_ms', yMetric: 'duration_ms' } }))
      .rejects.toThrow(new RegExp(`after condition "net.ipv4.tcp_keepalive_time=${next}": plan \\d+ could not be fully rolled back \\(net.ipv4.tcp_keepalive_time yielded`));
    expect(await nsValue('net.ipv4.tcp_keepalive_time')).toBe('4000');
  });

  it('refuses an evaluation whose sweep value breaks a guardrail before running anything', async () => {
    await expect(runEval(tuningOf(app), { workload: 'nsprobe', trials: 1, target: `netns:${NS}`, outDir: join(root, 'x'), ablation: false, changes: [], sweep: { key: 'net.core.somaxconn', values: ['64'], xMetric: 'duration_ms', yMetric: 'duration_ms' } }))
      .rejects.toThrow(/Condition "net.core.somaxconn=64" is refused by the guardrails: \[range\]/);
    expect(existsSync(join(root, 'x'))).toBe(false);
  });
});
