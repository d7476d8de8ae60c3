// A reusable hybrid search index over one namespace of documents in the project database:
// sqlite-vec KNN over embeddings + FTS5 BM25 over named text fields, fused by reciprocal rank.
// The repository indexes policies with it; the tuning knowledge base indexes its tunables.
import * as sqliteVec from 'sqlite-vec';
import type { Db, Migration } from '../../db/index.js';
import { migrate } from '../../db/index.js';
import { SchedcpError, quote } from '../../errors.js';
import type { Embedder } from './embedder.js';
import { explain, ftsExpression, matchedFields, queryTerms, reciprocalRankFusion, type Ranked } from './text.js';

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
}

export interface SearchResult {
  hits: SearchHit[];
  provider: Embedder['provider'];
  modelId: string;
  timings: { embedMs: number; vectorMs: number; textMs: number; totalMs: number };
}

const loaded = new WeakSet<Db>();

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
  }];
}

export class HybridIndex {
  private readonly t: string;

  private constructor(private readonly db: Db, readonly namespace: string, readonly fields: readonly IndexField[], readonly embedder: Embedder) {
    this.t = `search_${namespace}`;
  }

  /** Opens (creating on first use) the namespace's tables; re-embeds every document when the model changed. */
  static async open(db: Db, options: { namespace: string; fields: readonly IndexField[]; embedder: Embedder }): Promise<HybridIndex> {
    if (!/^[a-z][a-z0-9_]{0,31}$/.test(options.namespace)) {
      throw new SchedcpError('invalid_argument', `Search namespace ${quote(options.namespace)} must be 1-32 chars of a-z, 0-9, _ starting with a letter.`);
    }
    for (const f of options.fields) {
      if (!/^[a-z][a-z0-9_]{0,31}$/.test(f.name)) throw new SchedcpError('invalid_argument', `Search field ${quote(f.name)} must be a-z, 0-9, _.`);
    }
    loadVec(db);
    migrate(db, hybridIndexMigrations(options.namespace, options.fields));
    const index = new HybridIndex(db, options.namespace, options.fields, options.embedder);
    await index.ensureModel();
    return index;
  }

  private storedModel(): { model_id: string; dimension: number } | undefined {
    return this.db.prepare(`SELECT model_id, dimension FROM ${this.t}_model WHERE id = 1`).get() as { model_id: string; dimension: number } | undefined;
  }

  private async ensureModel(): Promise<void> {
    const stored = this.storedModel();
    const { modelId, dimension, provider } = this.embedder;
    if (stored && stored.model_id === modelId && stored.dimension === dimension) return;
    const docs = this.db.prepare(`SELECT id, embed_text FROM ${this.t}_docs ORDER BY id`).all() as Array<{ id: number; embed_text: string }>;
    const vectors = docs.length ? await this.embedder.embed(docs.map((d) => d.embed_text)) : [];
    this.db.transaction(() => {
      this.db.exec(`DROP TABLE IF EXISTS ${this.t}_vec`);
      this.db.exec(`CREATE VIRTUAL TABLE ${this.t}_vec USING vec0(embedding float[${dimension}])`);
      const insert = this.db.prepare(`INSERT INTO ${this.t}_vec (rowid, embedding) VALUES (?, ?)`);
      docs.forEach((d, i) => insert.run(BigInt(d.id), vectors[i]!));
      this.db.prepare(`INSERT INTO ${this.t}_model (id, model_id, dimension, provider) VALUES (1, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET model_id = excluded.model_id, dimension = excluded.dimension, provider = excluded.provider`).run(modelId, dimension, provider);
    })();
  }

