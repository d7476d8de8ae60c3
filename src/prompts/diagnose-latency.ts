// diagnose_latency: signals → run-queue probe → perf sched → what to conclude.
import { probeNames } from '../resources/completion-sources.js';
import { definePrompt, quoted } from './prompt.js';

export const diagnoseLatencyPrompt = definePrompt({
  name: 'diagnose_latency',
  title: 'Diagnose scheduling latency of a process, command or cgroup',
  description: 'A guided plan to find out whether a task waits for CPU, and why: signals, the run-queue latency probe, perf sched, and how to read them. Names each tool with its cost and when to stop. Read-only throughout.',
  arguments: {
    pid: { description: 'The process (tgid) to look at.', required: false, maxLength: 10 },
    comm: { description: 'Or: its command name (at most 15 characters, as in /proc/<pid>/comm).', required: false, maxLength: 15 },
    cgroup: { description: 'Or: its cgroup v2 directory (absolute path under /sys/fs/cgroup).', required: false, maxLength: 512 },
    probe: { description: 'Optional: a probe to run besides runqlat (e.g. cswitch).', required: false, maxLength: 32, complete: probeNames },
  },
  render(_app, a) {
    const target = a.pid ? `pid ${quoted(a.pid)}` : a.comm ? `comm ${quoted(a.comm)}` : a.cgroup ? `cgroup ${quoted(a.cgroup)}` : 'the whole system';
    const filter = a.pid ? `pid ${a.pid}` : a.comm ? `comm ${quoted(a.comm)}` : a.cgroup ? `cgroup ${quoted(a.cgroup)}` : 'no filter';
    return [
      `Diagnose scheduling latency for ${target}.`,
      '',
      '1. system_summary level 2 sort "runqueue_wait" (top_n 10) — 1 s window, ~1.5k tokens, read-only. Per-task run-queue wait from schedstat: is the target among the waiters, and who holds the CPUs?',
      '2. system_signals — 1 s, ~300 tokens. runqueue_latency / cpu_saturation / migration_storm above "low" say the machine as a whole is short of CPU; none says look at the task itself (I/O, locks, page faults).',
      `3. run_probe name "runqlat" (${filter}), duration_s 5 — 5 s, ~400 tokens, low risk (BPF, overhead reported in the result). The histogram and p99 are the wait from wakeup to running. ${a.probe && a.probe !== 'runqlat' ? `Then run_probe name ${quoted(a.probe)} with the same filter.` : 'Add run_probe "cswitch" to see who preempts it.'}`,
      `4. If the wait is long: perf_profile subcommand "sched_latency"${a.pid ? ` pid ${a.pid}` : ' system_wide true'}, duration_s 5 — ~5 s plus parsing, ~1k tokens, runs perf in a sandbox. Max delay per task, and which tasks delay it.`,
      '',
      'Conclude: a p99 wait under ~1 ms with low signals is not a scheduling problem (stop, say so). Long waits with cpu_saturation: too much work for the CPUs (tune_scheduler for placement, or fewer threads). Long waits without saturation: placement or wakeup policy — migrations, a task pinned to a busy CPU, or a nice/cgroup weight: check with tune_scheduler or tune_sysctls (sched_* tunables). Quote the numbers you saw.',
    ].join('\n');
  },
});
