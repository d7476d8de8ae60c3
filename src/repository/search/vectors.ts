// The vector side of a hybrid index: exact float vectors in a plain table and an int8 copy in a
// sqlite-vec vec0 index whose partition key is the vector's IVF cell (0 until the index is large
// enough to partition). KNN scans the int8 copy of the probed cells and re-ranks exactly.
import type { Db } from '../../db/index.js';
import { assign, kmeans, probeCount, rankCells, type ProbeRule } from './ivf.js';

/** From this many documents the int8 index is partitioned (k-means cells; a query scans the nearest few). */
export const IVF_MIN_DOCS = 5_000;
const IVF_SAMPLE = 8192;
// Each probed cell is one KNN statement with a fixed cost, so cells are few and large (√n / 2).
const ivfCells = (docs: number) => Math.max(32, Math.min(256, Math.round(Math.sqrt(docs) / 2)));
/**
 * Cells probed: the nearest 2, plus every cell within 0.04 cosine of the nearest, up to
 * max(6, cells/32) (the former fixed count). On the bench's 40-topic set this probes 2.35 cells on
 * average at 10k (recall@10 1.0 vs exact; a fixed 2 gave 0.98) and 4.0 at 100k (0.998; fixed 3: 0.97).
 */
export const probeRule = (cells: number): ProbeRule => ({ min: 2, max: Math.max(6, Math.ceil(cells / 32)), margin: 0.04 });
/** Extra int8 candidates re-ranked exactly (int8 scans are ~2.5x faster than float; k is costly). */
const RERANK_EXTRA = 10;
// vec0 reads and scans whole chunks (default 1024 slots): a KNN over a ~200-vector cell read
// 512 KiB. Chunks sized to the average cell (power of two, 64-1024) halved the per-cell cost at
// 10k documents; at 100k (~600 per cell) 1024 stays best (bench, 256 vs 512 vs 1024).
const chunkSize = (docs: number, cells: number) => Math.min(1024, Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, docs / Math.max(1, cells))))));
// Unpartitioned indexes are small (the library, the tunables); one chunk of 1024 would still be read whole.
const SMALL_CHUNK = 256;

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

