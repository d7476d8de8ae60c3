import { z } from 'zod';
import { hostCapabilities } from '../host/index.js';
import { defineTool } from '../server/tool.js';

export const hostCapabilitiesTool = defineTool({
  name: 'host_capabilities',
  title: 'What this host supports',
  description: 'Which observation and control features work on this host and why not where they do not: BPF, BTF, tp_btf, tracefs, kprobes, fentry, sched_ext, perf events, hardware PMU, PSI, cgroup layout, qemu/KVM and the micro-VM kit, bubblewrap, perf, strace. Call this first; other tools fail with the same reasons.',
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
