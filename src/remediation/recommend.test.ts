import { describe, expect, it } from 'vitest';
import { recommendProcessActions, type Signal } from '../tuning/recommender.js';

const signal = (name: Signal['name'], severity: Signal['severity']): Signal => ({ name, severity, score: 0.7, summary: name, evidence: {}, at: '2026-01-01T00:00:00Z' });
const observed = {
  topCpu: { pid: 4242, comm: 'hog', startTime: 99, nice: 0, cpuPct: 180 },
  topWriter: { pid: 5151, comm: 'dd', startTime: 77, writeBytesPerS: 50 << 20 },
  growingCgroup: { path: '/batch/job', usageBytes: 1 << 30, growthBytesPerS: 8 << 20 },
};
const limits = { minCpuPercent: 10, maxNiceStep: 10 };

describe('process-action rules', () => {
  it('maps each signal to its action on the observed target, with rationale and confidence', () => {
    const { proposals } = recommendProcessActions([signal('runaway_process', 'high'), signal('io_congestion', 'medium'), signal('memory_pressure', 'high')], observed, limits);
    expect(proposals.map((p) => [p.rule, p.tool, p.arguments.action ?? { knob: p.arguments.knob, value: p.arguments.value }])).toEqual([
      ['runaway-process-lowers-its-priority', 'adjust_process', { kind: 'nice', value: 5 }],
      ['runaway-process-gets-a-cpu-cap', 'adjust_process', { kind: 'limit', knob: 'cpu.max', value: 90 }],
      ['io-congestion-deprioritizes-top-writer', 'adjust_process', { kind: 'ioprio', class: 'best-effort', level: 7 }],
      ['memory-pressure-softly-limits-growing-cgroup', 'adjust_cgroup', { knob: 'memory.high', value: Math.round((1 << 30) * 0.9) }],
    ]);
    expect(proposals[0]!.arguments).toMatchObject({ pid: 4242, expectStartTime: 99 });
    for (const p of proposals) { expect(p.rationale.length).toBeGreaterThan(20); expect(p.confidence).toBeGreaterThan(0); expect(p.expectedEffect).toBeTruthy(); }
  });

  it('proposes nothing without a signal, and says so when a signal has no target', () => {
    expect(recommendProcessActions([], observed, limits).proposals).toEqual([]);
    const r = recommendProcessActions([signal('io_congestion', 'high')], {}, limits);
    expect(r.proposals).toEqual([]);
    expect(r.notes).toEqual(['io_congestion: no process wrote measurably in the observation window.']);
    expect(recommendProcessActions([signal('runaway_process', 'low')], { topCpu: { ...observed.topCpu, cpuPct: 12 } }, limits).proposals[1]!.arguments.action).toEqual({ kind: 'limit', knob: 'cpu.max', value: 10 });
  });
});
