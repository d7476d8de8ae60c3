// The semantic-signal classifier: level-1 metrics (plus the top tasks) → named signals with a
// severity, a 0..1 pressure score, a one-line summary and the evidence. Thresholds live in the
// data file analysis/signal-thresholds.json so they can be reviewed and tuned without code changes.
import { z } from 'zod';
import thresholdsJson from '../../../analysis/signal-thresholds.json' with { type: 'json' };
import type { Level1Metrics } from '../summary/metrics.js';
import type { TaskRow } from '../summary/tasks.js';

export const SIGNAL_NAMES = ['cpu_saturation', 'runqueue_latency_high', 'memory_pressure', 'oom_risk', 'swap_thrashing', 'io_congestion', 'runaway_process', 'network_degradation'] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];
export const SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Signal {
  name: SignalName;
  severity: Severity;
  score: number;
  summary: string;
  evidence: Record<string, number>;
  at: string;
}

const metricRule = z.object({
  unit: z.string(),
  direction: z.enum(['above', 'below']),
  zero: z.number(),
  levels: z.tuple([z.number().nullable(), z.number().nullable(), z.number().nullable(), z.number().nullable()]),
  why: z.string(),
}).strict();
const thresholdsSchema = z.object({
  version: z.literal(1),
  notes: z.string(),
  signals: z.record(z.enum(SIGNAL_NAMES), z.object({ description: z.string(), metrics: z.record(z.string(), metricRule) }).strict()),
}).strict();
export type Thresholds = z.infer<typeof thresholdsSchema>;
export type MetricRule = z.infer<typeof metricRule>;

export function loadThresholds(data: unknown = thresholdsJson): Thresholds {
  const parsed = thresholdsSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`analysis/signal-thresholds.json is invalid (every signal needs an entry): ${issues}`);
  }
  return parsed.data;
}

/** Flat inputs the thresholds refer to, computed from the metrics. Missing sources are left out. */
export function signalInputs(m: Level1Metrics, topTasks: readonly TaskRow[]): Record<string, number> {
  const out: Record<string, number> = {
    cpu_busy_pct: m.cpu.total.busyPct,
    runnable_per_cpu: m.load.runnablePerCpu,
    mem_available_pct: m.memory.availablePct,
    oom_kills_in_window: m.memory.oomKillsInWindow,
    swap_pages_per_s: m.memory.swapInPagesPerS + m.memory.swapOutPagesPerS,
    major_faults_per_s: m.memory.majorFaultsPerS,
    disk_max_util_pct: m.io.maxUtilPct,
    disk_max_await_ms: Math.max(0, ...m.io.disks.map((d) => d.awaitMs)),
    tcp_retrans_pct: m.network.tcpRetransPct,
    net_drops_per_s: m.network.dropsPerS,
    net_errors_per_s: m.network.errorsPerS,
  };
  if (m.memory.swapTotalBytes > 0 && m.memory.availablePct < 15) out.swap_free_pct_when_mem_low = 100 - m.memory.swapUsedPct;
  if (m.cpu.pressure) out.cpu_psi_some_avg10_pct = m.cpu.pressure.someAvg10Pct;
  if (m.memory.pressure) out.mem_psi_some_avg10_pct = m.memory.pressure.someAvg10Pct;
  if (m.memory.pressure?.fullAvg10Pct !== undefined) out.mem_psi_full_avg10_pct = m.memory.pressure.fullAvg10Pct;
  if (m.io.pressure) out.io_psi_some_avg10_pct = m.io.pressure.someAvg10Pct;
  if (m.io.pressure?.fullAvg10Pct !== undefined) out.io_psi_full_avg10_pct = m.io.pressure.fullAvg10Pct;
  if (m.scheduler.runqueueWaitPerSliceUs !== undefined) out.runqueue_wait_per_slice_us = m.scheduler.runqueueWaitPerSliceUs;
  if (m.scheduler.runqueueWaitSharePct !== undefined) out.runqueue_wait_share_pct = m.scheduler.runqueueWaitSharePct;
  const top = [...topTasks].sort((a, b) => b.cpuPct - a.cpuPct)[0];
  if (top) {
    out.top_task_cpu_share_pct = Math.round((top.cpuPct / m.cpu.cores) * 10) / 10;
    out.top_task_pid = top.pid;
  }
  const biggest = [...topTasks].sort((a, b) => b.rssBytes - a.rssBytes)[0];
  if (biggest && m.memory.totalBytes > 0) out.top_task_rss_pct = Math.round((biggest.rssBytes / m.memory.totalBytes) * 1000) / 10;
  return out;
}

/** Level reached (0 = none .. 4 = critical) and the 0..1 position on the rule's scale. */
export function rate(value: number, rule: MetricRule): { level: number; score: number } {
  const sign = rule.direction === 'above' ? 1 : -1;
  const v = sign * value;
  const points: Array<[number, number]> = [[sign * rule.zero, 0]];
  let level = 0;
  rule.levels.forEach((t, i) => {
    if (t === null) return;
    points.push([sign * t, (i + 1) / 4]);
    if (v >= sign * t) level = i + 1;
  });
  let score = 0;
  if (v >= points[points.length - 1]![0]) score = points[points.length - 1]![1];
  else {
    for (let i = 1; i < points.length; i++) {
      const [x0, y0] = points[i - 1]!;
      const [x1, y1] = points[i]!;
      if (v < x1) { score = v <= x0 ? y0 : y0 + ((v - x0) / (x1 - x0)) * (y1 - y0); break; }
    }
  }
  return { level, score: Math.max(0, Math.min(1, score)) };
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10));

export function classify(inputs: Record<string, number>, thresholds: Thresholds, at: string): Signal[] {
  return SIGNAL_NAMES.map((name) => {
    const spec = thresholds.signals[name]!;
    const evidence: Record<string, number> = {};
    let best: { metric: string; level: number; score: number } | undefined;
    for (const [metric, rule] of Object.entries(spec.metrics)) {
      const value = inputs[metric];
      if (value === undefined || !Number.isFinite(value)) continue;
      evidence[metric] = value;
      const r = rate(value, rule);
      if (!best || r.level > best.level || (r.level === best.level && r.score > best.score)) best = { metric, ...r };
    }
    if (name === 'runaway_process' && inputs.top_task_pid !== undefined) evidence.top_task_pid = inputs.top_task_pid;
    const severity = SEVERITIES[best?.level ?? 0]!;
    let summary: string;
    if (!best) summary = `${name}: no data on this host (${Object.keys(spec.metrics).join(', ')} unavailable)`;
    else {
      const rule = spec.metrics[best.metric]!;
      const value = evidence[best.metric]!;
      const cmp = rule.direction === 'above' ? '≥' : '≤';
      const lowAt = rule.levels.find((l) => l !== null);
      const others = Object.entries(evidence).filter(([k]) => k !== best!.metric && k in spec.metrics)
        .map(([k, v]) => `${k} ${fmt(v)} ${spec.metrics[k]!.unit}`).join(', ');
      summary = best.level > 0
        ? `${name} ${severity}: ${best.metric} ${fmt(value)} ${rule.unit} (${cmp} ${rule.levels[best.level - 1]} for ${severity})${others ? `; ${others}` : ''}${name === 'runaway_process' && evidence.top_task_pid !== undefined ? `; pid ${evidence.top_task_pid}` : ''}`
        : `${name} none: ${best.metric} ${fmt(value)} ${rule.unit} (low starts at ${cmp} ${lowAt})${others ? `; ${others}` : ''}`;
    }
    return { name, severity, score: Math.round((best?.score ?? 0) * 1000) / 1000, summary, evidence, at };
  });
}
