import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { remediationOf } from '../remediation/index.js';
import { signalSchema } from '../tuning/tool-schemas.js';

export const recommendActionsTool = defineTool({
  name: 'recommend_actions',
  title: 'Recommend process and cgroup actions from signals',
  description: 'Advise-only process actions from the current signals (or those passed) and a short look at the host: nice or cpu.max for a runaway task, idle I/O priority for the top writer under I/O congestion, memory.high for the fastest-growing cgroup under memory pressure; each with rationale, confidence and the exact adjust_process/adjust_cgroup arguments, already guardrail-checked (refusals in notes). Nothing is applied. Cost: ~1 s, ~500 tokens, no risk. Next: adjust_process or adjust_cgroup (advise, then live). Errors: invalid_argument.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
  input: z.object({
    signals: z.array(signalSchema).max(16).optional().describe('Signals to reason from; omitted: read them now from the analysis component.'),
    windowMs: z.number().int().min(200).max(30_000).default(1000).describe('Observation window for CPU, I/O and memory growth.'),
  }).strict(),
  output: z.object({
    proposals: z.array(z.object({ rule: z.string(), signals: z.array(z.string()), tool: z.enum(['adjust_process', 'adjust_cgroup']), arguments: z.record(z.string(), z.unknown()), rationale: z.string(), expectedEffect: z.string(), confidence: z.number() })),
    notes: z.array(z.string()),
    observed: z.object({
      topCpu: z.object({ pid: z.number(), comm: z.string(), startTime: z.number(), nice: z.number(), cpuPct: z.number() }).optional(),
      topWriter: z.object({ pid: z.number(), comm: z.string(), startTime: z.number(), writeBytesPerS: z.number() }).optional(),
      growingCgroup: z.object({ path: z.string(), usageBytes: z.number(), growthBytesPerS: z.number() }).optional(),
    }),
    signals: z.array(z.object({ name: z.string(), severity: z.string(), score: z.number(), summary: z.string() })),
  }),
  async run(args, { app, signal }) {
    return remediationOf(app).recommend({ signals: args.signals, windowMs: args.windowMs, signal });
  },
  summarize: (r) => [...r.proposals.map((p) => `${p.tool} ${JSON.stringify(p.arguments)} (rule ${p.rule}, confidence ${p.confidence}): ${p.rationale}`), ...r.notes.map((n) => `note: ${n}`)].join('\n') || 'No process actions: no signal calls for one.',
});
