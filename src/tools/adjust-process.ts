import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { remediationOf } from '../remediation/index.js';
import { actionResultSchema, knobField, limitValueField, modeField, summarizeAction, ttlField, verifyField } from '../remediation/tool-schemas.js';

export const adjustProcessTool = defineTool({
  name: 'adjust_process',
  title: 'Lower a process\'s CPU or I/O priority, or limit it in its own cgroup (guarded, with TTL)',
  description: 'nice (0..19, at most +10 per action) or I/O priority (best-effort or idle, never realtime) on every thread of a process, or a cpu/memory/io limit in a schedcp cgroup; reverted after its TTL, at shutdown or next start. mode advise (default) checks every guardrail and writes nothing; live needs config tuning.liveApply and root. Use it on a runaway task from recommend_actions. Risk: slows the target. Next: list_adjustments. Errors: invalid_argument (refused, rule named), precondition_failed, permission_denied, unsupported, subprocess_failed, dynamic_check_failed.',
  scope: 'tune',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: z.object({
    pid: z.number().int().min(1).max(4_194_304),
    expectStartTime: z.number().int().min(0).optional().describe('Start time (clock ticks since boot) the agent saw; a different one means the pid was reused and the action is refused.'),
    action: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('nice'), value: z.number().int().min(-20).max(39).describe('Target nice of every thread (allowed 0..19, at most config.remediation.maxNiceStep from the current).') }).strict(),
      z.object({ kind: z.literal('ioprio'), class: z.enum(['best-effort', 'idle', 'realtime']), level: z.number().int().min(-1).max(8).optional().describe('best-effort level 0 (highest) .. 7 (lowest)') }).strict(),
      z.object({ kind: z.literal('limit'), knob: knobField, value: limitValueField }).strict(),
    ]),
    ttlSeconds: ttlField,
    mode: modeField,
    verify: verifyField,
  }).strict(),
  output: actionResultSchema,
  async run(args, { app, caller, signal }) {
    return remediationOf(app).adjustProcess({ pid: args.pid, expectStartTime: args.expectStartTime, action: args.action, ttlSeconds: args.ttlSeconds, mode: args.mode, verify: args.verify, caller: caller.id, signal });
  },
  summarize: summarizeAction,
});
