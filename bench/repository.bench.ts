// Repository search benchmark: hybrid search latency (p50/p95, with and without the query
// embedding) and recall@10 at 100, 1k, 10k and 100k documents, embedding throughput, cold start.
//
// Synthetic corpus (documented method): 40 topics, each a scheduler-policy description written
// from a fixed vocabulary. The 40 topic descriptions and one paraphrased query per topic are
// embedded once with the real USE-lite model; each synthetic document's vector is its topic's
// vector plus seeded Gaussian noise (σ = 0.03 per dimension, cosine to the topic ≈ 0.6),
// re-normalised. Its keyword fields mix the topic's words with random filler, so BM25 also has
// to work. topicRecallAt10 = relevant hits in the top 10 / min(10, docs of that topic).
// vectorRecallAt10 = overlap of the vector KNN (in-memory int8 scan + exact float re-rank) with
// brute-force float cosine top 10 computed in JS over the same vectors.
// Documents are inserted with precomputed vectors through HybridIndex.upsert, the same path the
// repository uses.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/index.js';
import { HashingEmbedder, HybridIndex, normalize, type Embedder, type IndexDoc } from '../src/repository/search/index.js';
import { loadUseLiteEmbedder } from '../src/repository/search/use-lite.js';
import { seededRandom, summarize } from '../src/stats/index.js';
import { repositoryOf, searchPolicies } from '../src/repository/index.js';
import { QUALITY_QUERIES, USER_PHRASED_QUERIES, qualityByMode } from '../src/repository/search/quality.js';
import { makeTestApp } from '../src/repository/test-app.js';

const TOPIC_WORDS = [
  'throughput batch parallel compile', 'interactive latency desktop wakeup', 'fair share weight nice', 'cache llc locality l3',
  'central dispatch housekeeping core', 'cgroup container tenant weight', 'shortest job first completion', 'work stealing per cpu queue',
  'deadline realtime audio jitter', 'numa memory node placement', 'energy efficiency power saving', 'gaming frame pacing latency',
  'database oltp transaction latency', 'hpc mpi barrier synchronisation', 'web server request tail latency', 'video encoding throughput simd',
  'virtual machine vcpu host', 'microservice rpc fan-out latency', 'garbage collection pause threads', 'build farm ci jobs',
  'big little heterogeneous cores', 'smt sibling isolation', 'io bound wakeup storms', 'lock holder preemption spinning',
  'priority inversion inheritance', 'background indexing low priority', 'machine learning training dataloader', 'stream processing pipeline stages',
  'network packet processing softirq', 'storage compaction background', 'browser tabs responsiveness', 'scientific simulation long jobs',
  'fork exec storm shell scripts', 'message queue consumers batch', 'in-memory cache redis', 'container cold start burst',
  'real-time trading low jitter', 'render farm frames parallel', 'thermal throttling aware', 'mixed batch and interactive',
];
const FILLER = 'queue slice vtime dispatch kick idle select enqueue runnable tunable policy scheduler cpu task thread core domain balance migrate'.split(' ');
// SCHEDCP_BENCH_SEARCH_SIZES=1000,10000 keeps a run short on a shared machine.
const SIZES = (process.env.SCHEDCP_BENCH_SEARCH_SIZES ?? '100,1000,10000,100000').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const QUERIES_PER_SIZE = 40;
const SIGMA = 0.03;

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}

function makeDocs(from: number, to: number, topicVecs: Float32Array[], rand: () => number): { docs: IndexDoc[]; vectors: Float32Array[] } {
  const docs: IndexDoc[] = [];
  const vectors: Float32Array[] = [];
  for (let i = from; i < to; i++) {
    const topic = i % TOPIC_WORDS.length;
    const words = TOPIC_WORDS[topic]!.split(' ');
    const filler = Array.from({ length: 12 }, () => FILLER[Math.floor(rand() * FILLER.length)]).join(' ');
    const description = `policy tuned for ${words.slice(0, 2).join(' ')} with ${filler}`;
    docs.push({ key: `t${topic}_p${i}`, fields: { name: `synthetic ${i}`, description, use_cases: words.join(' '), identifiers: filler }, embedText: description });
    const base = topicVecs[topic]!;
    const v = new Float32Array(base.length);
    for (let d = 0; d < v.length; d++) v[d] = base[d]! + SIGMA * gaussian(rand);
    vectors.push(normalize(v));
  }
  return { docs, vectors };
}

async function throughput(e: Embedder, n: number): Promise<number> {
  const texts = Array.from({ length: n }, (_, i) => `${TOPIC_WORDS[i % TOPIC_WORDS.length]} scheduler policy number ${i} for servers`);
  const t0 = performance.now();
  await e.embed(texts);
  return n / ((performance.now() - t0) / 1000);
}

