import { z } from 'zod';
import { runWorkload, saveBaseline, workloadCatalog } from '../analysis/index.js';
import { defineTool } from '../server/tool.js';

const summary = z.object({ n: z.number(), min: z.number(), p50: z.number(), p95: z.number(), max: z.number(), mean: z.number(), stddev: z.number(), spread: z.number() });

export const runWorkloadTool = defineTool({
  name: 'run_workload',
  title: 'Run a benchmark workload (feedback channel)',
  description: 'The feedback channel: runs a named workload N trials (hackbench, stress_switch, stress_mix, compile, wakeup_latency, configured commands) and returns per-trial metrics with p50/p95/spread; save_as_baseline names the run for compare_to_baseline. list=true returns the catalog with parameter bounds. Use it before and after a change. Cost: trials × workload time (seconds to minutes), loads every CPU meanwhile; progress, cancellable; ~1k tokens. Next: compare_to_baseline. Errors: not_found (workload), invalid_argument (params, trials, name), already_exists (baseline), subprocess_failed, cancelled.',
  // It spends real CPU for seconds to minutes and competes with the host's work: not read-only, gated like verification.
  scope: 'verify',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: z.object({
    workload: z.string().max(64).optional().describe('Workload name (list=true shows them).'),
    trials: z.number().int().min(1).max(50).default(5),
    params: z.record(z.string().max(32), z.union([z.number(), z.string().max(32)])).optional().describe('Workload parameters (integers within the documented bounds).'),
    save_as_baseline: z.string().max(64).optional().describe('Save this run as the named baseline.'),
    replace_baseline: z.boolean().default(false).describe('Allow save_as_baseline to replace an existing baseline.'),
    list: z.boolean().default(false).describe('Only list the available workloads.'),
  }).strict(),
  output: z.object({
    catalog: z.array(z.record(z.string(), z.unknown())).optional(),
    run: z.object({
      id: z.number(), workload: z.string(), params: z.record(z.string(), z.number()), startedAt: z.string(), finishedAt: z.string(), kernel: z.string(),
      trials: z.array(z.object({ durationMs: z.number(), metrics: z.record(z.string(), z.number()) })),
      summary: z.record(z.string(), summary), primaryMetric: z.string(), direction: z.string(),
    }).optional(),
    baseline: z.object({ name: z.string(), runId: z.number(), workload: z.string() }).optional(),
  }),
  async run(args, { app, signal, progress }) {
    if (args.list || args.workload === undefined) return { catalog: workloadCatalog(app) as unknown as Record<string, unknown>[] };
    const run = await runWorkload(app, {
      workload: args.workload, trials: args.trials, signal, ...(args.params && { params: args.params }),
      onProgress: (done, total, message) => { void progress(done, total, message); },
    });
    const baseline = args.save_as_baseline ? saveBaseline(app, args.save_as_baseline, run.id, { replace: args.replace_baseline }) : undefined;
    return { run, ...(baseline && { baseline }) };
  },
  summarize: (r) => (r.run
    ? `run ${r.run.id} ${r.run.workload}: ${r.run.primaryMetric} p50 ${r.run.summary[r.run.primaryMetric]?.p50.toFixed(2)} (spread ${((r.run.summary[r.run.primaryMetric]?.spread ?? 0) * 100).toFixed(1)}%) over ${r.run.trials.length} trials${r.baseline ? `; saved as baseline ${r.baseline.name}` : ''}`
    : `${r.catalog?.length ?? 0} workloads`),
});
