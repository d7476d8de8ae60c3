// The JSON-lines protocol of the probe loaders (bpf/loader_common.c), parsed into typed results.
// Pure: fed one line at a time.

export interface ProbeOverhead {
  /** Total ns the probe's BPF programs ran (kernel bpf stats, enabled only while the probe runs). */
  runTimeNs: number;
  runCount: number;
  nsPerEvent: number;
  eventsPerS: number;
}

/** Whether and how the probe sampled (sampling-capable probes only). */
export interface ProbeSampling {
  mode: 'auto' | 'off' | 'fixed';
  sampled: boolean;
  /** 1 in this many eligible events recorded (1 when not sampled); estimates in data are scaled. */
  sampleEvery: number;
  /** Since attach; events before were all recorded. */
  fromMs: number;
  /** 'auto': eligible events/s above which sampling started (0 otherwise). */
  thresholdEventsPerS: number;
}

export interface ProbeResult {
  probe: string;
  attach: 'tp_btf' | 'tracepoint' | 'perf_event';
  fallbackReason?: string;
  attachMs: number;
  durationMs: number;
  interrupted: boolean;
  data: Record<string, unknown>;
  events: Array<Record<string, unknown>>;
  eventsDropped: number;
  overhead: ProbeOverhead;
  loaderMaxRssKb: number;
  /** Kernel ids of the probe's programs while it ran (all gone once the loader exits). */
  progIds: number[];
  sampling?: ProbeSampling;
}

export class ProbeStream {
  attached: { attach: ProbeResult['attach']; attachMs: number; fallbackReason?: string; progIds: number[] } | undefined;
  error: string | undefined;
  result: Omit<ProbeResult, 'events'> | undefined;
  readonly events: Array<Record<string, unknown>> = [];
  lastTick: { elapsedMs: number; durationMs: number } | undefined;

  /** Returns the line's type for progress reporting; unparseable lines are ignored (returns undefined). */
  push(line: string): string | undefined {
    let msg: Record<string, unknown>;
    try { msg = JSON.parse(line) as Record<string, unknown>; } catch { return undefined; }
    switch (msg.type) {
      case 'attached':
        this.attached = {
          attach: msg.attach as ProbeResult['attach'], attachMs: Number(msg.attach_ms), progIds: Array.isArray(msg.prog_ids) ? msg.prog_ids.map(Number) : [],
          ...(typeof msg.fallback_reason === 'string' && { fallbackReason: msg.fallback_reason }),
        };
        break;
      case 'tick': this.lastTick = { elapsedMs: Number(msg.elapsed_ms), durationMs: Number(msg.duration_ms) }; break;
      case 'event': { const { type: _t, ...rest } = msg; this.events.push(rest); break; }
      case 'error': this.error = String(msg.message); break;
      case 'result': {
        const o = (msg.overhead ?? {}) as Record<string, number>;
        const smp = msg.sampling as Record<string, unknown> | undefined;
        this.result = {
          probe: String(msg.probe), attach: msg.attach as ProbeResult['attach'], attachMs: this.attached?.attachMs ?? 0,
          durationMs: Number(msg.duration_ms), interrupted: Boolean(msg.interrupted), data: (msg.data ?? {}) as Record<string, unknown>,
          eventsDropped: Number(msg.events_dropped ?? 0), loaderMaxRssKb: Number(msg.max_rss_kb ?? 0), progIds: this.attached?.progIds ?? [],
          overhead: { runTimeNs: o.run_time_ns ?? 0, runCount: o.run_cnt ?? 0, nsPerEvent: o.ns_per_event ?? 0, eventsPerS: o.events_per_s ?? 0 },
          ...(this.attached?.fallbackReason && { fallbackReason: this.attached.fallbackReason }),
          ...(smp && {
            sampling: {
              mode: smp.mode as ProbeSampling['mode'], sampled: Boolean(smp.sampled), sampleEvery: Number(smp.sample_every ?? 1),
              fromMs: Number(smp.from_ms ?? 0), thresholdEventsPerS: Number(smp.threshold_events_per_s ?? 0),
            },
          }),
        };
        break;
      }
      default: return undefined;
    }
    return String(msg.type);
  }
}
