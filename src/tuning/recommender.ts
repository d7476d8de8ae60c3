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
  if (runaway) notes.push('runaway_process: a single process is consuming the machine; tuning kernel knobs would hide it. Inspect or limit the process (cgroup cpu.max / memory.max).');

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
