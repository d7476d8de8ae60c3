import { z } from 'zod';
import { listProbes } from '../analysis/index.js';
import { defineTool } from '../server/tool.js';

export const listProbesTool = defineTool({
  name: 'list_probes',
  title: 'List the eBPF probes',
  description: 'The eBPF probe library run_probe can attach: name, what it measures, the kernel events it uses (tp_btf first, classic tracepoints as fallback), whether pid/comm/cgroup filters apply, whether it streams events and whether it can sample (1 in N above a rate threshold). host_capabilities says which attach types work on this host.',
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