const r2 = (x: number) => Math.round(x * 100) / 100;
/** median (min–max), p95 and n, as bench/report.ts renders them. */
const stat = (xs: number[]) => { const s = summarize(xs); return { p50: r2(s.p50), min: r2(Math.min(...xs)), max: r2(Math.max(...xs)), p95: r2(s.p95), n: xs.length }; };

/** Exact cosine top k by a plain scan (document ids are 1-based insertion order). */
function exactTop(vectors: readonly Float32Array[], q: Float32Array, k: number): number[] {
  const best: Array<[number, number]> = [];
  for (let i = 0; i < vectors.length; i++) {
    const v = vectors[i]!;
    let dot = 0;
    for (let d = 0; d < v.length; d++) dot += v[d]! * q[d]!;
    if (best.length < k || dot > best[best.length - 1]![1]) {
      best.push([i + 1, dot]);
      best.sort((a, b) => b[1] - a[1]);
      if (best.length > k) best.pop();
    }
  }
  return best.map(([id]) => id);
}
const topicOfId = (id: number) => (id - 1) % TOPIC_WORDS.length;

/** How many of `ids` are in the exact cosine top 10. */
function overlapWithExact(ids: number[], vectors: readonly Float32Array[], q: Float32Array): number {
  const top = new Set(exactTop(vectors, q, 10));
  return ids.filter((id) => top.has(id)).length;
}

/** Top-1/top-3/MRR of each ranking mode over the built-in library and the quality query set, per provider. */
async function libraryQuality(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const embedding of ['use-lite', 'hashing'] as const) {
    const t = makeTestApp({ repository: { embedding } });
    try {
      const index = await repositoryOf(t.app).ready();
      const r = await qualityByMode(async (query, mode) => mode === 'fused'
        ? (await searchPolicies(t.app, { query, limit: 10 })).hits.map((h) => h.name)
        : (await index.search(query, { limit: 10, mode })).hits.map((h) => h.key));
      out[embedding] = Object.fromEntries(Object.entries(r).map(([mode, q]) => [mode, { top1: q.top1, top3: q.top3, mrr: q.mrr, misses: q.misses }]));
      // The tool path with the query embedding cached (a repeated query) vs not.
      const probe = `cache timing probe ${Date.now()}`;
      const cold = await searchPolicies(t.app, { query: probe, limit: 5 });
      const again = await searchPolicies(t.app, { query: probe, limit: 5 });
      out[`${embedding}QueryEmbedMs`] = { uncached: r2(cold.timings.embedMs), cached: r2(again.timings.embedMs), cachedFlag: again.timings.embedCached, searchTotalMsCached: r2(again.timings.totalMs) };
    } finally { await t.close(); }
  }
  return { queries: QUALITY_QUERIES.length, userPhrased: USER_PHRASED_QUERIES.length, ...out };
}

