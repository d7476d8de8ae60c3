// Prometheus metrics for the HTTP front door. Counters and histograms are fed by events
// (registry.ts: the shared tool path, the HTTP gate, the deployer, the probe runner); state gauges
// read component tables at scrape time, so they are exact after a restart, and the active signals
// come from the analysis sampler's latest window (a scrape never samples).
import { Gauge } from 'prom-client';
import { analysisOf, type Severity } from '../analysis/index.js';
import type { App } from '../app.js';
import { registry } from './registry.js';

export { registry, toolCalls, toolDuration, httpDenials, breakerTrips, rollbackLatency, probeOverhead, recordToolCall, recordRollback, recordProbeOverhead } from './registry.js';

const ACTIVE_SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** Gauges that read component state at scrape time; a component whose table is not there yet reports nothing. */
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
  registerSignalGauges(app);
}

/** The background sampler's latest window, read without waking it (a paused sampler keeps its last window). */
function latestWindow(app: App) {
  return analysisOf(app).summaries.sampler.windows().at(-1);
}

function registerSignalGauges(app: App): void {
  for (const name of ['schedcp_signals_active', 'schedcp_signals_window_age_seconds']) registry.removeSingleMetric(name);
  new Gauge({
    name: 'schedcp_signals_active', help: 'Signals above severity none in the analysis sampler\'s latest window, by severity (absent before the first window).',
    labelNames: ['severity'], registers: [registry],
    collect() {
      this.reset();
      const w = latestWindow(app);
      if (!w) return;
      for (const severity of ACTIVE_SEVERITIES) this.set({ severity }, w.signals.filter((s) => s.severity === severity).length);
    },
  });
  new Gauge({
    name: 'schedcp_signals_window_age_seconds', help: 'Age of the window schedcp_signals_active was judged over (grows while the sampler is paused).',
    registers: [registry],
    collect() {
      this.reset();
      const w = latestWindow(app);
      if (w) this.set((performance.now() - w.endMs) / 1000);
    },
  });
}

/** Open MCP sessions of 2025-era HTTP clients, read from the session table at scrape time. */
export function registerSessionGauge(open: () => number): void {
  registry.removeSingleMetric('schedcp_mcp_sessions_open');
  new Gauge({
    name: 'schedcp_mcp_sessions_open', help: 'MCP sessions open on the HTTP transport (2025-era clients that sent initialize).',
    registers: [registry],
    collect() { this.set(open()); },
  });
}
