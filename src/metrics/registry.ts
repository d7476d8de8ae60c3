// The process's metrics registry and the metrics fed by events (tool calls, HTTP denials, breaker
// trips, rollbacks, probe runs). A leaf module (prom-client only): the deployer and the probe
// runner call in here without importing the state gauges, which read components at scrape time.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// One registry per process (not prom-client's global default, so embedding schedcp cannot collide with a host's own metrics).
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'schedcp_process_' });

export const toolCalls = new Counter({
  name: 'schedcp_tool_calls_total', help: 'Tool calls by tool, transport (mcp http/stdio, rest) and outcome.',
  labelNames: ['tool', 'transport', 'outcome'] as const, registers: [registry],
});
export const toolDuration = new Histogram({
  name: 'schedcp_tool_call_duration_seconds', help: 'Wall time of a tool call, by tool.',
  labelNames: ['tool'] as const, buckets: [0.005, 0.025, 0.1, 0.5, 2, 10, 60, 300, 1800], registers: [registry],
});
export const httpDenials = new Counter({
  name: 'schedcp_http_denials_total', help: 'Requests refused at the HTTP gate, by reason (unauthenticated, insufficient_scope, rate_limit_<class>, host, origin, body_too_large).',
  labelNames: ['reason', 'front'] as const, registers: [registry],
});
export const breakerTrips = new Counter({
  name: 'schedcp_breaker_trips_total', help: 'Deployments a node agent rolled back on its own since this server started, by trip kind (operator rollbacks are not trips).',
  labelNames: ['kind'] as const, registers: [registry],
});
export const rollbackLatency = new Histogram({
  name: 'schedcp_rollback_latency_seconds', help: 'Node rollbacks from detection to the restored scheduler (the agent\'s own timestamps), by trip kind (manual: an operator rollback) and what was restored.',
  labelNames: ['kind', 'restored'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
});
export const probeOverhead = new Histogram({
  name: 'schedcp_probe_overhead_per_event_seconds', help: 'Self-overhead of each completed run_probe: BPF program run time per event (kernel BPF stats; 1e-7 = 100 ns/event), by probe.',
  labelNames: ['probe'] as const, buckets: [25e-9, 50e-9, 100e-9, 150e-9, 250e-9, 500e-9, 1e-6, 2.5e-6, 10e-6], registers: [registry],
});

export function recordToolCall(tool: string, transport: string, outcome: string, seconds: number): void {
  toolCalls.inc({ tool, transport, outcome });
  toolDuration.observe({ tool }, seconds);
}

/** A node rollback as the deployer recorded it; `detectionToRestoredMs` from the agent's clock (absent: not observed). */
export function recordRollback(kind: string, restored: string, detectionToRestoredMs: unknown): void {
  if (kind !== 'manual') breakerTrips.inc({ kind });
  if (typeof detectionToRestoredMs === 'number' && Number.isFinite(detectionToRestoredMs) && detectionToRestoredMs >= 0) {
    rollbackLatency.observe({ kind, restored }, detectionToRestoredMs / 1000);
  }
}

/** A finished probe run's own cost; runs whose programs never ran (no events) have no per-event cost. */
export function recordProbeOverhead(probe: string, overhead: { nsPerEvent: number; runCount: number }): void {
  if (overhead.runCount > 0 && Number.isFinite(overhead.nsPerEvent)) probeOverhead.observe({ probe }, overhead.nsPerEvent / 1e9);
}