export async function benchRepository(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'schedcp-bench-repo-'));
  const load0 = loadavg()[0]!;
  try {
    const quality = await libraryQuality();
    process.stderr.write(`bench repository: quality ${JSON.stringify(quality)}\n`);
    const t0 = performance.now();
    const useLite = await loadUseLiteEmbedder();
    await useLite.embed(['warm up']);
    const coldStartMs = performance.now() - t0;
    const embedding = {
      useLiteSentencesPerSec: r2(await throughput(useLite, 256)),
      hashingSentencesPerSec: r2(await throughput(new HashingEmbedder(), 20_000)),
    };
    const topicVecs = await useLite.embed(TOPIC_WORDS.map((w) => `A scheduler policy for ${w}.`));
    const queryTexts = TOPIC_WORDS.map((w) => `which scheduler suits ${w.split(' ').slice(0, 3).join(' and ')} workloads`);
    const queryVecs = await useLite.embed(queryTexts);

    const dbPath = join(dir, 'bench.db');
    const db = openDatabase(dbPath);
    const index = await HybridIndex.open(db, { namespace: 'bench', fields: [{ name: 'name', weight: 8 }, { name: 'description', weight: 4 }, { name: 'use_cases', weight: 3 }, { name: 'identifiers', weight: 1 }], embedder: useLite });
    const rand = seededRandom(42);
    const levels: Record<string, unknown> = {};
    let have = 0;
    const all: Float32Array[] = [];
    for (const size of SIZES) {
      const i0 = performance.now();
      for (let from = have; from < size; from += 5_000) {
        const batch = makeDocs(from, Math.min(size, from + 5_000), topicVecs, rand);
        await index.upsert(batch.docs, batch.vectors);
        all.push(...batch.vectors);
      }
      const insertPerSec = (size - have) / ((performance.now() - i0) / 1000);
      have = size;
      const excl: number[] = [];
      const cpu: number[] = [];
      const incl: number[] = [];
      const fullScanMs: number[] = [];
      const ftsOnlyMs: number[] = [];
      let fullScanRelevant = 0;
      let ftsRelevant = 0;
      const vectorMs: number[] = [];
      const textMs: number[] = [];
      let relevant = 0;
      let possible = 0;
      let vectorOverlap = 0;
      for (let q = 0; q < QUERIES_PER_SIZE; q++) {
        const topic = q % TOPIC_WORDS.length;
        const c0 = process.cpuUsage();
        const r = await index.search(queryTexts[topic]!, { limit: 10, queryVector: queryVecs[topic]! });
        const c1 = process.cpuUsage(c0);
        cpu.push((c1.user + c1.system) / 1000);
        excl.push(r.timings.totalMs);
        vectorMs.push(r.timings.vectorMs);
        textMs.push(r.timings.textMs);
        relevant += r.hits.filter((h) => h.key.startsWith(`t${topic}_`)).length;
        possible += Math.min(10, Math.floor(size / TOPIC_WORDS.length) + (topic < size % TOPIC_WORDS.length ? 1 : 0));
        if (q < 10) vectorOverlap += overlapWithExact(index.nearest(queryVecs[topic]!, 10).map((n) => n.id), all, queryVecs[topic]!);
        if (q < 10) incl.push((await index.search(queryTexts[topic]!, { limit: 10 })).timings.totalMs);
        // Peers on the same data: a plain exact scan of the same vectors (JS, float cosine) and FTS5 alone.
        const s0 = performance.now();
        const scanTop = exactTop(all, queryVecs[topic]!, 10);
        fullScanMs.push(performance.now() - s0);
        fullScanRelevant += scanTop.filter((id) => topicOfId(id) === topic).length;
        const fts = await index.search(queryTexts[topic]!, { limit: 10, mode: 'text' });
        ftsOnlyMs.push(fts.timings.totalMs);
        ftsRelevant += fts.hits.filter((h) => h.key.startsWith(`t${topic}_`)).length;
      }
      levels[String(size)] = {
        searchExclEmbedMs: stat(excl),
        searchCpuMs: stat(cpu),
        searchInclEmbedMs: stat(incl),
        vectorMs: stat(vectorMs), textMs: stat(textMs),
        topicRecallAt10: r2(relevant / possible),
        peers: {
          exactFullScanMs: stat(fullScanMs), exactFullScanTopicRecallAt10: r2(fullScanRelevant / possible),
          fts5OnlyMs: stat(ftsOnlyMs), fts5OnlyTopicRecallAt10: r2(ftsRelevant / possible),
        },
        vectorRecallAt10: r2(vectorOverlap / (10 * Math.min(10, QUERIES_PER_SIZE))),
        insertDocsPerSec: Math.round(insertPerSec), ivfPartitions: index.partitions(),
      };
      process.stderr.write(`bench repository: ${size} docs ${JSON.stringify(levels[String(size)])}\n`);
    }
    db.close();
    const o0 = performance.now();
    const db2 = openDatabase(dbPath);
    await HybridIndex.open(db2, { namespace: 'bench', fields: [{ name: 'name', weight: 8 }, { name: 'description', weight: 4 }, { name: 'use_cases', weight: 3 }, { name: 'identifiers', weight: 1 }], embedder: useLite });
    const reopenMs = performance.now() - o0;
    db2.close();
    return {
      // Other work on the machine inflates every latency here; the load average says how much.
      loadAverage1m: { atStart: r2(load0), atEnd: r2(loadavg()[0]!) },
      qualityMethod: 'built-in library (8 policies), quality query set (descriptive + held-out user-phrased queries); fused = the tool path (field evidence + semantic + BM25 with vocabulary, status prior), rrf = plain RRF of vector and BM25, vector = embedding KNN alone, text = FTS5 BM25 alone',
      method: 'USE-lite vectors of 40 topic descriptions + seeded Gaussian noise (sigma 0.03/dim), synthetic keyword fields; int8 KNN in memory (WebAssembly SIMD squared-L2 kernel over per-cell int8 codes persisted one row per cell, loaded on first probe; k+10 candidates; from 5k docs IVF: k-means cells, max(6, cells/32) nearest cells probed plus cells within 0.04 cosine of the nearest up to twice that) re-ranked on exact float vectors (sqlite-vec vec_distance_l2) (L2 on unit vectors = cosine order) + FTS5 BM25 (row ids only, ORDER BY bm25 LIMIT k) + field evidence over one batched read of the candidates, weighted RRF k=60; peers: exact JS float scan of the same vectors, FTS5 alone; searchCpuMs = process CPU time of the same searches (less sensitive than wall time to other work on a shared machine)',
      coldStart: { useLiteLoadAndFirstEmbedMs: r2(coldStartMs), reopen100kIndexMs: r2(reopenMs) },
      embedding,
      quality,
      levels,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
