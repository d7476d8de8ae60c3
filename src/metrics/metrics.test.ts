// /metrics content: event-fed trips, rollback latency and probe overhead, and the active-signal
// gauges read from a real background sampler window, all in Prometheus text exposition format.
import { afterEach, describe, expect, it } from 'vitest';
import { analysisOf, startBackgroundSampler } from '../analysis/index.js';
import { makeTestApp, type TestApp } from '../repository/test-app.js';
import { recordProbeOverhead, recordRollback, registerStateGauges, registry } from './index.js';

// NaN/Inf in any case, as Prometheus' parser (Go ParseFloat) reads them; prom-client prints "Nan".
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([-+0-9.eE]+|[-+]?inf|nan)$/i;

/** Every line is a comment or a sample; returns the samples as "name{labels}" → value. */
async function scrape(): Promise<Map<string, number>> {
  const text = await registry.metrics();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = SAMPLE.exec(line);
    expect(m, `not Prometheus exposition format: ${line}`).not.toBeNull();
    out.set(`${m![1]}${m![2] ?? ''}`, Number(m![3]));
  }
  return out;
}

let t: TestApp | undefined;
afterEach(async () => { await t?.close(); t = undefined; });

describe('metrics fed by the deployer and the probe runner', () => {
  it('counts trips by kind, leaves operator rollbacks out of trips, and buckets rollback latency', async () => {
    recordRollback('stall', 'known_good', 42);
    recordRollback('stall', 'default', 3);
    recordRollback('scx_error', 'known_good', 1500);
    recordRollback('manual', 'known_good', 7);
    recordRollback('kpi_gate', 'failed', undefined); // no timestamps: a trip, but no latency sample
    const m = await scrape();
    expect(m.get('schedcp_breaker_trips_total{kind="stall"}')).toBe(2);
    expect(m.get('schedcp_breaker_trips_total{kind="scx_error"}')).toBe(1);
    expect(m.get('schedcp_breaker_trips_total{kind="kpi_gate"}')).toBe(1);
    expect(m.has('schedcp_breaker_trips_total{kind="manual"}')).toBe(false);
    expect(m.get('schedcp_rollback_latency_seconds_count{kind="stall",restored="known_good"}')).toBe(1);
    expect(m.get('schedcp_rollback_latency_seconds_sum{kind="stall",restored="known_good"}')).toBeCloseTo(0.042, 6);
    expect(m.get('schedcp_rollback_latency_seconds_bucket{le="0.025",kind="stall",restored="known_good"}')).toBe(0);
    expect(m.get('schedcp_rollback_latency_seconds_bucket{le="0.05",kind="stall",restored="known_good"}')).toBe(1);
    expect(m.get('schedcp_rollback_latency_seconds_bucket{le="2.5",kind="scx_error",restored="known_good"}')).toBe(1);
    expect(m.get('schedcp_rollback_latency_seconds_count{kind="manual",restored="known_good"}')).toBe(1);
    expect([...m.keys()].some((k) => k.includes('kind="kpi_gate"') && k.startsWith('schedcp_rollback_latency'))).toBe(false);
  });

  it('records probe self-overhead per event in seconds, skipping runs whose programs never ran', async () => {
    recordProbeOverhead('runqlat_test', { nsPerEvent: 120, runCount: 5000 });
    recordProbeOverhead('runqlat_test', { nsPerEvent: 480, runCount: 100 });
    recordProbeOverhead('runqlat_test', { nsPerEvent: 0, runCount: 0 });
    const m = await scrape();
    expect(m.get('schedcp_probe_overhead_per_event_seconds_count{probe="runqlat_test"}')).toBe(2);
    expect(m.get('schedcp_probe_overhead_per_event_seconds_sum{probe="runqlat_test"}')).toBeCloseTo(600e-9, 12);
    expect(m.get('schedcp_probe_overhead_per_event_seconds_bucket{le="1.5e-7",probe="runqlat_test"}')).toBe(1);
    expect(m.get('schedcp_probe_overhead_per_event_seconds_bucket{le="5e-7",probe="runqlat_test"}')).toBe(2);
  });
});

describe('active signals by severity', () => {
  it('reports nothing before the first window, then the latest window\'s counts without sampling again', async () => {
    t = makeTestApp();
    registerStateGauges(t.app);
    const before = await scrape();
    expect([...before.keys()].some((k) => k.startsWith('schedcp_signals_active'))).toBe(false);
    const sampler = startBackgroundSampler(t.app);
    const window = await sampler.nextWindow();
    sampler.stop();
    expect(window).toBeDefined();
    const ticks = sampler.stats().ticks;
    const m = await scrape();
    for (const severity of ['low', 'medium', 'high', 'critical'] as const) {
      expect(m.get(`schedcp_signals_active{severity="${severity}"}`)).toBe(window!.signals.filter((s) => s.severity === severity).length);
    }
    expect(m.has('schedcp_signals_active{severity="none"}')).toBe(false);
    expect(m.get('schedcp_signals_window_age_seconds')).toBeGreaterThanOrEqual(0);
    // The scrape read the ring; it neither sampled nor woke the stopped sampler.
    expect(sampler.stats().ticks).toBe(ticks);
    expect(sampler.stats().state).toBe('stopped');
    expect(analysisOf(t.app).summaries.sampler.windows().at(-1)).toBe(window);
  });
});