export const blob = (a: Float32Array | Int8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const toVec = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

interface Statement { all(...params: unknown[]): unknown[] }

export class VectorStore {
  /** IVF cell centroids (empty: not partitioned); loaded once, replaced when retrained. */
  private centroids: Float32Array[] | undefined;
  private knnFlat: Statement | undefined;
  private knnCells: Statement | undefined;
  private rerank: Statement | undefined;

  constructor(private readonly db: Db, private readonly t: string, private readonly partitionFrom: number) {}

  /** Drop and create the vector tables for `dimension` (the caller re-inserts every vector). */
  reset(dimension: number): void {
    this.db.exec(`DROP TABLE IF EXISTS ${this.t}_vec; DROP TABLE IF EXISTS ${this.t}_q8; DELETE FROM ${this.t}_centroids;
      CREATE TABLE ${this.t}_vec (id INTEGER PRIMARY KEY, embedding BLOB NOT NULL);
      ${this.q8Sql(dimension, SMALL_CHUNK)}`);
    this.centroids = [];
    this.forgetStatements();
  }

  private q8Sql(dimension: number, chunk: number): string {
    return `CREATE VIRTUAL TABLE ${this.t}_q8 USING vec0(part integer partition key, q int8[${dimension}], chunk_size=${chunk});`;
  }

  private forgetStatements(): void { this.knnFlat = this.knnCells = this.rerank = undefined; }

  private prepare(sql: string): Statement { return this.db.prepare(sql) as unknown as Statement; }

  /** Rebuild the int8 index from the exact vectors (new layout or new cells); no re-embedding. */
  rebuildQuantized(dimension: number, docs: number): void {
    const cells = this.cells();
    this.db.exec(`DROP TABLE IF EXISTS ${this.t}_q8; ${this.q8Sql(dimension, cells.length ? chunkSize(docs, cells.length) : SMALL_CHUNK)}`);
    this.forgetStatements();
    const put = this.db.prepare(`INSERT INTO ${this.t}_q8 (rowid, part, q) VALUES (?, ?, vec_int8(?))`);
    // Paged, not iterated: better-sqlite3 cannot write while a read on the connection is open.
    const page = this.db.prepare(`SELECT id, embedding FROM ${this.t}_vec WHERE id > ? ORDER BY id LIMIT 2000`);
    for (let after = 0; ;) {
      const rows = page.all(after) as Array<{ id: number; embedding: Buffer }>;
      if (rows.length === 0) break;
      for (const r of rows) { const v = toVec(r.embedding); put.run(BigInt(r.id), BigInt(cells.length ? assign(cells, v) : 0), blob(quantizeInt8(v))); }
      after = rows[rows.length - 1]!.id;
    }
  }

  cells(): Float32Array[] {
    this.centroids ??= (this.db.prepare(`SELECT centroid FROM ${this.t}_centroids ORDER BY id`).all() as Array<{ centroid: Buffer }>).map((r) => toVec(r.centroid));
    return this.centroids;
  }

  /** Partition (or re-partition, each time the index doubled) once it holds `partitionFrom` documents. */
  maybePartition(docs: number, dimension: number): void {
    const trained = (this.db.prepare(`SELECT trained_docs AS t FROM ${this.t}_model WHERE id = 1`).get() as { t: number } | undefined)?.t ?? 0;
    if (docs < this.partitionFrom || (trained > 0 && docs < 2 * trained)) return;
    const step = Math.max(1, Math.floor(docs / IVF_SAMPLE));
    const sample = (this.db.prepare(`SELECT embedding FROM ${this.t}_vec WHERE id % ? = 0 LIMIT ?`).all(step, IVF_SAMPLE) as Array<{ embedding: Buffer }>).map((r) => toVec(r.embedding));
    if (sample.length < 64) return;
    const centroids = kmeans(sample, Math.min(ivfCells(docs), sample.length));
    this.db.transaction(() => {
      this.db.exec(`DELETE FROM ${this.t}_centroids`);
      const ins = this.db.prepare(`INSERT INTO ${this.t}_centroids (id, centroid) VALUES (?, ?)`);
      centroids.forEach((c, i) => ins.run(i, blob(c)));
      this.centroids = centroids;
      this.rebuildQuantized(dimension, docs);
      this.db.prepare(`UPDATE ${this.t}_model SET trained_docs = ? WHERE id = 1`).run(docs);
    }).immediate();
  }

  /** Insert or replace one document's exact vector and its int8 copy. */
  writer(): (id: number, v: Float32Array) => void {
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

  remove(id: number): void {
    this.db.prepare(`DELETE FROM ${this.t}_vec WHERE id = ?`).run(id);
    this.db.prepare(`DELETE FROM ${this.t}_q8 WHERE rowid = ?`).run(BigInt(id));
  }

  /**
   * k nearest document ids by cosine (L2 on unit vectors): an int8 KNN scan in sqlite-vec picks
   * k + RERANK_EXTRA candidates, which are re-ranked on the exact float vectors.
   */
  nearest(queryVector: Float32Array, k: number): Array<{ id: number; distance: number }> {
    const q = blob(quantizeInt8(queryVector));
    const cells = this.cells();
    let ids: number[];
    if (cells.length === 0) {
      this.knnFlat ??= this.prepare(`SELECT rowid AS id FROM ${this.t}_q8 WHERE q MATCH vec_int8(?) AND k = ?`);
      ids = (this.knnFlat.all(q, k + RERANK_EXTRA) as Array<{ id: number }>).map((r) => r.id);
    } else {
      // IVF: k + extra nearest int8 vectors in each probed cell (one KNN per cell), merged by int8 distance.
      const { order, similarity } = rankCells(cells, queryVector);
      const want = k + RERANK_EXTRA;
      this.knnCells ??= this.prepare(`SELECT rowid AS id, distance FROM ${this.t}_q8 WHERE q MATCH vec_int8(?) AND k = ? AND part IN (SELECT value FROM json_each(?))`);
      const rule = probeRule(cells.length);
      const rows: Array<{ id: number; distance: number }> = [];
      // The nearest cells may hold fewer than k + extra vectors (documents removed): the query is in a
      // sparse region whose neighbours are spread out, so the next batches are the maximum.
      for (let probed = 0; rows.length < want && probed < order.length;) {
        const batch = order.subarray(probed, probed += probed === 0 ? probeCount(similarity, rule) : rule.max);
        rows.push(...this.knnCells.all(q, want, JSON.stringify(Array.from(batch))) as Array<{ id: number; distance: number }>);
      }
      ids = rows.sort((a, b) => a.distance - b.distance).slice(0, want).map((r) => r.id);
    }
    this.rerank ??= this.prepare(`SELECT id, vec_distance_l2(embedding, ?) AS distance FROM ${this.t}_vec
      WHERE id IN (SELECT value FROM json_each(?)) ORDER BY distance LIMIT ?`);
    return this.rerank.all(blob(queryVector), JSON.stringify(ids), k) as Array<{ id: number; distance: number }>;
  }
}
