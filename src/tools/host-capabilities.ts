import { z } from 'zod';
import { hostCapabilities } from '../host/index.js';
import { defineTool } from '../server/tool.js';

export const hostCapabilitiesTool = defineTool({
  name: 'host_capabilities',
  title: 'What this host supports',
  description: 'What works on this host and why not: BPF, BTF, tp_btf, tracefs, kprobes, fentry (attach-tested), sched_ext, perf events, PMU, PSI, cgroups, qemu/KVM and the VM kit, bubblewrap, perf, strace. Call it first in a session: other tools fail for the reasons it gives. Cost: ~0.5 s, ~700 tokens, no risk (reads /proc, /sys, PATH; loads and unloads tiny test programs). Next: system_summary. Errors: none of its own.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    only_missing: z.boolean().default(false).describe('Return only features that are unavailable.'),
  }).strict(),
  output: z.object({
    kernelRelease: z.string(),
    capabilities: z.array(z.object({ name: z.string(), available: z.boolean(), detail: z.string(), evidence: z.string() })),
  }),
  async run(args, { app }) {
    const result = await hostCapabilities({ cacheDir: app.config.cacheDir });
    return { ...result, capabilities: args.only_missing ? result.capabilities.filter((c) => !c.available) : result.capabilities };
  },
});
