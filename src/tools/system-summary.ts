import { z } from 'zod';
import { systemSummary } from '../analysis/index.js';
import { defineTool } from '../server/tool.js';

const signal = z.object({ name: z.string(), severity: z.string(), score: z.number(), summary: z.string(), evidence: z.record(z.string(), z.number()), at: z.string() });

const systemSummaryOutput = z.object({
  level: z.number(), at: z.string(), window: z.object({ ms: z.number(), source: z.string(), ageMs: z.number() }), digest: z.array(z.string()),
  signals: z.array(signal),
  metrics: z.record(z.string(), z.unknown()).optional(),
  tasks: z.array(z.record(z.string(), z.unknown())).optional(),
  cgroups: z.array(z.record(z.string(), z.unknown())).optional(),
});

export const systemSummaryTool = defineTool({
  name: 'system_summary',
  title: 'Summarize what the machine is doing',
  description: 'Layered view of the running system (rates over a window, units in field names). level 0: a few-line digest with top tasks and active signals; 1: + metrics (CPU per core/state, load, run queue, memory + PSI, I/O, network, switches, cgroups); 2: + per-task/per-cgroup rows with filters. Start with level 0 and go deeper only when needed. Cost: levels 0/1 answer at once from the background sampler (~800 / ~2k tokens); level 2 or fresh/window_ms sample anew (≥1 s, ~2.5k tokens). No risk. Next: system_signals. Errors: invalid_argument.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    level: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0).describe('0 digest, 1 metrics, 2 per-task/per-cgroup detail.'),
    window_ms: z.number().int().min(0).max(60_000).optional().describe('Sample a new window of this many ms (0: the latest background window). Default: 0 for levels 0 and 1, 1000 for level 2.'),
    fresh: z.boolean().default(false).describe('Sample a new window now (window_ms, or 200 ms at level 0 and 1 s at level 1) instead of the latest background one.'),
    top_n: z.number().int().min(1).max(200).default(10).describe('How many processes/cgroups to list.'),
    sort: z.enum(['cpu', 'rss', 'runqueue_wait', 'faults']).default('cpu'),
    pids: z.array(z.number().int().positive()).max(64).optional().describe('Only these processes (level 1/2 task rows).'),
    comm: z.string().max(15).optional().describe('Only processes with this exact command name.'),
    cgroup_prefix: z.string().max(512).optional().describe('Only processes whose cgroup path starts with this (e.g. /system.slice).'),
    min_cpu_pct: z.number().min(0).max(10_000).optional().describe('Only processes using at least this much CPU (100 = one core).'),
  }).strict(),
  output: systemSummaryOutput,
  async run(args, { app, signal: abort }) {
    const filter = {
      ...(args.pids && { pids: args.pids }), ...(args.comm !== undefined && { comm: args.comm }),
      ...(args.cgroup_prefix !== undefined && { cgroupPrefix: args.cgroup_prefix }), ...(args.min_cpu_pct !== undefined && { minCpuPct: args.min_cpu_pct }),
    };
    const result = await systemSummary(app, {
      level: args.level, windowMs: args.window_ms ?? (args.level === 2 ? 1000 : 0), fresh: args.fresh, topN: args.top_n, sort: args.sort, signal: abort,
      ...(Object.keys(filter).length && { filter }),
    });
    return result as unknown as z.input<typeof systemSummaryOutput>;
  },
  summarize: (r) => r.digest.join('\n'),
});
