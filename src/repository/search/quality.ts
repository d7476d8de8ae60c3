// The search-quality query set and its metrics (top-1, top-3, MRR), shared by the quality test and
// the benchmark. Each query names the policies an engineer would accept as the right answer.

export interface QualityQuery { query: string; expect: readonly string[] }

/** Written from the policy metadata's own vocabulary (the first set). */
export const DESCRIPTIVE_QUERIES: readonly QualityQuery[] = [
  { query: 'parallel compilation throughput', expect: ['percpu_steal', 'sjf_batch', 'global_fifo'] },
  { query: 'low tail latency for interactive web requests', expect: ['interactive_boost'] },
  { query: 'desktop stays responsive while a kernel build runs', expect: ['interactive_boost'] },
  { query: 'fair CPU sharing that honours nice values', expect: ['weighted_vtime'] },
  { query: 'enforce cpu.weight between containers', expect: ['cgroup_weight'] },
  { query: 'kubernetes pods noisy neighbour isolation', expect: ['cgroup_weight'] },
  { query: 'keep threads on the same L3 cache', expect: ['llc_aware'] },
  { query: 'database working set fits in the last level cache', expect: ['llc_aware'] },
  { query: 'one core makes all scheduling decisions for the others', expect: ['central_dispatch'] },
  { query: 'housekeeping CPU and dedicated worker cores on a VM host', expect: ['central_dispatch'] },
  { query: 'run short jobs before long ones to cut mean completion time', expect: ['sjf_batch'] },
  { query: 'test suite with jobs of very different lengths', expect: ['sjf_batch'] },
  { query: 'simplest scheduler with minimal overhead as a baseline', expect: ['global_fifo'] },
  { query: 'first come first served queue', expect: ['global_fifo'] },
  { query: 'work stealing between per-CPU run queues', expect: ['percpu_steal'] },
  { query: 'scale a thread pool on a machine with many cores', expect: ['percpu_steal'] },
  { query: 'proportional share by task weight like CFS', expect: ['weighted_vtime'] },
  { query: 'audio and UI threads that sleep often need quick wakeups', expect: ['interactive_boost'] },
  { query: 'multi-tenant server fairness between services', expect: ['cgroup_weight', 'weighted_vtime'] },
  { query: 'reduce cache misses and migrations on an AMD EPYC with several CCX', expect: ['llc_aware'] },
  { query: 'batch job queue maximum jobs per minute', expect: ['sjf_batch', 'global_fifo', 'percpu_steal'] },
  { query: 'minimise makespan by starting the longest jobs first', expect: ['sjf_batch'] },
  // Paraphrases sharing few words with the metadata: these exercise the embedding side.
  { query: 'my game stutters while something compiles in the background', expect: ['interactive_boost'] },
  { query: 'snappy response for a chat server handling many small messages', expect: ['interactive_boost'] },
  { query: 'each docker tenant should get processor time according to its shares', expect: ['cgroup_weight'] },
  { query: 'spread make -j jobs evenly over all processors', expect: ['percpu_steal', 'sjf_batch', 'global_fifo'] },
  { query: 'avoid bouncing threads between sockets so caches stay hot', expect: ['llc_aware'] },
  { query: 'reserve processor zero for scheduling decisions', expect: ['central_dispatch'] },
];

/** In the words of a user's ticket or chat message, not the metadata's (held out from tuning the vocabulary). */
export const USER_PHRASED_QUERIES: readonly QualityQuery[] = [
  { query: 'parallel compilation throughput for a kernel build', expect: ['percpu_steal', 'sjf_batch'] },
  { query: 'make -j64 on a threadripper finishes later than it should', expect: ['percpu_steal', 'sjf_batch', 'global_fifo'] },
  { query: 'p99 spikes on our nginx boxes whenever the cron jobs kick in', expect: ['interactive_boost'] },
  { query: 'mouse cursor lags while ffmpeg is encoding', expect: ['interactive_boost'] },
  { query: 'CI pipeline: most tests take seconds, a few take minutes, finish the whole run sooner', expect: ['sjf_batch'] },
  { query: 'memcached on a dual-CCD Ryzen loses hit rate when its threads migrate', expect: ['llc_aware'] },
  { query: 'keep scheduling work off cores 1-15, they run pinned vCPUs', expect: ['central_dispatch'] },
  { query: 'a plain FIFO to measure scheduler overhead against', expect: ['global_fifo'] },
  { query: 'renice should actually matter on this shared build server', expect: ['weighted_vtime'] },
  { query: 'some cores sit idle while others have a backlog of runnable threads', expect: ['percpu_steal'] },
  { query: 'audio playback crackles with jitter when the machine is loaded', expect: ['interactive_boost'] },
  { query: 'systemd CPUWeight between two services is not respected', expect: ['cgroup_weight'] },
  { query: 'cargo build of a big workspace, maximise crates compiled per second', expect: ['percpu_steal', 'sjf_batch'] },
  { query: 'a batch tenant starves the latency-sensitive API pods on the same node', expect: ['cgroup_weight', 'interactive_boost'] },
];

export const QUALITY_QUERIES: readonly QualityQuery[] = [...DESCRIPTIVE_QUERIES, ...USER_PHRASED_QUERIES];

export interface QualityReport { queries: number; top1: number; top3: number; mrr: number; misses: string[] }

/** top-1 / top-3 hit rates and mean reciprocal rank (first acceptable hit within `depth`, else 0). */
export function qualityOf(results: ReadonlyArray<{ q: QualityQuery; ranked: readonly string[] }>, depth = 10): QualityReport {
  let top1 = 0, top3 = 0, rr = 0;
  const misses: string[] = [];
  for (const { q, ranked } of results) {
    const rank = ranked.slice(0, depth).findIndex((k) => q.expect.includes(k)) + 1;
    if (rank === 1) top1++;
    if (rank >= 1 && rank <= 3) top3++;
    else misses.push(`${q.query} → ${ranked.slice(0, 3).join(', ')}`);
    if (rank >= 1) rr += 1 / rank;
  }
  const n = Math.max(1, results.length);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return { queries: results.length, top1: r3(top1 / n), top3: r3(top3 / n), mrr: r3(rr / n), misses };
}

export type RankingMode = 'fused' | 'rrf' | 'vector' | 'text';
export const RANKING_MODES: readonly RankingMode[] = ['fused', 'rrf', 'vector', 'text'];

/** Quality of each ranking mode over a query set, given a search function that returns ranked keys. */
export async function qualityByMode(search: (query: string, mode: RankingMode) => Promise<string[]>, queries: readonly QualityQuery[] = QUALITY_QUERIES): Promise<Record<RankingMode, QualityReport>> {
  const out = {} as Record<RankingMode, QualityReport>;
  for (const mode of RANKING_MODES) {
    const results: Array<{ q: QualityQuery; ranked: string[] }> = [];
    for (const q of queries) results.push({ q, ranked: await search(q.query, mode) });
    out[mode] = qualityOf(results);
  }
  return out;
}
