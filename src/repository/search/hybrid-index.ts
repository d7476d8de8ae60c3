// A reusable hybrid search index over one namespace of documents in the project database:
// sqlite-vec KNN over embeddings + FTS5 BM25 over named text fields, fused by reciprocal rank.
// The repository indexes policies with it; the tuning knowledge base indexes its tunables.
import * as sqliteVec from 'sqlite-vec';
import type { Db, Migration } from '../../db/index.js';
import { migrate } from '../../db/index.js';
import { SchedcpError, quote } from '../../errors.js';
import type { Embedder } from './embedder.js';
import { assign, kmeans, nearestCentroids } from './ivf.js';
import { expandTerms, fieldEvidence, fuse, reason, type FieldEvidence, type FusedHit } from './rank.js';
import { ftsExpression, queryTerms, type Ranked } from './text.js';

export interface IndexField { name: string; /** BM25 column weight. */ weight: number }

export interface IndexDoc {
  key: string;
  /** Text per declared field (FTS5 columns). */
  fields: Record<string, string>;
  /** The text whose embedding represents the document (description + use cases, not code). */
  embedText: string;
}

export interface SearchHit {
  key: string;
  score: number;
  vectorRank?: number;
  textRank?: number;
  similarity?: number;
  matchedFields: string[];
  /** Which evidence contributed most: field-weighted keywords, the semantic neighbour, or raw BM25. */
  decidedBy: 'fields' | 'semantic' | 'keywords';
  reason: string;
}

export interface SearchOptions {
  limit: number;
  /** Keep only keys the caller accepts (status, tags, scores live with the caller). */
  filter?: (key: string) => boolean;
  /** Candidates fetched from each side before fusion and filtering. */
  candidates?: number;
  /** Skip embedding the query (benchmarks measure search apart from the query embedding). */
  queryVector?: Float32Array;
  /**
   * The caller's view of a candidate: its status (the ranking prefers verified/promoted in close
   * calls and sinks quarantined/retired) and extra evidence fields (e.g. target_workloads).
   */
  describe?: (key: string) => { status?: string; fields?: Record<string, string> } | undefined;
  /** fused (default): field evidence + semantic + BM25 with query expansion; rrf: plain RRF of vector and BM25; vector or text alone (quality baselines). */
  mode?: 'fused' | 'rrf' | 'vector' | 'text';
}

export interface SearchResult {
  hits: SearchHit[];
  provider: Embedder['provider'];
  modelId: string;
  /** embedCached: the query's vector came from the per-index cache (embedMs then ~0). */
  timings: { embedMs: number; embedCached: boolean; vectorMs: number; textMs: number; fuseMs: number; totalMs: number };
}

const loaded = new WeakSet<Db>();

/**
 * Vector layout 3: exact float vectors in a plain table + an int8 copy in a sqlite-vec vec0 index
 * whose partition key is the vector's IVF cell (0 until the index is large enough to partition).
 */
const LAYOUT = 3;
/** From this many documents the int8 index is partitioned (k-means cells; a query scans the nearest few). */
export const IVF_MIN_DOCS = 5_000;
const IVF_SAMPLE = 8192;
// Each probed cell is one KNN statement with a fixed cost, so cells are few and large (√n / 2).
const ivfCells = (docs: number) => Math.max(32, Math.min(256, Math.round(Math.sqrt(docs) / 2)));
const ivfProbes = (cells: number) => Math.max(6, Math.ceil(cells / 32));
/** Extra int8 candidates re-ranked exactly (int8 scans are ~2.5x faster than float; k is costly). */
const RERANK_EXTRA = 10;

/**
 * int8 copy of a unit vector. Components of a d-dimensional unit vector are ~1/sqrt(d), so the
 * scale clips at 6/sqrt(d) (capped at 1) to use the int8 range instead of vec_quantize_int8's ±1.
 */
export function quantizeInt8(v: Float32Array): Int8Array {
  const scale = 127 / Math.min(1, 6 / Math.sqrt(v.length));
  const q = new Int8Array(v.length);
  for (let i = 0; i < v.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(v[i]! * scale)));
  return q;
}

