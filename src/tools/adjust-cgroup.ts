import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { remediationOf } from '../remediation/index.js';
import { actionResultSchema, knobField, limitValueField, modeField, summarizeAction, ttlField, verifyField } from '../remediation/tool-schemas.js';

export const adjustCgroupTool = defineTool({
  name: 'adjust_cgroup',
  title: 'Set a CPU, memory or I/O limit on an existing cgroup (guarded, with TTL)',
  description: 'Writes cpu.weight, cpu.max (percent of one CPU), memory.high, memory.max or io.weight on a cgroup under config remediation.allowedCgroupRoots (v2 file or its v1 equivalent); reverted after its TTL, at shutdown or next start; yields to an admin who changes it. mode advise (default) writes nothing; live needs config tuning.liveApply and root. Use it for a cgroup recommend_actions names. Risk: throttles or reclaims every task in it. Next: list_adjustments. Errors: invalid_argument (refused, rule named), precondition_failed, permission_denied, unsupported, subprocess_failed, dynamic_check_failed.',
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
