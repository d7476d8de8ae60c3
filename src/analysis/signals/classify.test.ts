import { describe, expect, it } from 'vitest';
import { SIGNAL_NAMES, classify, loadThresholds, rate, type MetricRule } from './classify.js';

const above: MetricRule = { unit: '%', direction: 'above', zero: 0, levels: [10, 20, 40, 80], why: '' };
const below: MetricRule = { unit: '%', direction: 'below', zero: 40, levels: [20, 10, null, null], why: '' };

describe('signal classifier', () => {
  it('maps values onto levels and a piecewise-linear score', () => {
    expect(rate(0, above)).toEqual({ level: 0, score: 0 });
    expect(rate(5, above)).toEqual({ level: 0, score: 0.125 });
    expect(rate(10, above)).toEqual({ level: 1, score: 0.25 });
    expect(rate(30, above)).toEqual({ level: 2, score: 0.625 });
    expect(rate(1000, above)).toEqual({ level: 4, score: 1 });
    // "below" metrics are bad when small; null levels cap the severity (here at medium, score 0.5).
    expect(rate(60, below)).toEqual({ level: 0, score: 0 });
    expect(rate(15, below).level).toBe(1);
    expect(rate(1, below)).toEqual({ level: 2, score: 0.5 });
  });

  it('loads the documented thresholds file with every signal', () => {
    const t = loadThresholds();
    expect(Object.keys(t.signals).sort()).toEqual([...SIGNAL_NAMES].sort());
    for (const s of Object.values(t.signals)) for (const m of Object.values(s.metrics)) expect(m.why.length).toBeGreaterThan(10);
    expect(() => loadThresholds({ version: 1, notes: '', signals: {} })).toThrow(/signal-thresholds.json is invalid.*signals.cpu_saturation/);
  });

  it('classifies a saturated CPU and an idle machine', () => {
    const t = loadThresholds();
    const at = '2026-01-01T00:00:00.000Z';
    const busy = classify({ cpu_busy_pct: 100, runnable_per_cpu: 3, cpu_psi_some_avg10_pct: 60, mem_available_pct: 90 }, t, at);
    const cpu = busy.find((s) => s.name === 'cpu_saturation')!;
    expect(cpu.severity).toBe('high');
    expect(cpu.score).toBeGreaterThan(0.75);
    expect(cpu.evidence).toEqual({ cpu_busy_pct: 100, runnable_per_cpu: 3, cpu_psi_some_avg10_pct: 60 });
    expect(cpu.summary).toMatch(/^cpu_saturation high: .*≥ .* for high/);
    expect(busy).toHaveLength(SIGNAL_NAMES.length);
    const idle = classify({ cpu_busy_pct: 3, runnable_per_cpu: 0.1, mem_available_pct: 90, oom_kills_in_window: 0 }, t, at);
    expect(idle.every((s) => s.severity === 'none')).toBe(true);
    expect(idle.find((s) => s.name === 'swap_thrashing')!.summary).toMatch(/no data on this host/);
  });

  it('calls an OOM kill in the window high oom_risk and names the runaway pid', () => {
    const t = loadThresholds();
    const s = classify({ mem_available_pct: 60, oom_kills_in_window: 2, top_task_cpu_share_pct: 99, top_task_pid: 4242 }, t, 'x');
    expect(s.find((x) => x.name === 'oom_risk')!.severity).toBe('high');
    const runaway = s.find((x) => x.name === 'runaway_process')!;
    expect(runaway.severity).toBe('critical');
    expect(runaway.evidence.top_task_pid).toBe(4242);
    expect(runaway.summary).toContain('pid 4242');
  });
});
