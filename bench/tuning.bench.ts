// Tuning benchmarks: guardrail check and recommender (pure cores), a host KB read, and a live
// apply + rollback round trip inside a throwaway network namespace (never the host's values).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { parseConfig } from '../src/config/index.js';
import { run } from '../src/exec/index.js';
import { median, percentile } from '../src/stats/index.js';
import { checkPlan, HostSysctlTarget, loadKnowledgeBase, recommend, tuningOf, type Signal } from '../src/tuning/index.js';

async function time(n: number, fn: () => unknown | Promise<unknown>): Promise<{ medianMs: number; p95Ms: number; n: number }> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return { medianMs: median(samples), p95Ms: percentile(samples, 95), n };
}

export async function benchTuning(): Promise<Record<string, unknown>> {
  const tunables = loadKnowledgeBase();
  const kb = new Map(tunables.map((t) => [t.key, t]));
  const host = new HostSysctlTarget();
  const current = await host.readMany(tunables);
  const changes = [{ key: 'vm.swappiness', value: 30 }, { key: 'vm.dirty_ratio', value: 15 }, { key: 'vm.dirty_background_ratio', value: 5 }, { key: 'net.ipv4.tcp_rmem', value: [4096, 131072, 8388608] }];
  const signals: Signal[] = (['swap_thrashing', 'memory_pressure', 'io_congestion', 'network_degradation', 'runqueue_latency_high'] as const)
    .map((name) => ({ name, severity: 'high', score: 0.8, summary: name, evidence: {}, at: new Date().toISOString() }));
  const result: Record<string, unknown> = {
    kbSize: tunables.length,
    checkPlan4Changes: await time(2000, () => checkPlan({ kb, allow: [], target: 'host', current, changes })),
    recommend5Signals: await time(2000, () => recommend({ signals, kb, current, allow: [] })),
    readAllHostTunables: await time(200, () => host.readMany(tunables)),
  };
  const ns = `schedcp-bench-${process.pid}`;
  const root = mkdtempSync(join(tmpdir(), 'schedcp-bench-tuning-'));
  const app = createApp({ config: parseConfig({ dataDir: root, cacheDir: root, tuning: { liveApply: true }, repository: { embedding: 'hashing' } }), logger: { log: () => undefined } });
  try {
    await run('ip', ['netns', 'add', ns]);
    const tuning = tuningOf(app);
    let value = 1024;
    const applySamples: number[] = [];
    const rollbackSamples: number[] = [];
    for (let i = 0; i < 20; i++) {
      value = value === 1024 ? 2048 : 1024;
      let t = performance.now();
      const applied = await tuning.apply({ target: `netns:${ns}`, mode: 'live', changes: [{ key: 'net.core.somaxconn', value }, { key: 'net.ipv4.tcp_fin_timeout', value: 30 + (i % 2) }] });
      applySamples.push(performance.now() - t);
      t = performance.now();
      await tuning.rollback({ planId: applied.planId });
      rollbackSamples.push(performance.now() - t);
    }
    result.netnsLiveApply2Keys = { medianMs: median(applySamples), p95Ms: percentile(applySamples, 95), n: applySamples.length };
    result.netnsRollback2Keys = { medianMs: median(rollbackSamples), p95Ms: percentile(rollbackSamples, 95), n: rollbackSamples.length };
    result.hybridSearchHashing = await time(50, () => tuning.list({ query: 'swap memory pressure', limit: 5 }));
  } finally {
    await app.close();
    await run('ip', ['netns', 'del', ns], { allowFailure: true });
    rmSync(root, { recursive: true, force: true });
  }
  return result;
}
