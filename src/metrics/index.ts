// Prometheus metrics for the HTTP front door. One registry per process (not prom-client's global
// default, so embedding schedcp cannot collide with a host's own metrics). Counters are fed by the
// shared tool path and the HTTP gate; state gauges (verifications, deployments, policies) are read
// from the database at scrape time, so they are exact after a restart.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { App } from '../app.js';

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

/** Gauges that read component tables at scrape time; a component whose table is not there yet reports nothing. */
export function registerStateGauges(app: App): void {
  const rows = (sql: string): Array<Record<string, string | number | null>> => {
    try { return app.db.prepare(sql).all() as Array<Record<string, string | number | null>>; } catch { return []; }
  };
  const gauge = (name: string, help: string, labelNames: string[], sql: string) => {
    registry.removeSingleMetric(name);
    new Gauge({
      name, help, labelNames, registers: [registry],
      collect() {
        this.reset();
        for (const r of rows(sql)) this.set(Object.fromEntries(labelNames.map((l) => [l, String(r[l] ?? 'none')])), Number(r.n));
      },
    });
  };
  gauge('schedcp_verifications', 'Stored verifications by verdict and failed stage.', ['verdict', 'failed_stage'],
    'SELECT verdict, failed_stage, COUNT(*) AS n FROM verifications GROUP BY verdict, failed_stage');
  gauge('schedcp_deployments', 'Deployments by stage and breaker state.', ['stage', 'breaker'],
    'SELECT stage, breaker, COUNT(*) AS n FROM deployments GROUP BY stage, breaker');
  gauge('schedcp_deployment_trips', 'Deployments whose breaker tripped, by trip kind.', ['kind'],
    "SELECT json_extract(trip_json, '$.kind') AS kind, COUNT(*) AS n FROM deployments WHERE trip_json IS NOT NULL GROUP BY kind");
  gauge('schedcp_policies', 'Repository policies by status.', ['status'],
    'SELECT status, COUNT(*) AS n FROM policies GROUP BY status');
}

export function recordToolCall(tool: string, transport: string, outcome: string, seconds: number): void {
  toolCalls.inc({ tool, transport, outcome });
  toolDuration.observe({ tool }, seconds);
}
