// Pure, deterministic rule-based recommender: signals from the analysis component + the KB +
// current values → proposed changes, each with the rule that fired, rationale, expected effect
// and confidence. Every proposal is run through the same guardrails as an agent's plan, so this
// is a safe baseline an agent can try to beat.
import { checkPlan, stepWindow, type ProposedChange } from './guardrails.js';
import type { Signal } from '../analysis/signals/classify.js';
import type { Tunable } from './kb.js';

export type { Signal };

export interface Recommendation {
  rule: string;
  key: string;
  from: string;
  to: string;
  signals: string[];
  rationale: string;
  expectedEffect: string;
  confidence: number;
}

export interface RecommendInput {
  signals: readonly Signal[];
  kb: ReadonlyMap<string, Tunable>;
  current: ReadonlyMap<string, string | undefined>;
  allow: readonly string[];
  /** Host facts some rules need. */
  host?: { numaNodes?: number };
}

export interface RecommendResult {
  recommendations: Recommendation[];
  /** Signals seen with no tunable answer, and proposals dropped by the guardrails, in words. */
  notes: string[];
}

const RANK = { none: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;

type Draft = Omit<Recommendation, 'from' | 'to'> & { target: (from: number, t: Tunable) => number };

export function recommend(input: RecommendInput): RecommendResult {
  const at = (name: Signal['name'], min: Signal['severity']) => input.signals.find((s) => s.name === name && RANK[s.severity] >= RANK[min]);
  const drafts: Draft[] = [];
  const notes: string[] = [];
  const swap = at('swap_thrashing', 'low');
  const memory = at('memory_pressure', 'medium');
  const latency = at('runqueue_latency_high', 'medium');
  const saturation = at('cpu_saturation', 'high');
  const io = at('io_congestion', 'medium');
  const net = at('network_degradation', 'medium');
  const oom = at('oom_risk', 'medium');
  const runaway = at('runaway_process', 'low');

  if (swap || (memory && (memory.evidence.swap_pages_per_s ?? 0) > 0)) {
    drafts.push({
      rule: 'swap-activity-lowers-swappiness', key: 'vm.swappiness', signals: [swap ? 'swap_thrashing' : 'memory_pressure'],
      rationale: 'Anonymous memory is being swapped while under pressure; a lower swappiness makes reclaim prefer page cache over swapping application memory.',
      expectedEffect: 'Fewer major faults and swap-ins for the working set; page cache shrinks instead.',
      confidence: swap && RANK[swap.severity] >= RANK.high ? 0.7 : 0.5,
      target: (from) => Math.max(10, from - 40),
    });
    if (swap && RANK[swap.severity] >= RANK.medium) {
      drafts.push({
        rule: 'swap-thrashing-shrinks-readahead', key: 'vm.page-cluster', signals: ['swap_thrashing'],
        rationale: 'Under thrashing, swap readahead reads pages that will not be used; smaller clusters suit SSD or zram swap.',
        expectedEffect: 'Less swap I/O per fault; slightly more faults for sequential access.',
        confidence: 0.3, target: (from) => Math.max(0, Math.min(from, 1)),
      });
    }
  }
  if (memory) {
    drafts.push({
      rule: 'memory-pressure-wakes-kswapd-earlier', key: 'vm.watermark_scale_factor', signals: ['memory_pressure'],
      rationale: 'Allocation stalls under memory pressure come from direct reclaim; a wider watermark gap lets kswapd reclaim in the background before allocators stall.',
      expectedEffect: 'Fewer direct-reclaim stalls (lower allocation latency) at the cost of slightly less page cache.',
      confidence: 0.5, target: (from) => Math.max(from, 100),
    });
  }
  if (oom && input.current.get('vm.overcommit_memory') === '1') {
    drafts.push({
      rule: 'oom-risk-restores-heuristic-overcommit', key: 'vm.overcommit_memory', signals: ['oom_risk'],
      rationale: 'Always-overcommit (1) lets obviously excessive allocations succeed and be paid for later by the OOM killer; heuristic mode (0) refuses them up front.',
      expectedEffect: 'Excessive allocations fail with ENOMEM instead of ending in OOM kills.',
      confidence: 0.4, target: () => 0,
    });
  } else if (oom) {
    notes.push('oom_risk: no kernel tunable adds memory; reduce the working set or add memory/swap (schedcp does not lower OOM risk by hiding it).');
  }
  if (io) {
    drafts.push({
      rule: 'io-congestion-starts-writeback-earlier', key: 'vm.dirty_background_ratio', signals: ['io_congestion'],
      rationale: 'Large dirty thresholds let writeback build up into bursts that congest the device; starting background writeback earlier spreads it out.',
      expectedEffect: 'Smoother write bandwidth and fewer multi-second writer stalls; slightly lower peak buffered-write throughput.',
      confidence: 0.5, target: (from) => Math.max(2, Math.floor(from / 2)),
    });
    drafts.push({
      rule: 'io-congestion-caps-dirty-memory', key: 'vm.dirty_ratio', signals: ['io_congestion'],
      rationale: 'A lower hard dirty limit bounds how much data a sync or fsync has to flush at once.',
      expectedEffect: 'Shorter fsync/sync latency spikes; heavy writers are throttled earlier.',
      confidence: 0.45, target: (from) => Math.max(5, Math.floor(from / 2)),
    });
  }
  if (net) {
    drafts.push({
      rule: 'network-degradation-deepens-accept-queue', key: 'net.core.somaxconn', signals: ['network_degradation'],
      rationale: 'Connection drops under bursts often come from a full accept queue; a deeper queue absorbs bursts (applications must also ask for it in listen()).',
      expectedEffect: 'Fewer listen-queue overflows and SYN drops during bursts.',
      confidence: 0.4, target: (from) => Math.max(from, 8192),
    });
    drafts.push({
      rule: 'network-degradation-deepens-syn-queue', key: 'net.ipv4.tcp_max_syn_backlog', signals: ['network_degradation'],
      rationale: 'A short SYN queue drops or cookies half-open connections during bursts.',
      expectedEffect: 'Fewer SYN drops during connection bursts.',
      confidence: 0.35, target: (from) => Math.max(from, 8192),
    });
    if ((net.evidence.net_drops_per_s ?? 0) > 0) {
      drafts.push({
        rule: 'receive-drops-deepen-backlog', key: 'net.core.netdev_max_backlog', signals: ['network_degradation'],
        rationale: 'Packets are being dropped on receive; when the drops are per-CPU backlog overflows (softnet), a deeper backlog absorbs receive bursts.',
        expectedEffect: 'Fewer dropped packets on receive bursts; slightly more queueing delay.',
        confidence: 0.45, target: (from) => Math.max(from, from * 4),
      });
    }
  }
  if (latency) {
    const slice = input.current.get('kernel.sched_base_slice_ns') !== undefined ? 'kernel.sched_base_slice_ns' : 'kernel.sched_min_granularity_ns';
    drafts.push({
      rule: 'runqueue-latency-shortens-slice', key: slice, signals: ['runqueue_latency_high'],
      rationale: 'Tasks wait long in the run queue; shorter slices let waking tasks run sooner (EEVDF deadlines come earlier).',
      expectedEffect: 'Lower wakeup-to-run latency for interactive tasks; more context switches and lower batch throughput.',
      confidence: 0.4, target: (from, t) => Math.max(t.min!, Math.floor(from / 2)),
    });
    if (slice === 'kernel.sched_min_granularity_ns' && input.current.get('kernel.sched_wakeup_granularity_ns') !== undefined) {
      drafts.push({
        rule: 'runqueue-latency-eases-wakeup-preemption', key: 'kernel.sched_wakeup_granularity_ns', signals: ['runqueue_latency_high'],
        rationale: 'A smaller wakeup granularity lets woken tasks preempt the running task sooner (CFS).',
        expectedEffect: 'Lower wakeup latency; more preemptions.', confidence: 0.35,
        target: (from) => Math.floor(from / 2),
      });
    }
  }
  if (saturation && !latency) {
    drafts.push({
      rule: 'cpu-saturation-keeps-tasks-cache-hot', key: 'kernel.sched_migration_cost_ns', signals: ['cpu_saturation'],
      rationale: 'With every CPU busy, migrations mostly move cache-hot tasks; a higher migration cost keeps them in place.',
      expectedEffect: 'Better cache locality and throughput; slower rebalancing when load shifts.',
      confidence: 0.3, target: (from) => Math.max(from * 2, 500000),
    });
  }
  if ((saturation || latency) && input.host?.numaNodes === 1 && input.current.get('kernel.numa_balancing') === '1') {
    drafts.push({
      rule: 'single-node-disables-numa-balancing', key: 'kernel.numa_balancing', signals: [saturation ? 'cpu_saturation' : 'runqueue_latency_high'],
      rationale: 'This machine has one NUMA node, so NUMA balancing only adds hinting page faults.',
      expectedEffect: 'Fewer NUMA hinting faults and less scanning overhead; no locality loss on one node.',
      confidence: 0.6, target: () => 0,
    });
  }
  if (runaway) notes.push('runaway_process: a single process is consuming the machine; tuning kernel knobs would hide it. recommend_actions proposes nice or a cpu.max cap on the top task (adjust_process, with a TTL).');

  // Materialize, clamp to the step window, and keep only what the guardrails accept as a whole.
  const proposals: Recommendation[] = [];
  for (const d of drafts) {
    const t = input.kb.get(d.key);
    const raw = input.current.get(d.key);
    if (!t || raw === undefined || !/^-?\d+$/.test(raw)) continue;
    if (input.allow.length > 0 && !input.allow.includes(d.key)) { notes.push(`${d.rule}: ${d.key} is not in config.tuning.allow; skipped.`); continue; }
    const from = Number(raw);
    let to = Math.round(d.target(from, t));
    if (t.min !== undefined && t.max !== undefined) to = Math.min(t.max, Math.max(t.min, to));
    const window = stepWindow(t, from);
    if (window) to = Math.min(window[1], Math.max(window[0], to));
    if (to === from) continue;
    const { target: _target, ...rest } = d;
    proposals.push({ ...rest, from: raw, to: String(to) });
  }
  const changes: ProposedChange[] = proposals.map((p) => ({ key: p.key, value: p.to }));
  const check = checkPlan({ kb: input.kb, allow: input.allow, target: 'host', current: input.current, changes });
  const denied = new Map(check.denials.map((d) => [d.key, d.message]));
  for (const [key, message] of denied) notes.push(`dropped ${key}: ${message}`);
  const recommendations = proposals.filter((p) => !denied.has(p.key))
    .sort((a, b) => b.confidence - a.confidence || a.key.localeCompare(b.key));
  return { recommendations, notes };
}

/** What the remediation component observed on the host for the process-action rules. */
export interface ProcessObservations {
  topCpu?: { pid: number; comm: string; startTime: number; nice: number; cpuPct: number } | undefined;
  topWriter?: { pid: number; comm: string; startTime: number; writeBytesPerS: number } | undefined;
  growingCgroup?: { path: string; usageBytes: number; growthBytesPerS: number } | undefined;
}

export interface ProcessActionProposal {
  rule: string;
  signals: string[];
  /** The remediation tool and the exact arguments to pass (mode advise first, then live). */
  tool: 'adjust_process' | 'adjust_cgroup';
  arguments: Record<string, unknown>;
  rationale: string;
  expectedEffect: string;
  confidence: number;
}

/** Deterministic rules from signals to process and cgroup actions; the caller runs each through the remediation guardrails. */
export function recommendProcessActions(signals: readonly Signal[], observed: ProcessObservations, limits: { minCpuPercent: number; maxNiceStep: number }): { proposals: ProcessActionProposal[]; notes: string[] } {
  const at = (name: Signal['name'], min: Signal['severity']) => signals.find((s) => s.name === name && RANK[s.severity] >= RANK[min]);
  const proposals: ProcessActionProposal[] = [];
  const notes: string[] = [];
  const runaway = at('runaway_process', 'low');
  const io = at('io_congestion', 'medium');
  const memory = at('memory_pressure', 'medium');
  if (runaway && observed.topCpu) {
    const t = observed.topCpu;
    const target = { pid: t.pid, expectStartTime: t.startTime };
    if (t.nice < 19) {
      proposals.push({
        rule: 'runaway-process-lowers-its-priority', signals: ['runaway_process'], tool: 'adjust_process',
        arguments: { ...target, action: { kind: 'nice', value: Math.min(19, t.nice + Math.min(5, limits.maxNiceStep)) }, verify: { seconds: 5, signal: 'runaway_process' } },
        rationale: `${t.comm} (pid ${t.pid}) uses ${t.cpuPct.toFixed(0)}% of a CPU; a higher nice gives every other task a larger share whenever they compete, without limiting it on an idle machine.`,
        expectedEffect: 'Other tasks wait less in the run queue under contention; the runaway keeps idle CPU time.', confidence: 0.6,
      });
    }
    proposals.push({
      rule: 'runaway-process-gets-a-cpu-cap', signals: ['runaway_process'], tool: 'adjust_process',
      arguments: { ...target, action: { kind: 'limit', knob: 'cpu.max', value: Math.max(limits.minCpuPercent, Math.round(t.cpuPct / 2)) }, verify: { seconds: 5, signal: 'runaway_process' } },
      rationale: `A hard cap (cpu.max, or cpu.cfs_quota_us on cgroup v1) in a schedcp cgroup halves what ${t.comm} can take even when CPUs are idle; stronger than nice and reverted with the TTL.`,
      expectedEffect: `${t.comm} is held near half its current CPU use; it runs slower.`, confidence: 0.45,
    });
  } else if (runaway) notes.push('runaway_process: no top task with measurable CPU use was found in the observation window.');
  if (io && observed.topWriter) {
    const w = observed.topWriter;
    proposals.push({
      rule: 'io-congestion-deprioritizes-top-writer', signals: ['io_congestion'], tool: 'adjust_process',
      arguments: { pid: w.pid, expectStartTime: w.startTime, action: { kind: 'ioprio', class: 'best-effort', level: 7 }, verify: { seconds: 5, signal: 'io_congestion' } },
      rationale: `${w.comm} (pid ${w.pid}) writes ${(w.writeBytesPerS / 1048576).toFixed(1)} MiB/s; the lowest best-effort I/O priority lets other processes' requests go first (honoured by the BFQ and CFQ-like schedulers; none/mq-deadline ignore it).`,
      expectedEffect: 'Lower I/O latency for other processes on a scheduler that honours priorities; no effect with the none scheduler.', confidence: 0.4,
    });
  } else if (io) notes.push('io_congestion: no process wrote measurably in the observation window.');
  if (memory && observed.growingCgroup) {
    const g = observed.growingCgroup;
    proposals.push({
      rule: 'memory-pressure-softly-limits-growing-cgroup', signals: ['memory_pressure'], tool: 'adjust_cgroup',
      arguments: { path: g.path, knob: 'memory.high', value: Math.round(g.usageBytes * 0.9), verify: { seconds: 5, signal: 'memory_pressure' } },
      rationale: `${g.path} grows by ${(g.growthBytesPerS / 1048576).toFixed(1)} MiB/s at ${(g.usageBytes / 1048576).toFixed(0)} MiB; memory.high (memory.soft_limit_in_bytes on v1) makes it reclaim its own pages first instead of pushing everyone into reclaim. Never memory.max: that would OOM-kill.`,
      expectedEffect: 'The growing cgroup is throttled and reclaimed; other workloads see less reclaim stall.', confidence: 0.4,
    });
  } else if (memory) notes.push('memory_pressure: no cgroup grew in the observation window.');
  return { proposals, notes };
}
