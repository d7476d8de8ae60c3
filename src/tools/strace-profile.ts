import { z } from 'zod';
import { straceProfile } from '../analysis/index.js';
import { STRACE_EXTRA_FLAGS } from '../analysis/sandbox/strace.js';
import { defineTool } from '../server/tool.js';

export const straceProfileTool = defineTool({
  name: 'strace_profile',
  title: 'Trace syscalls with strace (sandboxed)',
  description: `Attaches strace to a pid (must exist, not schedcp or its client, not PID 1 unless allow_pid1) or runs a registered workload (default parameters) under strace, with a narrow --seccomp-bpf filter made of syscalls (required in trace mode), inside bubblewrap with only CAP_SYS_PTRACE, a timeout, prlimit and output caps. mode summary → per-syscall calls, errors, time (strace -c); mode trace → parsed calls with results and durations (first max_lines) plus counts per syscall. Allowed extra flags: ${STRACE_EXTRA_FLAGS.join(' ')}. ptrace slows the target's syscalls a lot while attached: keep durations short.`,
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
