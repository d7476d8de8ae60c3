// The eBPF probe library as agents see it: name, what it measures, which events it attaches to,
// which filters apply, and where its loader lives (bpf/build/<name>, built by `make -C bpf`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ProbeInfo {
  name: string;
  title: string;
  description: string;
  /** Kernel events, in attach-preference order. */
  attaches: string[];
  taskFilters: boolean;
  streamsEvents: boolean;
  /** Records 1 in N events above an event-rate threshold (result.sampling says so; estimates scaled). */
  sampling: boolean;
}

export const PROBES: readonly ProbeInfo[] = [
  {
    name: 'runqlat', title: 'Run-queue latency',
    description: 'Time from wakeup (or preemption) until a task runs: log2 histogram in µs plus the top tasks by total wait (count, total, max). With CONFIG_SCHED_INFO it reads the kernel\'s own enqueue timestamp at sched_switch (one hook, no clock read). Without a comm or cgroup filter (kernel 6.15+) the per-task rows are the kernel\'s sched_info counters (pcount, run_delay, max_run_delay) read by a task iterator at attach and at the end: exact and never sampled; their total includes time queued before a migration, and max_wait_ns is null (with max_wait_at_most_ns) when the task\'s lifetime max predates the window (data.rows_source "sched_info_counters"; else "events", counted per event; exact_task_max=true asks for "events" rows, exact max for every task, ~40 ns/event more). Samples 1 in N waits above the rate threshold.',
    attaches: ['tp_btf/sched_switch (sched_info; + iter/task for kernel-counter rows; else also sched_wakeup, sched_wakeup_new)', 'tracepoint/sched/* (fallback; cgroup filter needs tp_btf)'],
    taskFilters: true, streamsEvents: false, sampling: true,
  },
  {
    name: 'cswitch', title: 'Context switches and migrations',
    description: 'Per task: voluntary switches (blocked), involuntary switches (preempted while runnable) and CPU migrations; exact totals and the busiest tasks. With tp_btf the rows are the kernel\'s own per-task counters (nvcsw, nivcsw, se.nr_migrations, as in /proc/PID/status) read by a task iterator at attach and at the end, sched_switch catching only final switch-outs: exact, nothing sampled (data.rows_source "kernel_counters"). The classic fallback counts events (rows sampled 1 in N above the rate threshold).',
    attaches: ['tp_btf/sched_switch (final switch-outs) + iter/task', 'tracepoint/sched/sched_switch, sched_migrate_task (fallback)'],
    taskFilters: true, streamsEvents: false, sampling: true,
  },
  {
    name: 'syscalls', title: 'Syscall counts and latency',
    description: 'Counting mode (default): exact count per syscall, sys_enter only; with no pid/comm/cgroup filter the program reads nothing of the current task, so the loader\'s own few syscalls (~2/s) are counted too (data.loader_excluded false). latency=true adds sys_exit: errors, total and max latency per syscall and per (process, syscall), highest total time first, sampled 1 in N above the rate threshold (counts stay exact).',
    attaches: ['tp_btf/sys_enter (+ sys_exit with latency)', 'tracepoint/raw_syscalls/* (fallback)'],
    taskFilters: true, streamsEvents: false, sampling: true,
  },
  {
    name: 'pagefaults', title: 'Page faults by task',
    description: 'Minor and major page faults per task. Uses the software perf events page-faults-min/-maj (no tracepoint distinguishes the two).',
    attaches: ['perf_event software page-faults-min/page-faults-maj, every CPU'],
    taskFilters: true, streamsEvents: false, sampling: false,
  },
  {
    name: 'biolat', title: 'Block I/O latency',
    description: 'Issue-to-completion latency of block requests: log2 histogram in µs and per-direction (read/write/other) count, bytes, total and max. Completions run in interrupt context, so no task filters.',
    attaches: ['tp_btf/block_rq_issue, block_rq_complete', 'tracepoint/block/* (fallback)'],
    taskFilters: false, streamsEvents: false, sampling: false,
  },
  {
    name: 'proclife', title: 'Process lifecycle',
    description: 'fork, exec and exit events with pid, parent, comm, exec filename and exit code, streamed (up to max_events) plus exact totals.',
    attaches: ['tp_btf/sched_process_fork, sched_process_exec, sched_process_exit', 'tracepoint/sched/* (fallback)'],
    taskFilters: true, streamsEvents: true, sampling: false,
  },
];

export function findProbe(name: string): ProbeInfo | undefined {
  return PROBES.find((p) => p.name === name);
}

/** bpf/build of this checkout (works from src/ under vitest and from dist/src/), or SCHEDCP_BPF_DIR. */
export function probeBuildDir(): string {
  if (process.env.SCHEDCP_BPF_DIR) return process.env.SCHEDCP_BPF_DIR;
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'bpf', 'Makefile'))) return join(dir, 'bpf', 'build');
  }
  return join(process.cwd(), 'bpf', 'build');
}

export function loaderPath(name: string): string {
  return join(probeBuildDir(), name);
}
