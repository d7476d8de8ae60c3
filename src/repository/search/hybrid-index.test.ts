// The reusable hybrid index on a real SQLite file with sqlite-vec and FTS5.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../db/index.js';
import { HashingEmbedder } from './hashing.js';
import { HybridIndex } from './hybrid-index.js';
import { ftsExpression, matchedFields, queryTerms, reciprocalRankFusion } from './text.js';
import type { Embedder } from './embedder.js';

const fields = [{ name: 'title', weight: 4 }, { name: 'body', weight: 1 }];
const docs = [
  { key: 'swappiness', fields: { title: 'vm.swappiness', body: 'How aggressively the kernel swaps anonymous memory out under memory pressure.' }, embedText: 'swap anonymous memory pressure' },
  { key: 'sched_migration_cost', fields: { title: 'kernel.sched_migration_cost_ns', body: 'Task migration cost estimate used for load balancing between CPUs.' }, embedText: 'task migration load balancing cpus' },
  { key: 'somaxconn', fields: { title: 'net.core.somaxconn', body: 'Maximum listen backlog of TCP sockets for busy web servers.' }, embedText: 'tcp listen backlog web server connections' },
];

let dir: string;
let db: Db;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'schedcp-hybrid-')); db = openDatabase(join(dir, 'x.db')); });
afterEach(() => { db.close(); rmSync(dir, { recursive: true, force: true }); });

describe('text helpers', () => {
  it('quotes every term so FTS5 operators in user text are inert', () => {
    expect(ftsExpression(queryTerms('NEAR(ab cd) OR "xy" AND title:yy -zz*'))).toBe('"near" OR "ab" OR "cd" OR "xy" OR "title" OR "yy" OR "zz"');
    expect(ftsExpression(queryTerms('the a of'))).toBeUndefined();
  });
  it('fuses ranks so an item ranked well by both lists wins', () => {
    const s = reciprocalRankFusion([[{ key: 'a', rank: 1 }, { key: 'b', rank: 2 }], [{ key: 'b', rank: 1 }, { key: 'c', rank: 2 }]]);
    expect([...s].sort((x, y) => y[1] - x[1])[0]![0]).toBe('b');
  });
  it('names the fields a query matched, with crude stemming', () => {
    expect(matchedFields(['latencies'], { d: 'low latency', n: 'fifo' })).toEqual([{ field: 'd', terms: ['latencies'] }]);
  });
});

