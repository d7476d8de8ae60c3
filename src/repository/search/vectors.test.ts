// The vector side of a partitioned index on a real SQLite file: recall@10 against an exact scan on a
// seeded clustered set (queries inside and between clusters), and index maintenance after inserts,
// replacements, removals and a reopen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../db/index.js';
import { seededRandom } from '../../stats/index.js';
import { normalize } from './embedder.js';
import { HashingEmbedder } from './hashing.js';
import { HybridIndex, type IndexDoc } from './hybrid-index.js';
import { dot } from './ivf.js';

const DIM = 64;
const fields = [{ name: 'title', weight: 1 }];
const embedder = new HashingEmbedder(DIM);

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}
const unit = (rand: () => number) => normalize(Float32Array.from({ length: DIM }, () => gaussian(rand)));
const near = (rand: () => number, centre: Float32Array, sigma: number) => normalize(centre.map((x) => x + sigma * gaussian(rand)));
const docsFor = (from: number, n: number): IndexDoc[] => Array.from({ length: n }, (_, i) => ({ key: `d${from + i}`, fields: { title: `doc ${from + i}` }, embedText: `doc ${from + i}` }));

/** Keys of the exact cosine top k over `vectors` (keyed by `d<i>`). */
function exactTop(vectors: ReadonlyMap<string, Float32Array>, q: Float32Array, k: number): string[] {
  return [...vectors].map(([key, v]) => [key, dot(v, q)] as const).sort((a, b) => b[1] - a[1]).slice(0, k).map(([key]) => key);
}

let dir: string;
let db: Db;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'schedcp-vectors-')); db = openDatabase(join(dir, 'x.db')); });
afterEach(() => { db.close(); rmSync(dir, { recursive: true, force: true }); });

describe('partitioned vector index', () => {
  it('keeps recall@10 >= 0.95 against an exact scan, and stays correct after inserts, removals and a reopen', async () => {
    const rand = seededRandom(1234);
    // 24 clusters of uneven spread; some queries fall between two clusters (the hard case for IVF).
    const centres = Array.from({ length: 24 }, () => unit(rand));
    const vectors = new Map<string, Float32Array>();
    const vecs = Array.from({ length: 2400 }, (_, i) => near(rand, centres[i % 24]!, 0.08 + 0.1 * ((i % 24) / 24)));
    vecs.forEach((v, i) => vectors.set(`d${i}`, v));
    let index = await HybridIndex.open(db, { namespace: 'vec', fields, embedder, partitionFromDocs: 1000 });
    await index.upsert(docsFor(0, vecs.length), vecs);
    expect(index.partitions()).toBeGreaterThanOrEqual(32);
    const keyOf = (id: number) => `d${id - 1}`; // ids follow insertion order here
    const queries = Array.from({ length: 40 }, (_, i) => (i % 4 === 3
      ? normalize(centres[i % 24]!.map((x, d) => x + centres[(i + 5) % 24]![d]!))
      : near(rand, centres[i % 24]!, 0.1)));
    const recall = () => {
      let overlap = 0;
      for (const q of queries) {
        const top = new Set(exactTop(vectors, q, 10));
        overlap += index.nearest(q, 10).filter((r) => top.has(keyOf(r.id))).length;
      }
      return overlap / (10 * queries.length);
    };
    expect(recall()).toBeGreaterThanOrEqual(0.95);

    // Inserted documents are found at once (each new vector is its own nearest neighbour).
    const added = Array.from({ length: 50 }, () => near(rand, centres[Math.floor(rand() * 24)]!, 0.05));
    await index.upsert(docsFor(2400, 50), added);
    added.forEach((v, i) => vectors.set(`d${2400 + i}`, v));
    for (const [i, v] of added.entries()) expect(keyOf(index.nearest(v, 1)[0]!.id)).toBe(`d${2400 + i}`);

    // Removed documents never come back; a replaced vector is found at its new place.
    for (let i = 0; i < 2400; i += 3) { expect(index.remove(`d${i}`)).toBe(true); vectors.delete(`d${i}`); }
    const moved = near(rand, centres[3]!, 0.02);
    await index.upsert(docsFor(1, 1), [moved]);
    vectors.set('d1', moved);
    expect(keyOf(index.nearest(moved, 1)[0]!.id)).toBe('d1');
    for (const q of queries) for (const r of index.nearest(q, 30)) expect(vectors.has(keyOf(r.id))).toBe(true);
    expect(recall()).toBeGreaterThanOrEqual(0.95);

    // The partitioned index survives a reopen unchanged.
    const before = queries.map((q) => index.nearest(q, 10).map((r) => r.id));
    db.close();
    db = openDatabase(join(dir, 'x.db'));
    index = await HybridIndex.open(db, { namespace: 'vec', fields, embedder, partitionFromDocs: 1000 });
    expect(queries.map((q) => index.nearest(q, 10).map((r) => r.id))).toEqual(before);
  });

  it('probes further cells when the nearest ones hold fewer than k vectors', async () => {
    const rand = seededRandom(99);
    const centres = Array.from({ length: 8 }, () => unit(rand));
    const vecs = Array.from({ length: 1200 }, (_, i) => near(rand, centres[i % 8]!, 0.05));
    const index = await HybridIndex.open(db, { namespace: 'sparse', fields, embedder, partitionFromDocs: 1000 });
    await index.upsert(docsFor(0, vecs.length), vecs);
    // Empty the query's cluster but for one document: the k = 30 neighbours must come from elsewhere.
    for (let i = 8; i < 1200; i += 8) index.remove(`d${i}`);
    expect(index.nearest(centres[0]!, 30)).toHaveLength(30);
  });
});
