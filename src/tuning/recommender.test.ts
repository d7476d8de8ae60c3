import { describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from './kb.js';
import { recommend, type Signal } from './recommender.js';

const kb = new Map(loadKnowledgeBase().map((t) => [t.key, t]));
const current = new Map<string, string | undefined>([
  ['vm.swappiness', '60'], ['vm.page-cluster', '3'], ['vm.watermark_scale_factor', '10'], ['vm.dirty_ratio', '20'],
  ['vm.dirty_background_ratio', '10'], ['net.core.somaxconn', '4096'], ['net.ipv4.tcp_max_syn_backlog', '512'],
  ['net.core.netdev_max_backlog', '1000'], ['kernel.sched_base_slice_ns', '3000000'], ['kernel.numa_balancing', '1'],
  ['kernel.sched_migration_cost_ns', '500000'], ['vm.overcommit_memory', '1'],
]);
const signal = (name: Signal['name'], severity: Signal['severity'], evidence: Record<string, number> = {}): Signal => ({ name, severity, score: 0.8, summary: name, evidence, at: '2026-01-01T00:00:00Z' });
const brief = (signals: Signal[], allow: string[] = []) => recommend({ signals, kb, current, allow, host: { numaNodes: 1 } });

describe('tuning recommender', () => {
  it('lowers swappiness within one step when swap is thrashing, with rationale', () => {
    const { recommendations } = brief([signal('swap_thrashing', 'high')]);
    expect(recommendations.map((r) => [r.rule, r.key, r.from, r.to, r.confidence])).toEqual([
      ['swap-activity-lowers-swappiness', 'vm.swappiness', '60', '20', 0.7],
      ['swap-thrashing-shrinks-readahead', 'vm.page-cluster', '3', '1', 0.3],
    ]);
    expect(recommendations[0]!.rationale).toMatch(/prefer page cache over swapping/);
    expect(recommendations[0]!.expectedEffect).toBeTruthy();
  });

  it('keeps the dirty thresholds ordered under I/O congestion', () => {
    const keys = brief([signal('io_congestion', 'medium')]).recommendations.map((r) => `${r.key}=${r.to}`);
    expect(keys).toEqual(['vm.dirty_background_ratio=5', 'vm.dirty_ratio=10']);
  });

  it('answers network degradation and uses softnet drops when the evidence has them', () => {
    expect(brief([signal('network_degradation', 'high')]).recommendations.map((r) => `${r.key}=${r.to}`)).toEqual(['net.core.somaxconn=8192', 'net.ipv4.tcp_max_syn_backlog=8192']);
    expect(brief([signal('network_degradation', 'high', { net_drops_per_s: 12 })]).recommendations[0]).toMatchObject({ key: 'net.core.netdev_max_backlog', to: '4000', confidence: 0.45 });
  });

  it('shortens the EEVDF slice for run-queue latency and disables NUMA balancing on one node', () => {
    expect(brief([signal('runqueue_latency_high', 'high')]).recommendations.map((r) => `${r.key}=${r.to}`)).toEqual(['kernel.numa_balancing=0', 'kernel.sched_base_slice_ns=1500000']);
  });

  it('is deterministic, ignores low-severity noise, and explains signals it cannot answer', () => {
    const signals = [signal('memory_pressure', 'medium', { swap_pages_per_s: 5 }), signal('oom_risk', 'high'), signal('runaway_process', 'high'), signal('cpu_saturation', 'low')];
    const a = brief(signals);
    expect(brief([...signals].reverse())).toEqual(a);
    expect(a.recommendations.map((r) => r.key)).toEqual(['vm.swappiness', 'vm.watermark_scale_factor', 'vm.overcommit_memory']);
    expect(a.notes.join(' ')).toMatch(/runaway_process/);
    expect(brief([signal('cpu_saturation', 'low'), signal('io_congestion', 'low')]).recommendations).toEqual([]);
  });

  it('respects config.tuning.allow and reports what it skipped or the guardrails dropped', () => {
    const result = brief([signal('io_congestion', 'high')], ['vm.dirty_background_ratio']);
    expect(result.recommendations.map((r) => `${r.key}=${r.to}`)).toEqual(['vm.dirty_background_ratio=5']);
    expect(result.notes[0]).toMatch(/vm.dirty_ratio is not in config.tuning.allow/);
    // dirty_ratio alone at 10 would equal the current background ratio (10): the relation rule drops it.
    const dropped = brief([signal('io_congestion', 'high')], ['vm.dirty_ratio']);
    expect(dropped.recommendations).toEqual([]);
    expect(dropped.notes.join(' ')).toMatch(/dropped vm.dirty_ratio: .*vm.dirty_ratio > vm.dirty_background_ratio must hold/);
  });
});
