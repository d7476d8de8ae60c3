import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { remediationOf } from '../remediation/index.js';
import { actionResultSchema, knobField, limitValueField, modeField, summarizeAction, ttlField, verifyField } from '../remediation/tool-schemas.js';

export const adjustProcessTool = defineTool({
  name: 'adjust_process',
  title: 'Lower a process\'s CPU or I/O priority, or limit it in its own cgroup (guarded, with TTL)',
  description: 'Sets nice (0..19, at most +10 per action) or I/O priority (best-effort 0-7 or idle; never realtime) on every thread of a process, or moves it into a schedcp-created cgroup with cpu.max / cpu.weight / memory.high / memory.max / io.weight (cgroup v1 or v2, detected per controller) and moves it back on revert. Refuses pid 1, kernel threads, schedcp and its parents, other users\' processes (unless configured) and reused pids (pass expectStartTime, field 22 of /proc/<pid>/stat), each with the rule name. Every action is reverted after its TTL, at server shutdown, or at the next start after a crash; values someone else changes afterwards are yielded to them. Optional verification compares the target\'s use, the motivating signal and a protected workload before and after.',
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