  /** The model id and dimension the stored vectors were made with. */
  model(): { modelId: string; dimension: number } {
    const m = this.storedModel()!;
    return { modelId: m.model_id, dimension: m.dimension };
  }

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
    const deleteVec = this.db.prepare(`DELETE FROM ${this.t}_vec WHERE rowid = ?`);
    const insertVec = this.db.prepare(`INSERT INTO ${this.t}_vec (rowid, embedding) VALUES (?, ?)`);
    this.db.transaction(() => {
      docs.forEach((doc, i) => {
        const fieldsJson = JSON.stringify(doc.fields);
        const existing = findId.get(doc.key) as { id: number } | undefined;
        let id: number;
        if (existing) {
          id = existing.id;
          updateDoc.run(fieldsJson, doc.embedText, id);
          deleteFts.run(id);
          deleteVec.run(BigInt(id));
        } else {
          id = Number(insertDoc.run(doc.key, fieldsJson, doc.embedText).lastInsertRowid);
        }
        insertFts.run(id, ...names.map((n) => doc.fields[n] ?? ''));
        insertVec.run(BigInt(id), vecs[i]!);
      });
    }).immediate();
  }

  remove(key: string): boolean {
    const row = this.db.prepare(`SELECT id FROM ${this.t}_docs WHERE key = ?`).get(key) as { id: number } | undefined;
    if (!row) return false;
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM ${this.t}_fts WHERE rowid = ?`).run(row.id);
      this.db.prepare(`DELETE FROM ${this.t}_vec WHERE rowid = ?`).run(BigInt(row.id));
      this.db.prepare(`DELETE FROM ${this.t}_docs WHERE id = ?`).run(row.id);
    })();
    return true;
  }

  /** Exact k nearest documents (sqlite-vec brute-force L2 over unit vectors = cosine order). */
  nearest(queryVector: Float32Array, k: number): Array<{ id: number; distance: number; key: string }> {
    return this.db.prepare(`SELECT v.rowid AS id, v.distance AS distance, d.key AS key FROM ${this.t}_vec v JOIN ${this.t}_docs d ON d.id = v.rowid
      WHERE v.embedding MATCH ? AND k = ? ORDER BY v.distance`).all(queryVector, k) as Array<{ id: number; distance: number; key: string }>;
  }

  async search(query: string, options: SearchOptions): Promise<SearchResult> {
    const started = performance.now();
    const candidates = options.candidates ?? Math.max(50, options.limit * 10);
    const queryVector = options.queryVector ?? (await this.embedder.embed([query]))[0]!;
    const embedMs = performance.now() - started;

    const v0 = performance.now();
    const vecRows = this.nearest(queryVector, candidates);
    const vectorMs = performance.now() - v0;

    const t0 = performance.now();
    const terms = queryTerms(query);
    const expr = ftsExpression(terms);
    const weights = this.fields.map((f) => f.weight).join(', ');
    const textRows = expr === undefined ? [] : this.db.prepare(`SELECT d.key AS key FROM ${this.t}_fts f JOIN ${this.t}_docs d ON d.id = f.rowid
      WHERE ${this.t}_fts MATCH ? ORDER BY bm25(${this.t}_fts, ${weights}) LIMIT ?`).all(expr, candidates) as Array<{ key: string }>;
    const textMs = performance.now() - t0;

    const accept = options.filter ?? (() => true);
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
    const fused = [...reciprocalRankFusion([vectorRanked, textRanked])].sort((a, b) => b[1] - a[1]).slice(0, options.limit);

    const vRank = new Map(vectorRanked.map((r) => [r.key, r.rank]));
    const tRank = new Map(textRanked.map((r) => [r.key, r.rank]));
    const getFields = this.db.prepare(`SELECT fields_json FROM ${this.t}_docs WHERE key = ?`);
    const hits = fused.map(([key, score]): SearchHit => {
      const fields = tRank.has(key) ? matchedFields(terms, JSON.parse((getFields.get(key) as { fields_json: string }).fields_json) as Record<string, string>) : [];
      return {
        key, score,
        ...(vRank.has(key) && { vectorRank: vRank.get(key), similarity: similarity.get(key) }),
        ...(tRank.has(key) && { textRank: tRank.get(key) }),
        matchedFields: fields.map((f) => f.field),
        reason: explain(similarity.get(key), vRank.get(key), fields),
      };
    });
    return {
      hits, provider: this.embedder.provider, modelId: this.embedder.modelId,
      timings: { embedMs, vectorMs, textMs, totalMs: performance.now() - started },
    };
  }
}
