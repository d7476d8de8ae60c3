import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { remediationOf } from '../remediation/index.js';
import { actionResultSchema, knobField, limitValueField, modeField, summarizeAction, ttlField, verifyField } from '../remediation/tool-schemas.js';

export const adjustCgroupTool = defineTool({
  name: 'adjust_cgroup',
  title: 'Set a CPU, memory or I/O limit on an existing cgroup (guarded, with TTL)',
  description: 'Writes cpu.weight, cpu.max (percent of one CPU), memory.high, memory.max or io.weight on a cgroup inside config.remediation.allowedCgroupRoots (or schedcp\'s own root), in the v2 file or its v1 equivalent (cpu.shares, cpu.cfs_quota_us/cfs_period_us, memory.soft_limit_in_bytes, memory.limit_in_bytes, blkio.weight) depending on which version serves the controller here. Refuses paths with "..", controllers that are not enabled, memory.max below current usage, CPU below the minimum share, and too many actions per cgroup, each with the rule name; nothing is changed then. Reverted after the TTL, at shutdown, or at the next start after a crash; yields to an administrator who changes the value afterwards.',
  scope: 'tune',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: z.object({
    path: z.string().min(1).max(512).describe('Cgroup path inside the controller\'s hierarchy, e.g. "/batch.slice/job-7" (not a filesystem path).'),
    knob: knobField,
    value: limitValueField,
    ttlSeconds: ttlField,
    mode: modeField,
    verify: verifyField,
  }).strict(),
  output: actionResultSchema,
  async run(args, { app, caller, signal }) {
    return remediationOf(app).adjustCgroup({ path: args.path, knob: args.knob, value: args.value, ttlSeconds: args.ttlSeconds, mode: args.mode, verify: args.verify, caller: caller.id, signal });
  },
  summarize: summarizeAction,
});
