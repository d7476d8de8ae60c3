import { z } from 'zod';
import { listProbes } from '../analysis/index.js';
import { defineTool } from '../server/tool.js';

export const listProbesTool = defineTool({
  name: 'list_probes',
  title: 'List the eBPF probes',
  description: 'The eBPF probes run_probe can attach: what each measures, its kernel events (tp_btf, tracepoint fallback), which filters apply, whether it streams or samples. Use it to pick a probe before run_probe; host_capabilities says which attach types work here. Cost: milliseconds, ~650 tokens, no risk. Next: run_probe. Errors: none of its own.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({}).strict(),
  output: z.object({
    maxProbeSeconds: z.number(),
    probes: z.array(z.object({ name: z.string(), title: z.string(), description: z.string(), attaches: z.array(z.string()), taskFilters: z.boolean(), streamsEvents: z.boolean(), sampling: z.boolean() })),
  }),
  async run(_args, { app }) {
    return { maxProbeSeconds: app.config.analysis.maxProbeSeconds, probes: [...listProbes()] };
  },
  summarize: (r) => r.probes.map((p) => `${p.name}: ${p.title}`).join('\n'),
});
