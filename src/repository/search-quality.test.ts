// Search quality over the built-in library with the default offline model (USE-lite): a fixed set of
// natural-language queries, each with the policies an engineer would expect in the top 3.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryOf, searchPolicies } from './index.js';
import { makeTestApp, type TestApp } from './test-app.js';

export const QUALITY_QUERIES: Array<{ query: string; expect: string[] }> = [
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

/** Top-3 hit rate, top-1 rate, and the top-1 rate of the embedding alone (no keywords). */
async function hitRate(t: TestApp): Promise<{ rate: number; top1: number; vectorTop1: number; misses: string[] }> {
  const misses: string[] = [];
  let top1 = 0;
  let vectorTop1 = 0;
  const index = await repositoryOf(t.app).ready();
  for (const q of QUALITY_QUERIES) {
    const names = (await searchPolicies(t.app, { query: q.query, limit: 3 })).hits.map((h) => h.name);
    if (!names.some((n) => q.expect.includes(n))) misses.push(`${q.query} → ${names.join(', ')}`);
    if (q.expect.includes(names[0]!)) top1++;
    const [qv] = await index.embedder.embed([q.query]);
    if (q.expect.includes(index.nearest(qv!, 1)[0]!.key)) vectorTop1++;
  }
  const n = QUALITY_QUERIES.length;
  return { rate: (n - misses.length) / n, top1: top1 / n, vectorTop1: vectorTop1 / n, misses };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

describe('search quality with the hashing fallback (keywords only, documented as low quality)', () => {
  it('still finds most policies by shared words, and says which provider answered', async () => {
    const t = makeTestApp({ repository: { embedding: 'hashing' } });
    try {
      const { rate, top1, vectorTop1, misses } = await hitRate(t);
      console.log(`search quality (hashing, ${QUALITY_QUERIES.length} queries): top-3 ${pct(rate)}, top-1 ${pct(top1)}, embedding-only top-1 ${pct(vectorTop1)}${misses.length ? `; misses: ${misses.join(' | ')}` : ''}`);
      expect(rate).toBeGreaterThanOrEqual(0.6);
      expect((await searchPolicies(t.app, { query: 'fifo', limit: 1 })).embedding.provider).toBe('hashing');
    } finally { await t.close(); }
  });
});

describe('search quality over the built-in library (use-lite embeddings)', () => {
  let t: TestApp;
  beforeAll(() => { t = makeTestApp(); });
  afterAll(async () => { await t.close(); });

  it('finds an expected policy in the top 3 for at least 90% of the queries, and the headline queries always', async () => {
    const { rate, top1, vectorTop1, misses } = await hitRate(t);
    console.log(`search quality (use-lite, ${QUALITY_QUERIES.length} queries): top-3 ${pct(rate)}, top-1 ${pct(top1)}, embedding-only top-1 ${pct(vectorTop1)}${misses.length ? `; misses: ${misses.join(' | ')}` : ''}`);
    expect(rate).toBeGreaterThanOrEqual(0.9);
    expect(top1).toBeGreaterThanOrEqual(0.85);
    const throughput = await searchPolicies(t.app, { query: 'parallel compilation throughput', limit: 3 });
    expect(throughput.hits.map((h) => h.name).some((n) => ['percpu_steal', 'sjf_batch', 'global_fifo'].includes(n))).toBe(true);
    const latency = await searchPolicies(t.app, { query: 'low tail latency for interactive web requests', limit: 3 });
    expect(latency.hits[0]!.name).toBe('interactive_boost');
    expect(latency.embedding.provider).toBe('use-lite');
  });
});