describe('HybridIndex', () => {
  it('finds by keyword and by embedding, explains the match, and filters', async () => {
    const index = await HybridIndex.open(db, { namespace: 'kb', fields, embedder: new HashingEmbedder() });
    await index.upsert(docs);
    const r = await index.search('tcp listen backlog', { limit: 3 });
    expect(r.hits[0]!.key).toBe('somaxconn');
    expect(r.hits[0]!.matchedFields).toContain('body');
    expect(r.hits[0]!.reason).toMatch(/keywords in body/);
    expect(r.provider).toBe('hashing');
    await expect(index.search('NEAR(ab cd) "xy" title:yy -zz* AND OR ^', { limit: 3 })).resolves.toBeDefined();
    const asked: string[] = [];
    const filtered = await index.search('tcp listen backlog', { limit: 3, filter: (k) => { asked.push(k); return k !== 'somaxconn'; } });
    expect(filtered.hits.map((h) => h.key)).not.toContain('somaxconn');
    // Keys found by both the vector and the keyword side are judged once.
    expect(asked).toContain('somaxconn');
    expect(asked.length).toBe(new Set(asked).size);
  });

  it('replaces a document on upsert and removes it', async () => {
    const index = await HybridIndex.open(db, { namespace: 'kb', fields, embedder: new HashingEmbedder() });
    await index.upsert(docs);
    await index.upsert([{ ...docs[0]!, fields: { title: 'vm.swappiness', body: 'zebra giraffe' } }]);
    expect(index.count()).toBe(3);
    expect((await index.search('zebra', { limit: 1 })).hits[0]!.key).toBe('swappiness');
    expect(index.remove('swappiness')).toBe(true);
    expect((await index.search('zebra giraffe', { limit: 3 })).hits.map((h) => h.key)).not.toContain('swappiness');
  });

  it('keeps namespaces apart in one database', async () => {
    const a = await HybridIndex.open(db, { namespace: 'alpha', fields, embedder: new HashingEmbedder() });
    const b = await HybridIndex.open(db, { namespace: 'beta', fields, embedder: new HashingEmbedder() });
    await a.upsert(docs.slice(0, 1));
    expect(b.count()).toBe(0);
    expect((await b.search('swap memory', { limit: 3 })).hits).toEqual([]);
  });

  it('stores the model id and dimension and re-embeds everything when the model changes', async () => {
    const first = await HybridIndex.open(db, { namespace: 'kb', fields, embedder: new HashingEmbedder(64) });
    await first.upsert(docs);
    expect(first.model()).toEqual({ modelId: 'hashing-ngram12-d64-v1', dimension: 64 });
    const calls: number[] = [];
    const inner = new HashingEmbedder(128);
    const counting: Embedder = { provider: 'hashing', modelId: inner.modelId, dimension: 128, embed: async (t) => { calls.push(t.length); return inner.embed(t); } };
    const second = await HybridIndex.open(db, { namespace: 'kb', fields, embedder: counting });
    expect(calls).toEqual([3]);
    expect(second.model()).toEqual({ modelId: 'hashing-ngram12-d128-v1', dimension: 128 });
    const r = await second.search('task migration between cpus', { limit: 1 });
    expect(r.hits[0]!.key).toBe('sched_migration_cost');
    expect(r.hits[0]!.similarity).toBeGreaterThan(0.3);
    // Same model again: nothing re-embedded (the 1 is the query above).
    await HybridIndex.open(db, { namespace: 'kb', fields, embedder: counting });
    expect(calls).toEqual([3, 1]);
  });

  it('upgrades a layout-1 index (float vec0 only) by migrating and re-embedding its documents', async () => {
    const { hybridIndexMigrations } = await import('./hybrid-index.js');
    const { migrate } = await import('../../db/index.js');
    const sqliteVec = await import('sqlite-vec');
    sqliteVec.load(db);
    migrate(db, hybridIndexMigrations('kb', fields).slice(0, 1));
    db.exec(`CREATE VIRTUAL TABLE search_kb_vec USING vec0(embedding float[256]);
      INSERT INTO search_kb_model (id, model_id, dimension, provider) VALUES (1, 'hashing-ngram12-d256-v1', 256, 'hashing');
      INSERT INTO search_kb_docs (id, key, fields_json, embed_text) VALUES (1, 'somaxconn', '{"title":"net.core.somaxconn","body":"listen backlog"}', 'tcp listen backlog web server connections');
      INSERT INTO search_kb_fts (rowid, title, body) VALUES (1, 'net.core.somaxconn', 'listen backlog');`);
    const index = await HybridIndex.open(db, { namespace: 'kb', fields, embedder: new HashingEmbedder() });
    expect((db.prepare('SELECT layout FROM search_kb_model').get() as { layout: number }).layout).toBe(5);
    expect(index.count()).toBe(1);
    const r = await index.search('tcp connections backlog', { limit: 1 });
    expect(r.hits[0]).toMatchObject({ key: 'somaxconn', vectorRank: 1 });
  });

  it('partitions a large index into IVF cells and still finds the exact nearest neighbours', async () => {
    const e = new HashingEmbedder();
    const index = await HybridIndex.open(db, { namespace: 'ivf', fields, embedder: e, partitionFromDocs: 600 });
    const words = 'latency throughput cache numa fairness batch web database compile audio container kernel build queue steal'.split(' ');
    const docs = Array.from({ length: 1200 }, (_, i) => ({ key: `d${i}`, fields: { title: `doc ${i}`, body: '' }, embedText: `${words[i % 15]} ${words[(i * 7) % 15]} ${words[(i * 11) % 15]} item${i % 50}` }));
    await index.upsert(docs);
    expect(index.partitions()).toBeGreaterThanOrEqual(32);
    const vectors = await e.embed(docs.map((d) => d.embedText));
    let overlap = 0;
    for (const q of ['latency cache', 'compile kernel build', 'audio web item7', 'numa database steal']) {
      const [qv] = await e.embed([q]);
      // Texts repeat (ties), so a hit counts when it is as close as the exact 10th neighbour.
      const tenth = vectors.map((v) => v.reduce((s, x, d) => s + x * qv![d]!, 0)).sort((a, b) => b - a)[9]!;
      overlap += index.nearest(qv!, 10).filter((r) => 1 - (r.distance * r.distance) / 2 >= tenth - 1e-5).length;
    }
    expect(overlap / 40).toBeGreaterThanOrEqual(0.9);
  });

  it('rejects a bad namespace name', async () => {
    await expect(HybridIndex.open(db, { namespace: 'x; DROP TABLE y', fields, embedder: new HashingEmbedder() })).rejects.toThrow(/namespace/);
  });
});

describe('HashingEmbedder', () => {
  it('is deterministic, unit length, and closer for texts sharing words', async () => {
    const e = new HashingEmbedder();
    const [a, b, c, a2] = await e.embed(['low latency web requests', 'web request latency', 'parallel compile throughput', 'low latency web requests']);
    expect([...a!]).toEqual([...a2!]);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a!, a!)).toBeCloseTo(1, 5);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!));
  });
});