const blob = (a: Float32Array | Int8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function loadVec(db: Db): void {
  if (loaded.has(db)) return;
  // KNN scans every vector; reading them through mmap instead of read() roughly halves a file-backed
  // scan. Only raised from SQLite's default of 0 (off); it changes no data and no other semantics.
  if ((db.pragma('mmap_size', { simple: true }) as number) === 0) db.pragma('mmap_size = 268435456');
  try {
    sqliteVec.load(db);
  } catch (error) {
    throw new SchedcpError('unsupported', `The sqlite-vec extension failed to load: ${(error as Error).message}`, { cause: error });
  }
  loaded.add(db);
}

export function hybridIndexMigrations(namespace: string, fields: readonly IndexField[]): Migration[] {
  const t = `search_${namespace}`;
  return [{
    component: `search:${namespace}`,
    version: 1,
    description: `hybrid search tables for namespace ${namespace}`,
    up: (db) => db.exec(`
      CREATE TABLE ${t}_docs (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, fields_json TEXT NOT NULL, embed_text TEXT NOT NULL);
      CREATE VIRTUAL TABLE ${t}_fts USING fts5(${fields.map((f) => f.name).join(', ')}, tokenize = 'porter unicode61');
      CREATE TABLE ${t}_model (id INTEGER PRIMARY KEY CHECK (id = 1), model_id TEXT NOT NULL, dimension INTEGER NOT NULL, provider TEXT NOT NULL);`),
  }, {
    component: `search:${namespace}`,
    version: 2,
    description: `vector layout marker for namespace ${namespace}`,
    up: (db) => db.exec(`ALTER TABLE ${t}_model ADD COLUMN layout INTEGER NOT NULL DEFAULT 1`),
  }, {
    component: `search:${namespace}`,
    version: 3,
    description: `IVF centroids for namespace ${namespace}`,
    up: (db) => db.exec(`CREATE TABLE ${t}_centroids (id INTEGER PRIMARY KEY, centroid BLOB NOT NULL);
      ALTER TABLE ${t}_model ADD COLUMN trained_docs INTEGER NOT NULL DEFAULT 0`),
  }];
}

const QUERY_CACHE_SIZE = 256;
interface Statement { all(...params: unknown[]): unknown[]; get(...params: unknown[]): unknown }

export class HybridIndex {
  private readonly t: string;
  private readonly statements = new Map<string, Statement>();
  private readonly queryCache = new Map<string, Float32Array>();
  /** IVF cell centroids (empty: not partitioned); loaded once, replaced when retrained. */
  private centroids: Float32Array[] | undefined;

  private constructor(private readonly db: Db, readonly namespace: string, readonly fields: readonly IndexField[], readonly embedder: Embedder, private readonly partitionFrom: number) {
    this.t = `search_${namespace}`;
  }

  /** Opens (creating on first use) the namespace's tables; re-embeds every document when the model changed. */
  static async open(db: Db, options: { namespace: string; fields: readonly IndexField[]; embedder: Embedder; /** Default IVF_MIN_DOCS. */ partitionFromDocs?: number }): Promise<HybridIndex> {
    if (!/^[a-z][a-z0-9_]{0,31}$/.test(options.namespace)) {
      throw new SchedcpError('invalid_argument', `Search namespace ${quote(options.namespace)} must be 1-32 chars of a-z, 0-9, _ starting with a letter.`);
    }
    for (const f of options.fields) {
      if (!/^[a-z][a-z0-9_]{0,31}$/.test(f.name)) throw new SchedcpError('invalid_argument', `Search field ${quote(f.name)} must be a-z, 0-9, _.`);
    }
    loadVec(db);
    migrate(db, hybridIndexMigrations(options.namespace, options.fields));
    const index = new HybridIndex(db, options.namespace, options.fields, options.embedder, options.partitionFromDocs ?? IVF_MIN_DOCS);
    await index.ensureModel();
    return index;
  }

  private storedModel(): { model_id: string; dimension: number; layout: number } | undefined {
    return this.db.prepare(`SELECT model_id, dimension, layout FROM ${this.t}_model WHERE id = 1`).get() as { model_id: string; dimension: number; layout: number } | undefined;
  }

  private async ensureModel(): Promise<void> {
    const stored = this.storedModel();
    const { modelId, dimension, provider } = this.embedder;
    if (stored && stored.model_id === modelId && stored.dimension === dimension && stored.layout === LAYOUT) return;
    const docs = this.db.prepare(`SELECT id, embed_text FROM ${this.t}_docs ORDER BY id`).all() as Array<{ id: number; embed_text: string }>;
    const vectors = docs.length ? await this.embedder.embed(docs.map((d) => d.embed_text)) : [];
    this.db.transaction(() => {
      this.db.exec(`DROP TABLE IF EXISTS ${this.t}_vec; DROP TABLE IF EXISTS ${this.t}_q8; DELETE FROM ${this.t}_centroids;
        CREATE TABLE ${this.t}_vec (id INTEGER PRIMARY KEY, embedding BLOB NOT NULL);
        CREATE VIRTUAL TABLE ${this.t}_q8 USING vec0(part integer partition key, q int8[${dimension}]);`);
      this.centroids = [];
      const write = this.vectorWriter();
      docs.forEach((d, i) => write(d.id, vectors[i]!));
      this.db.prepare(`INSERT INTO ${this.t}_model (id, model_id, dimension, provider, layout) VALUES (1, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET model_id = excluded.model_id, dimension = excluded.dimension, provider = excluded.provider, layout = excluded.layout, trained_docs = 0`).run(modelId, dimension, provider, LAYOUT);
    }).immediate();
    this.maybePartition();
  }

  private cells(): Float32Array[] {
    this.centroids ??= (this.db.prepare(`SELECT centroid FROM ${this.t}_centroids ORDER BY id`).all() as Array<{ centroid: Buffer }>)
      .map((r) => new Float32Array(r.centroid.buffer.slice(r.centroid.byteOffset, r.centroid.byteOffset + r.centroid.byteLength)));
    return this.centroids;
  }

  /** Partition (or re-partition, each time the index doubled) once it holds IVF_MIN_DOCS documents. */
  private maybePartition(): void {
    const n = this.count();
    const trained = (this.db.prepare(`SELECT trained_docs AS t FROM ${this.t}_model WHERE id = 1`).get() as { t: number } | undefined)?.t ?? 0;
    if (n < this.partitionFrom || (trained > 0 && n < 2 * trained)) return;
    const step = Math.max(1, Math.floor(n / IVF_SAMPLE));
    const toVec = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const sample = (this.db.prepare(`SELECT embedding FROM ${this.t}_vec WHERE id % ? = 0 LIMIT ?`).all(step, IVF_SAMPLE) as Array<{ embedding: Buffer }>).map((r) => toVec(r.embedding));
    if (sample.length < 64) return;
    const centroids = kmeans(sample, Math.min(ivfCells(n), sample.length));
    this.db.transaction(() => {
      this.db.exec(`DELETE FROM ${this.t}_centroids`);
      const ins = this.db.prepare(`INSERT INTO ${this.t}_centroids (id, centroid) VALUES (?, ?)`);
      centroids.forEach((c, i) => ins.run(i, blob(c)));
      this.centroids = centroids;
      const dim = this.embedder.dimension;
      this.db.exec(`DROP TABLE ${this.t}_q8; CREATE VIRTUAL TABLE ${this.t}_q8 USING vec0(part integer partition key, q int8[${dim}]);`);
      const put = this.db.prepare(`INSERT INTO ${this.t}_q8 (rowid, part, q) VALUES (?, ?, vec_int8(?))`);
      // Paged, not iterated: better-sqlite3 cannot write while a read on the connection is open.
      const page = this.db.prepare(`SELECT id, embedding FROM ${this.t}_vec WHERE id > ? ORDER BY id LIMIT 2000`);
      for (let after = 0; ;) {
        const rows = page.all(after) as Array<{ id: number; embedding: Buffer }>;
        if (rows.length === 0) break;
        for (const r of rows) { const v = toVec(r.embedding); put.run(BigInt(r.id), BigInt(assign(centroids, v)), blob(quantizeInt8(v))); }
        after = rows[rows.length - 1]!.id;
      }
      this.db.prepare(`UPDATE ${this.t}_model SET trained_docs = ? WHERE id = 1`).run(n);
    }).immediate();
  }

  /** Insert or replace one document's exact vector and its int8 copy. */
  private vectorWriter(): (id: number, v: Float32Array) => void {
    const exact = this.db.prepare(`INSERT OR REPLACE INTO ${this.t}_vec (id, embedding) VALUES (?, ?)`);
    const del = this.db.prepare(`DELETE FROM ${this.t}_q8 WHERE rowid = ?`);
    const ins = this.db.prepare(`INSERT INTO ${this.t}_q8 (rowid, part, q) VALUES (?, ?, vec_int8(?))`);
    return (id, v) => {
      const cells = this.cells();
      exact.run(id, blob(v));
      del.run(BigInt(id));
      ins.run(BigInt(id), BigInt(cells.length ? assign(cells, v) : 0), blob(quantizeInt8(v)));
    };
  }

  /** The model id and dimension the stored vectors were made with. */
  model(): { modelId: string; dimension: number } {
    const m = this.storedModel()!;
    return { modelId: m.model_id, dimension: m.dimension };
  }

  /** IVF cells in use (0: one unpartitioned scan). */
  partitions(): number { return this.cells().length; }

  count(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${this.t}_docs`).get() as { n: number }).n;
  }

  has(key: string): boolean {
    return this.db.prepare(`SELECT 1 FROM ${this.t}_docs WHERE key = ?`).get(key) !== undefined;
  }

  /** Insert or replace documents by key. `vectors` skips embedding (precomputed, same model). */
  async upsert(docs: readonly IndexDoc[], vectors?: readonly Float32Array[]): Promise<void> {
    if (docs.length === 0) return;
    const vecs = vectors ?? await this.embedder.embed(docs.map((d) => d.embedText));
    if (vecs.length !== docs.length) throw new SchedcpError('internal', `upsert got ${docs.length} documents but ${vecs.length} vectors.`);
    for (const v of vecs) {
      if (v.length !== this.embedder.dimension) throw new SchedcpError('internal', `vector of dimension ${v.length} for a ${this.embedder.dimension}-d index.`);
    }
    const names = this.fields.map((f) => f.name);
    const findId = this.db.prepare(`SELECT id FROM ${this.t}_docs WHERE key = ?`);
    const insertDoc = this.db.prepare(`INSERT INTO ${this.t}_docs (key, fields_json, embed_text) VALUES (?, ?, ?)`);
    const updateDoc = this.db.prepare(`UPDATE ${this.t}_docs SET fields_json = ?, embed_text = ? WHERE id = ?`);
    const deleteFts = this.db.prepare(`DELETE FROM ${this.t}_fts WHERE rowid = ?`);
    const insertFts = this.db.prepare(`INSERT INTO ${this.t}_fts (rowid, ${names.join(', ')}) VALUES (?, ${names.map(() => '?').join(', ')})`);
    const writeVector = this.vectorWriter();
    this.db.transaction(() => {
      docs.forEach((doc, i) => {
        const fieldsJson = JSON.stringify(doc.fields);
        const existing = findId.get(doc.key) as { id: number } | undefined;
        let id: number;
        if (existing) {
          id = existing.id;
          updateDoc.run(fieldsJson, doc.embedText, id);
          deleteFts.run(id);
        } else {
          id = Number(insertDoc.run(doc.key, fieldsJson, doc.embedText).lastInsertRowid);
        }
        insertFts.run(id, ...names.map((n) => doc.fields[n] ?? ''));
        writeVector(id, vecs[i]!);
      });
    }).immediate();
    this.maybePartition();
  }

  remove(key: string): boolean {
    const row = this.db.prepare(`SELECT id FROM ${this.t}_docs WHERE key = ?`).get(key) as { id: number } | undefined;
    if (!row) return false;
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM ${this.t}_fts WHERE rowid = ?`).run(row.id);
      this.db.prepare(`DELETE FROM ${this.t}_vec WHERE id = ?`).run(row.id);
      this.db.prepare(`DELETE FROM ${this.t}_q8 WHERE rowid = ?`).run(BigInt(row.id));
      this.db.prepare(`DELETE FROM ${this.t}_docs WHERE id = ?`).run(row.id);
    })();
    return true;
  }

  /**
   * k nearest documents by cosine (L2 on unit vectors): an int8 KNN scan in sqlite-vec picks
   * k + RERANK_EXTRA candidates, which are re-ranked on the exact float vectors. The benchmark
   * reports recall against brute-force float search.
   */
  nearest(queryVector: Float32Array, k: number): Array<{ id: number; distance: number; key: string }> {
    const q = blob(quantizeInt8(queryVector));
    const cells = this.cells();
    let ids: number[];
    if (cells.length === 0) {
      ids = (this.stmt(`SELECT rowid AS id FROM ${this.t}_q8 WHERE q MATCH vec_int8(?) AND k = ?`).all(q, k + RERANK_EXTRA) as Array<{ id: number }>).map((r) => r.id);
    } else {
      // IVF: k + extra nearest int8 vectors in each probed cell (one KNN per cell), merged by int8 distance.
      const probe = nearestCentroids(cells, queryVector, ivfProbes(cells.length));
      const rows = this.stmt(`SELECT rowid AS id, distance FROM ${this.t}_q8 WHERE q MATCH vec_int8(?) AND k = ? AND part IN (SELECT value FROM json_each(?))`)
        .all(q, k + RERANK_EXTRA, JSON.stringify(probe)) as Array<{ id: number; distance: number }>;
      ids = rows.sort((a, b) => a.distance - b.distance).slice(0, k + RERANK_EXTRA).map((r) => r.id);
    }
    return this.stmt(`SELECT v.id AS id, vec_distance_l2(v.embedding, ?) AS distance, d.key AS key FROM ${this.t}_vec v
      JOIN ${this.t}_docs d ON d.id = v.id WHERE v.id IN (SELECT value FROM json_each(?)) ORDER BY distance LIMIT ?`)
      .all(blob(queryVector), JSON.stringify(ids), k) as Array<{ id: number; distance: number; key: string }>;
  }

  private stmt(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, st = this.db.prepare(sql) as unknown as Statement);
    return st;
  }

  /** The query's embedding, from a small per-index LRU cache when the same text was asked before. */
  private async queryVector(query: string): Promise<{ vector: Float32Array; cached: boolean }> {
    const hit = this.queryCache.get(query);
    if (hit) { this.queryCache.delete(query); this.queryCache.set(query, hit); return { vector: hit, cached: true }; }
    const [vector] = await this.embedder.embed([query]);
    this.queryCache.set(query, vector!);
    if (this.queryCache.size > QUERY_CACHE_SIZE) this.queryCache.delete(this.queryCache.keys().next().value!);
    return { vector: vector!, cached: false };
  }

  async search(query: string, options: SearchOptions): Promise<SearchResult> {
    const started = performance.now();
    const mode = options.mode ?? 'fused';
    // RRF over the top few dozen of each list settles the first ranks; filters discard hits, so fetch more.
    const candidates = options.candidates ?? (options.filter ? Math.max(100, options.limit * 10) : Math.max(30, options.limit * 3));
    const embedded = options.queryVector ? { vector: options.queryVector, cached: false } : mode === 'text' ? undefined : await this.queryVector(query);
    const embedMs = performance.now() - started;

    const v0 = performance.now();
    const vecRows = embedded ? this.nearest(embedded.vector, candidates) : [];
    const vectorMs = performance.now() - v0;

    const t0 = performance.now();
    const terms = queryTerms(query);
    const weighted = mode === 'fused' ? expandTerms(query, terms) : terms.map((term) => ({ term, weight: 1, expanded: false }));
    const expr = ftsExpression(weighted.map((w) => w.term));
    const textRows = expr === undefined || mode === 'vector' ? [] : this.stmt(`SELECT d.key AS key FROM ${this.t}_fts f JOIN ${this.t}_docs d ON d.id = f.rowid
      WHERE ${this.t}_fts MATCH ? ORDER BY bm25(${this.t}_fts, ${this.fields.map((f) => f.weight).join(', ')}) LIMIT ?`).all(expr, candidates) as Array<{ key: string }>;
    const textMs = performance.now() - t0;

    const f0 = performance.now();
    // A key usually comes back from both sides; the caller's filter (a store lookup, and with
    // minScore a bootstrap per workload) runs once per key.
    const verdicts = new Map<string, boolean>();
    const accept = (key: string): boolean => {
      if (!options.filter) return true;
      let ok = verdicts.get(key);
      if (ok === undefined) verdicts.set(key, ok = options.filter(key));
      return ok;
    };
    const vectorRanked: Ranked[] = [];
    const similarity = new Map<string, number>();
    for (const r of vecRows) {
      if (!accept(r.key)) continue;
      vectorRanked.push({ key: r.key, rank: vectorRanked.length + 1 });
      // Vectors are unit length, so L2 order equals cosine order (L2 is the faster kernel): cos = 1 - d²/2.
      similarity.set(r.key, 1 - (r.distance * r.distance) / 2);
    }
    const textRanked: Ranked[] = [];
    for (const r of textRows) if (accept(r.key)) textRanked.push({ key: r.key, rank: textRanked.length + 1 });

    const keys = new Set([...vectorRanked.map((r) => r.key), ...textRanked.map((r) => r.key)]);
    const getFields = this.stmt(`SELECT fields_json FROM ${this.t}_docs WHERE key = ?`);
    const evidence = new Map<string, FieldEvidence>();
    const status = new Map<string, string>();
    if (mode === 'fused' || mode === 'rrf') {
      for (const key of keys) {
        const described = options.describe?.(key);
        if (described?.status) status.set(key, described.status);
        const fields = { ...(JSON.parse((getFields.get(key) as { fields_json: string }).fields_json) as Record<string, string>), ...described?.fields };
        evidence.set(key, fieldEvidence(weighted, fields));
      }
    }
    const vRank = new Map(vectorRanked.map((r) => [r.key, r.rank]));
    const tRank = new Map(textRanked.map((r) => [r.key, r.rank]));
    let fused: FusedHit[];
    if (mode === 'fused') fused = fuse({ vector: vectorRanked, text: textRanked, evidence, similarity, status });
    else if (mode === 'rrf') fused = fuse({ vector: vectorRanked, text: textRanked, evidence: new Map(), similarity }, { vector: 1, text: 1, fields: 0 });
    else fused = (mode === 'vector' ? vectorRanked : textRanked).map((r) => ({ key: r.key, score: 1 / (60 + r.rank), parts: { vector: 0, text: 0, fields: 0 }, decidedBy: mode === 'vector' ? 'semantic' : 'keywords', statusFactor: 1 }));
    const hits = fused.slice(0, options.limit).map((h): SearchHit => {
      const ev = evidence.get(h.key);
      return {
        key: h.key, score: h.score,
        ...(vRank.has(h.key) && { vectorRank: vRank.get(h.key), similarity: similarity.get(h.key) }),
        ...(tRank.has(h.key) && { textRank: tRank.get(h.key) }),
        matchedFields: ev?.fields.map((f) => f.field) ?? [],
        decidedBy: h.decidedBy,
        reason: reason(h, ev, similarity.get(h.key), vRank.get(h.key), status.get(h.key)),
      };
    });
    const fuseMs = performance.now() - f0;
    return {
      hits, provider: this.embedder.provider, modelId: this.embedder.modelId,
      timings: { embedMs, embedCached: embedded?.cached ?? false, vectorMs, textMs, fuseMs, totalMs: performance.now() - started },
    };
  }
}
