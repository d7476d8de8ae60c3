import { z } from 'zod';
import { straceProfile } from '../analysis/index.js';
import { STRACE_EXTRA_FLAGS } from '../analysis/sandbox/strace.js';
import { defineTool } from '../server/tool.js';

export const straceProfileTool = defineTool({
  name: 'strace_profile',
  title: 'Trace syscalls with strace (sandboxed)',
  description: `strace -c summaries or parsed traces of a pid or a registered workload, in bubblewrap with a --seccomp-bpf filter, timeout and output caps; extra flags: ${STRACE_EXTRA_FLAGS.join(' ')}. Use it when a process's syscalls (I/O, futex, sleeps) may explain its latency. Risk: ptrace slows the target's traced syscalls a lot while attached; keep durations short. Cost: duration seconds, ~1–3k tokens (trace mode up to max_lines). Errors: invalid_argument (flags, filters), not_found (pid, workload), permission_denied (PID 1, schedcp or its client), limit_exceeded, unsupported, subprocess_failed.`,
  // ptrace stops the target at each traced syscall: it perturbs the workload, so it needs the verify scope.
  scope: 'verify',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: z.object({
    mode: z.enum(['summary', 'trace']).default('summary'),
    pid: z.number().int().positive().optional(),
    workload: z.string().max(64).optional().describe('Run this registered workload (default parameters) under strace instead of attaching.'),
    duration_s: z.number().positive().max(120).default(3),
    syscalls: z.array(z.string().max(32)).max(32).optional().describe('Syscall names or classes (%file, %process, %network, %signal, %ipc, %desc, %memory, %creds, %clock).'),
    extra_flags: z.array(z.string().max(8)).max(6).optional(),
    max_lines: z.number().int().min(1).max(5000).default(200),
    allow_pid1: z.boolean().default(false),
    raw: z.boolean().default(false),
  }).strict(),
  output: z.object({ mode: z.string(), durationS: z.number() }).catchall(z.unknown()),
  async run(args, { app, signal }) {
    return straceProfile(app, {
      mode: args.mode, durationS: args.duration_s, maxLines: args.max_lines,
      ...(args.pid !== undefined && { pid: args.pid }), ...(args.workload !== undefined && { workload: args.workload }),
      ...(args.syscalls && { syscalls: args.syscalls }), ...(args.extra_flags && { extraFlags: args.extra_flags }),
    }, { signal, raw: args.raw, allowPid1: args.allow_pid1 }) as Promise<{ mode: string; durationS: number }>;
  },
});
