// A reusable hybrid search index over one namespace of documents in the project database:
// sqlite-vec KNN over embeddings + FTS5 BM25 over named text fields, fused by reciprocal rank.
// The repository indexes policies with it; the tuning knowledge base indexes its tunables.
import * as sqliteVec from 'sqlite-vec';
import type { Db, Migration } from '../../db/index.js';
import { migrate, prepared } from '../../db/index.js';
import { SchedcpError, quote } from '../../errors.js';
import type { Embedder } from './embedder.js';
import { expandTerms, fieldEvidence, fuse, reason, type FieldEvidence, type FusedHit } from './rank.js';
import { ftsExpression, queryTerms, type Ranked } from './text.js';
import { IVF_MIN_DOCS, VectorStore } from './vectors.js';

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
 * Vector layout 5: exact float vectors in a plain table + per IVF cell one row of packed int8 codes,
 * scanned in memory (layouts 3 and 4 kept the int8 copy in a sqlite-vec vec0 index; they are rebuilt
 * from the exact vectors, without re-embedding).
 */
const LAYOUT = 5;
export { IVF_MIN_DOCS, quantizeInt8 } from './vectors.js';

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
  private readonly queryCache = new Map<string, Float32Array>();
  private readonly vectors: VectorStore;

  private constructor(private readonly db: Db, readonly namespace: string, readonly fields: readonly IndexField[], readonly embedder: Embedder, partitionFrom: number) {
    this.t = `search_${namespace}`;
    this.vectors = new VectorStore(db, this.t, partitionFrom, embedder.dimension);
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
    if (stored && stored.model_id === modelId && stored.dimension === dimension) {
      if (stored.layout === LAYOUT) return;
      if (stored.layout === 3 || stored.layout === 4) { // same vectors, older int8 index: rebuild it from the exact vectors
        this.db.transaction(() => {
          this.vectors.rebuildCells();
          this.db.prepare(`UPDATE ${this.t}_model SET layout = ? WHERE id = 1`).run(LAYOUT);
        }).immediate();
        return;
      }
    }
    const docs = this.db.prepare(`SELECT id, embed_text FROM ${this.t}_docs ORDER BY id`).all() as Array<{ id: number; embed_text: string }>;
    const vectors = docs.length ? await this.embedder.embed(docs.map((d) => d.embed_text)) : [];
    this.db.transaction(() => {
      this.vectors.reset(dimension);
      const write = this.vectors.writer();
      docs.forEach((d, i) => write.put(d.id, vectors[i]!));
      write.flush();
      this.db.prepare(`INSERT INTO ${this.t}_model (id, model_id, dimension, provider, layout) VALUES (1, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET model_id = excluded.model_id, dimension = excluded.dimension, provider = excluded.provider, layout = excluded.layout, trained_docs = 0`).run(modelId, dimension, provider, LAYOUT);
    }).immediate();
    this.vectors.maybePartition(this.count());
  }

  /** The model id and dimension the stored vectors were made with. */
  model(): { modelId: string; dimension: number } {
    const m = this.storedModel()!;
    return { modelId: m.model_id, dimension: m.dimension };
  }

  /** IVF cells in use (0: one unpartitioned scan). */
  partitions(): number { return this.vectors.cells().length; }

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
    const writeVector = this.vectors.writer();
    const write = this.db.transaction(() => {
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
        writeVector.put(id, vecs[i]!);
      });
      writeVector.flush();
    });
    // The in-memory cells changed with the rows; if the rows rolled back, reload the cells from them.
    try { write.immediate(); } catch (error) { this.vectors.invalidate(); throw error; }
    this.vectors.maybePartition(this.count());
  }

  remove(key: string): boolean {
    const row = this.db.prepare(`SELECT id FROM ${this.t}_docs WHERE key = ?`).get(key) as { id: number } | undefined;
    if (!row) return false;
    try {
      this.db.transaction(() => {
        this.db.prepare(`DELETE FROM ${this.t}_fts WHERE rowid = ?`).run(row.id);
        this.vectors.remove(row.id);
        this.db.prepare(`DELETE FROM ${this.t}_docs WHERE id = ?`).run(row.id);
      })();
    } catch (error) { this.vectors.invalidate(); throw error; }
    return true;
  }

  /** k nearest document ids by cosine (int8 KNN + exact re-rank); the benchmark checks it against an exact scan. */
  nearest(queryVector: Float32Array, k: number): Array<{ id: number; distance: number }> {
    return this.vectors.nearest(queryVector, k);
  }

  private stmt(sql: string): Statement { return prepared(this.db, sql) as unknown as Statement; }

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
    const vecRows = embedded ? this.vectors.nearest(embedded.vector, candidates) : [];
    const vectorMs = performance.now() - v0;

    const t0 = performance.now();
    const terms = queryTerms(query);
    const weighted = mode === 'fused' ? expandTerms(query, terms) : terms.map((term) => ({ term, weight: 1, expanded: false }));
    const expr = ftsExpression(weighted.map((w) => w.term));
    // Row ids only: joining the documents here made SQLite look up every match before the sort.
    const textIds = expr === undefined || mode === 'vector' ? [] : (this.stmt(`SELECT rowid AS id FROM ${this.t}_fts
      WHERE ${this.t}_fts MATCH ? ORDER BY bm25(${this.t}_fts, ${this.fields.map((f) => f.weight).join(', ')}) LIMIT ?`).all(expr, candidates) as Array<{ id: number }>).map((r) => r.id);
    const textMs = performance.now() - t0;

    const f0 = performance.now();
    // One read of key (and stored fields, when the ranking weighs them) for every candidate of both lists.
    const withFields = mode === 'fused' || mode === 'rrf';
    const ids = [...new Set([...vecRows.map((r) => r.id), ...textIds])];
    const docs = new Map((ids.length === 0 ? [] : this.stmt(`SELECT id, key${withFields ? ', fields_json' : ''} FROM ${this.t}_docs WHERE id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(ids)) as Array<{ id: number; key: string; fields_json?: string }>).map((d) => [d.id, d] as const));
    // The caller's filter (a store lookup, and with minScore a bootstrap per workload) runs once per key.
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
      const key = docs.get(r.id)?.key;
      if (key === undefined || !accept(key)) continue;
      vectorRanked.push({ key, rank: vectorRanked.length + 1 });
      // Vectors are unit length, so L2 order equals cosine order (L2 is the faster kernel): cos = 1 - d²/2.
      similarity.set(key, 1 - (r.distance * r.distance) / 2);
    }
    const textRanked: Ranked[] = [];
    for (const id of textIds) {
      const key = docs.get(id)?.key;
      if (key !== undefined && accept(key)) textRanked.push({ key, rank: textRanked.length + 1 });
    }

    const evidence = new Map<string, FieldEvidence>();
    const status = new Map<string, string>();
    if (withFields) {
      for (const d of docs.values()) {
        if (!verdicts.get(d.key) && options.filter) continue;
        const described = options.describe?.(d.key);
        if (described?.status) status.set(d.key, described.status);
        const fields = { ...(JSON.parse(d.fields_json!) as Record<string, string>), ...described?.fields };
        evidence.set(d.key, fieldEvidence(weighted, fields));
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
