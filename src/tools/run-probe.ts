import { z } from 'zod';
import { listProbes, runProbe } from '../analysis/index.js';
import { defineTool } from '../server/tool.js';

export const runProbeTool = defineTool({
  name: 'run_probe',
  title: 'Run an eBPF probe',
  description: `Attaches one CO-RE probe (${listProbes().map((p) => p.name).join(', ')}) for duration_s (cap: config analysis.maxProbeSeconds), then detaches and returns the aggregate plus its own overhead (ns/event, events/s). Filters: pid, comm, cgroup; hot probes sample 1 in N (result.sampling). Use it to measure what a signal suggests (runqlat for runqueue_latency_high). Cost: duration_s of wall time, CPU per event, ~1k tokens; progress each second, cancellable. Next: search_policies or perf_profile. Errors: not_found, invalid_argument, limit_exceeded, precondition_failed, subprocess_failed, timeout, cancelled.`,
  // Observation, hence scope read; but it loads programs into the kernel and costs CPU per event, so it is not read-only.
  scope: 'read',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: z.object({
    name: z.string().max(32).describe('Probe name (list_probes).'),
    duration_s: z.number().positive().max(3600).default(5).describe('How long to observe, seconds.'),
    pid: z.number().int().positive().optional().describe('Only this process (tgid).'),
    comm: z.string().max(15).optional().describe('Only tasks with this command name.'),
    cgroup: z.string().max(512).optional().describe('Only tasks in this cgroup v2 directory (absolute path under /sys/fs/cgroup).'),
    top_n: z.number().int().min(1).max(500).default(20),
    max_events: z.number().int().min(0).max(10_000).default(500).describe('Streamed events kept (proclife).'),
    attach: z.enum(['auto', 'tp_btf', 'tracepoint']).default('auto').describe('Force an attach type (auto: tp_btf, then classic tracepoints).'),
    sampling: z.enum(['auto', 'off']).optional().describe('auto (default): sample 1 in N above sample_above_per_s; off: record every event.'),
    sample_every: z.number().int().min(2).max(1024).optional().describe('Record 1 in this many events from the start (a power of two); overrides sampling.'),
    sample_above_per_s: z.number().int().min(1000).max(1e9).optional().describe('Eligible events/s above which auto sampling starts (default 250000).'),
    latency: z.boolean().optional().describe('syscalls only: measure latency and errors per syscall and per process (adds sys_exit).'),
    exact_task_max: z.boolean().optional().describe('runqlat only: count per-task rows per event so every row has its exact max_wait_ns (~40 ns/event more) instead of the kernel\'s sched_info counters, whose lifetime max can leave it null.'),
  }).strict(),
  output: z.object({
    probe: z.string(), attach: z.string(), fallbackReason: z.string().optional(), attachMs: z.number(), startupMs: z.number(),
    durationMs: z.number(), interrupted: z.boolean(), data: z.record(z.string(), z.unknown()),
    events: z.array(z.record(z.string(), z.unknown())), eventsDropped: z.number(),
    overhead: z.object({ runTimeNs: z.number(), runCount: z.number(), nsPerEvent: z.number(), eventsPerS: z.number() }),
    loaderMaxRssKb: z.number(), progIds: z.array(z.number()),
    sampling: z.object({ mode: z.enum(['auto', 'off', 'fixed']), sampled: z.boolean(), sampleEvery: z.number(), fromMs: z.number(), thresholdEventsPerS: z.number() }).optional(),
  }),
  async run(args, { app, signal, progress }) {
    return runProbe(app, {
      name: args.name, durationS: args.duration_s, topN: args.top_n, maxEvents: args.max_events, attach: args.attach,
      ...(args.sample_every !== undefined ? { sampling: args.sample_every } : args.sampling !== undefined && { sampling: args.sampling }),
      ...(args.sample_above_per_s !== undefined && { sampleAbovePerS: args.sample_above_per_s }), ...(args.latency !== undefined && { latency: args.latency }),
      ...(args.exact_task_max !== undefined && { exactTaskMax: args.exact_task_max }),
      ...(args.pid !== undefined && { pid: args.pid }), ...(args.comm !== undefined && { comm: args.comm }), ...(args.cgroup !== undefined && { cgroup: args.cgroup }),
    }, { signal, onProgress: (done, total, message) => { void progress(done, total, message); } });
  },
  summarize: (r) => `${r.probe} via ${r.attach}, ${Math.round(r.durationMs)} ms: ${r.overhead.runCount} events at ${r.overhead.nsPerEvent} ns/event${r.sampling?.sampled ? `, sampled 1 in ${r.sampling.sampleEvery} from ${r.sampling.fromMs} ms (estimates scaled)` : ''}; ${JSON.stringify(r.data).slice(0, 600)}`,
});
