import { z } from 'zod';
import { compareToBaseline, listBaselines } from '../analysis/index.js';
import { defineTool } from '../server/tool.js';

const comparison = z.object({
  baselineMedian: z.number(), candidateMedian: z.number(), changePct: z.number(), ciLowPct: z.number(), ciHighPct: z.number(),
  confidence: z.number(), verdict: z.enum(['better', 'worse', 'within_noise']), ratio: z.number(),
});

export const compareToBaselineTool = defineTool({
  name: 'compare_to_baseline',
  title: 'Compare a workload run with a baseline',
  description: '% change of a run\'s primary metric (median) against a saved baseline of the same workload and parameters, with a seeded bootstrap confidence interval and a verdict: better, worse or within_noise. Without baseline/run_id it lists the baselines. Use it after run_workload to judge a change. Cost: milliseconds, a few hundred tokens, no risk. Next: record_outcome (for a policy) or rollback_tunings. Errors: not_found (baseline, run), precondition_failed (not comparable).',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    baseline: z.string().max(64).optional(),
    run_id: z.number().int().positive().optional(),
    min_effect_pct: z.number().min(0).max(100).default(5),
    confidence: z.number().min(0.5).max(0.999).default(0.95),
  }).strict(),
  output: z.object({
    baselines: z.array(z.object({ name: z.string(), runId: z.number(), workload: z.string(), createdAt: z.string() })).optional(),
    result: z.object({
      baseline: z.string(), baselineRunId: z.number(), runId: z.number(), workload: z.string(), metric: z.string(), direction: z.string(),
      comparison, otherMetrics: z.record(z.string(), comparison), summary: z.string(),
    }).optional(),
  }),
  async run(args, { app }) {
    if (args.baseline === undefined || args.run_id === undefined) return { baselines: listBaselines(app) };
    return { result: compareToBaseline(app, { baseline: args.baseline, runId: args.run_id, minEffectPct: args.min_effect_pct, confidence: args.confidence }) };
  },
  summarize: (r) => r.result?.summary ?? `baselines: ${r.baselines?.map((b) => `${b.name} (run ${b.runId}, ${b.workload})`).join(', ') || 'none'}`,
});
