// bench/report.ts is pure (JSON in, markdown out): the peer rows it derives from what
// bench/probes.bench.ts and bench/repository.bench.ts record side by side, and explicit `peers`.
// The fixtures have the shapes those benches write (arm(), spread(), levels[size].peers, quality).
import { describe, expect, it } from 'vitest';
import { DERIVED_PEERS, renderReport } from '../bench/report.js';

const meta = { date: '2026-12-03T06:00:00.000Z', loadavg: [1, 1, 1], cores: 2, accel: 'TCG', node: 'v20', kernel: '6.12' };
const arm = (extra: number, ns: number) => ({ medianMs: 100 + extra, extraMs: { median: extra, min: extra - 1, max: extra + 2 }, slowdownPct: extra, nsPerEvent: { median: ns, min: ns, max: ns + 5 }, eventsPerTrialMedian: 1000 });
const probes = {
  meta, trials: 5,
  workloads: {
    hackbench: { command: 'hackbench -p', baselineMs: { median: 100, min: 98, max: 104 }, probes: {
      runqlat: { baselineMs: { median: 100, min: 98, max: 104 }, ours: arm(4, 150), bpftrace: arm(12, 600), extraRatioOursToBpftrace: 0.33 },
      syscalls: { baselineMs: { median: 100, min: 98, max: 104 }, ours: arm(-0.5, 40), bpftrace: arm(3, 90) },
      cswitch: { baselineMs: { median: 100, min: 98, max: 104 }, ours: arm(2, 120), bpftrace: 'not installed' },
    } },
  },
  startupAndMemory: { runqlat: { ours: { startupMs: { median: 20, min: 18, max: 25 }, peakRssKb: 14_000, kernelMemlockKb: 900, resultBytes: 3000 }, bpftrace: { startupMs: { median: 900, min: 850, max: 990 }, peakRssKb: 120_000, kernelMemlockKb: 2000, outputBytes: 8000 } } },
  runqlatVsPerfSched: { hackbench: { baselineMs: { median: 100, min: 98, max: 104 }, runqlat: { extraMs: { median: 4, min: 3, max: 6 }, resultBytes: 3000 }, perfSched: { extraMs: { median: 30, min: 25, max: 40 }, dataBytes: { median: 9_000_000, min: 8e6, max: 1e7 } } } },
};
const repository = {
  meta,
  levels: { 10000: { searchExclEmbedMs: { p50: 4, p95: 7 }, topicRecallAt10: 1, peers: { exactFullScanMs: { p50: 12, p95: 19 }, exactFullScanTopicRecallAt10: 0.94, fts5OnlyMs: { p50: 1.2, p95: 4 }, fts5OnlyTopicRecallAt10: 1 } } },
  quality: { queries: 42, 'use-lite': { fused: { top1: 0.93, top3: 1, mrr: 0.96 }, text: { top1: 0.81, top3: 0.95, mrr: 0.88 }, vector: { top1: 0.69, top3: 0.88, mrr: 0.79 } } },
};

describe('benchmark report: peers', () => {
  it('derives bpftrace and perf sched rows from the probes section, skipping arms that were not measured', () => {
    const rows = DERIVED_PEERS.probes!(probes);
    expect(rows.map((r) => `${r.what} vs ${r.peer}`)).toEqual([
      'runqlat on hackbench: extra wall time vs bpftrace', 'runqlat on hackbench: BPF run time per event vs bpftrace',
      'syscalls on hackbench: extra wall time vs bpftrace', 'syscalls on hackbench: BPF run time per event vs bpftrace',
      'runqlat: start-up to attached vs bpftrace', 'runqlat: peak RSS vs bpftrace', 'runqlat: kernel memory (memlock) vs bpftrace',
      'run-queue latency on hackbench: extra wall time vs perf sched record + latency', 'run-queue latency on hackbench: data to get the report vs perf sched record + latency',
    ]);
  });

  it('renders ours vs peer with spreads and the ratio, blank where a median is within noise', () => {
    const md = renderReport({ meta, probes });
    expect(md).toContain('Against what a user would use instead (same run, same machine):');
    expect(md).toContain('| runqlat on hackbench: extra wall time (ms) | 4 (3–6) | bpftrace | 12 (11–14) | 3× |');
    expect(md).toContain('| runqlat: start-up to attached (ms) | 20 (18–25) | bpftrace | 900 (850–990) | 45× |');
    expect(md).toContain('| run-queue latency on hackbench: data to get the report (bytes) | 3000 | perf sched record + latency | 9000000 (8000000–10000000) | 3000× |');
    // ours at -0.5 ms extra: within noise, no ratio.
    expect(md).toContain('| syscalls on hackbench: extra wall time (ms) | -0.50 (-1.50–1.50) | bpftrace | 3 (2–5) |  |');
  });

  it('derives search peers (full scan, FTS5 alone; latency lower is better, quality higher) from the repository section', () => {
    const md = renderReport({ meta, repository });
    expect(md).toContain('| search latency, 10000 docs (ms) | 4, p95 7 | exact full scan of the same vectors | 12, p95 19 | 3× |');
    expect(md).toContain('| search latency, 10000 docs (ms) | 4, p95 7 | FTS5 alone | 1.20, p95 4 | 0.30× |');
    expect(md).toContain('| top-3 on the 42-query set, use-lite embeddings (fraction) | 1 | BM25 (FTS5) alone | 0.95 | 1.05× |');
    expect(md).toContain('| MRR on the 42-query set, use-lite embeddings (fraction) | 0.96 | BM25 (FTS5) alone | 0.88 | 1.09× |');
  });

  it('keeps a section\'s own peers and renders sections without any unchanged', () => {
    const md = renderReport({ meta, x: { meta, peers: [{ what: 'cold start', ours: 10, peer: 'tool y', theirs: 40, unit: 'ms' }], value: 3 }, y: { meta, value: 1 } });
    expect(md).toContain('| cold start (ms) | 10 | tool y | 40 | 4× |');
    expect(md.match(/Against what a user would use instead/g)).toHaveLength(1);
  });
});
