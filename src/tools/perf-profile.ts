import { z } from 'zod';
import { perfProfile } from '../analysis/index.js';
import { PERF_SUBCOMMANDS } from '../analysis/sandbox/perf.js';
import { defineTool } from '../server/tool.js';

export const perfProfileTool = defineTool({
  name: 'perf_profile',
  title: 'Profile with perf (sandboxed)',
  description: 'Runs an allow-listed perf subcommand in bubblewrap with a timeout and caps and returns parsed results: stat (counters), sched_latency (per-task scheduling delay), sched_timehist (per-task runtime), record (hottest symbols). Target: a pid or system_wide. Use it to explain latency or CPU use after system_signals/run_probe. Cost: duration seconds, recording perturbs the target slightly, ~1–3k tokens (raw=true adds up to 64 KiB). Errors: invalid_argument, not_found (pid), permission_denied (PID 1, schedcp), limit_exceeded, unsupported (no PMU), subprocess_failed.',
  scope: 'read',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: z.object({
    subcommand: z.enum(PERF_SUBCOMMANDS),
    pid: z.number().int().positive().optional(),
    system_wide: z.boolean().default(false),
    duration_s: z.number().positive().max(120).default(5),
    events: z.array(z.string().max(40)).max(12).optional().describe('stat/record events (software events unless the host has a PMU).'),
    frequency_hz: z.number().int().min(1).max(999).optional().describe('record sampling frequency (default 99).'),
    call_graph: z.enum(['fp', 'dwarf', 'none']).default('fp'),
    extra_flags: z.array(z.string().max(40)).max(8).optional().describe('Allow-listed extra flags for the subcommand.'),
    max_data_mib: z.number().int().min(1).max(256).default(64),
    top_n: z.number().int().min(1).max(200).default(20),
    allow_pid1: z.boolean().default(false),
    raw: z.boolean().default(false),
  }).strict(),
  output: z.object({ subcommand: z.string(), durationS: z.number() }).catchall(z.unknown()),
  async run(args, { app, signal }) {
    return perfProfile(app, {
      subcommand: args.subcommand, durationS: args.duration_s, systemWide: args.system_wide, callGraph: args.call_graph,
      maxDataMiB: args.max_data_mib, topN: args.top_n,
      ...(args.pid !== undefined && { pid: args.pid }), ...(args.events && { events: args.events }),
      ...(args.frequency_hz !== undefined && { frequencyHz: args.frequency_hz }), ...(args.extra_flags && { extraFlags: args.extra_flags }),
    }, { signal, raw: args.raw, allowPid1: args.allow_pid1 }) as Promise<{ subcommand: string; durationS: number }>;
  },
});
