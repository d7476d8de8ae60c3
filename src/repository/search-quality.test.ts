// Search quality over the built-in library with the default offline model (USE-lite): a fixed set of
// queries (the metadata's vocabulary plus held-out queries in users' words), each with the policies
// an engineer would accept. Fails if the fused ranking's top-3 rate drops or it stops beating the
// plain fusion; the bench reports the same numbers per provider.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryOf, searchPolicies } from './index.js';
import { QUALITY_QUERIES, USER_PHRASED_QUERIES, qualityByMode, qualityOf, type QualityReport, type RankingMode } from './search/quality.js';
import { makeTestApp, type TestApp } from './test-app.js';

async function measure(t: TestApp, queries = QUALITY_QUERIES): Promise<Record<RankingMode, QualityReport>> {
  const index = await repositoryOf(t.app).ready();
  return qualityByMode(async (query, mode) => mode === 'fused'
    // The fused ranking through the repository's own path (status and target workloads from the store).
    ? (await searchPolicies(t.app, { query, limit: 10 })).hits.map((h) => h.name)
    : (await index.search(query, { limit: 10, mode })).hits.map((h) => h.key), queries);
}

const line = (name: string, r: Record<RankingMode, QualityReport>) => `search quality (${name}, ${r.fused.queries} queries): ${Object.entries(r).map(([m, q]) => `${m} top-1 ${q.top1} top-3 ${q.top3} MRR ${q.mrr}`).join(' | ')}${r.fused.misses.length ? `; fused misses: ${r.fused.misses.join(' | ')}` : ''}`;

describe('search quality with the hashing fallback (keywords only, documented as low quality)', () => {
  it('still finds most policies by shared words, and says which provider answered', async () => {
    const t = makeTestApp({ repository: { embedding: 'hashing' } });
    try {
      const r = await measure(t);
      console.log(line('hashing', r));
      expect(r.fused.top3).toBeGreaterThanOrEqual(0.8);
      expect((await searchPolicies(t.app, { query: 'fifo', limit: 1 })).embedding.provider).toBe('hashing');
    } finally { await t.close(); }
  });
});

describe('search quality over the built-in library (use-lite embeddings)', () => {
  let t: TestApp;
  beforeAll(() => { t = makeTestApp(); });
  afterAll(async () => { await t.close(); });

  it('puts an expected policy in the top 3 for ≥ 95% of all queries and beats plain fusion', async () => {
    const r = await measure(t);
    console.log(line('use-lite', r));
    expect(r.fused.top3).toBeGreaterThanOrEqual(0.95);
    expect(r.fused.top1).toBeGreaterThanOrEqual(0.85);
    expect(r.fused.mrr).toBeGreaterThanOrEqual(r.rrf.mrr);
    const held = qualityOf(await Promise.all(USER_PHRASED_QUERIES.map(async (q) => ({ q, ranked: (await searchPolicies(t.app, { query: q.query, limit: 10 })).hits.map((h) => h.name) }))));
    expect(held.top3).toBeGreaterThanOrEqual(0.9);
    const latency = await searchPolicies(t.app, { query: 'low tail latency for interactive web requests', limit: 3 });
    expect(latency.hits[0]!.name).toBe('interactive_boost');
    expect(latency.embedding.provider).toBe('use-lite');
  });

  it('ranks a throughput policy first for a kernel build, and says that the target workloads decided it', async () => {
    const r = await searchPolicies(t.app, { query: 'parallel compilation throughput for a kernel build', limit: 3 });
    expect(['percpu_steal', 'sjf_batch']).toContain(r.hits[0]!.name);
    expect(r.hits.map((h) => h.name).indexOf('interactive_boost')).not.toBe(0);
    expect(r.hits[0]!.reason).toMatch(/^decided by field evidence: keywords in target_workloads \[/);
    expect(r.hits[0]!.matchedFields).toContain('target_workloads');
    // Vocabulary: "stutter" finds the latency policy through its target workloads.
    const s = await searchPolicies(t.app, { query: 'stutter', limit: 1 });
    expect(s.hits[0]!.name).toBe('interactive_boost');
    expect(s.hits[0]!.reason).toMatch(/target_workloads \[(latency|interactive)/);
  });

  it('pushes a quarantined policy down with the reason, and prefers a verified one in a close call', async () => {
    const repo = repositoryOf(t.app);
    const q = 'low tail latency for interactive web requests';
    const p = repo.store.byName('interactive_boost')!;
    repo.store.setStatus(p.id, p.status, 'quarantined', 'test: quarantine for ranking', 'test');
    try {
      const hits = (await searchPolicies(t.app, { query: q, limit: 8 })).hits;
      const i = hits.findIndex((h) => h.name === 'interactive_boost');
      expect(i).toBeGreaterThan(0);
      expect(hits[i]!.reason).toMatch(/quarantined: ranked down/);
    } finally {
      repo.store.setStatus(p.id, 'quarantined', p.status, 'test: restore', 'test');
    }
    // Two policies close on "fifo throughput baseline"-like queries: verifying the runner-up lifts it.
    const before = (await searchPolicies(t.app, { query: 'batch throughput', limit: 3 })).hits;
    const second = repo.store.byName(before[1]!.name)!;
    expect(before[0]!.score / before[1]!.score).toBeLessThan(1.04);
    repo.store.setStatus(second.id, second.status, 'verified', 'test: verified for ranking', 'test');
    try {
      const after = (await searchPolicies(t.app, { query: 'batch throughput', limit: 3 })).hits;
      expect(after[0]!.name).toBe(second.name);
      expect(after[0]!.reason).toMatch(/verified: preferred over candidates/);
    } finally {
      repo.store.setStatus(second.id, 'verified', second.status, 'test: restore', 'test');
    }
  });
});
