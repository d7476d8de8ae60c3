// Pure helpers for the inverted-file (IVF) partitioning of large indexes: spherical k-means over unit
// vectors (dot product = cosine) and the nearest centroids of a query. The index stores each
// vector's partition in a sqlite-vec partition key, so a query scans only the probed partitions.

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function normalized(v: Float32Array): Float32Array {
  const n = Math.sqrt(dot(v, v));
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

/** Index of the centroid with the largest dot product. */
export function assign(centroids: readonly Float32Array[], v: Float32Array): number {
  let best = 0, bestDot = -Infinity;
  for (let c = 0; c < centroids.length; c++) { const d = dot(centroids[c]!, v); if (d > bestDot) { bestDot = d; best = c; } }
  return best;
}

/** The n centroids closest to q, best first. */
export function nearestCentroids(centroids: readonly Float32Array[], q: Float32Array, n: number): number[] {
  return Array.from(rankCells(centroids, q).order.subarray(0, n));
}

/** Every cell by similarity to q, nearest first (typed arrays: this runs once per query). */
export function rankCells(centroids: readonly Float32Array[], q: Float32Array): { order: Int32Array; similarity: Float64Array } {
  const sims = new Float64Array(centroids.length);
  for (let c = 0; c < centroids.length; c++) sims[c] = dot(centroids[c]!, q);
  return rankBySimilarity(sims);
}

/** Cell indexes by descending similarity (ties by index) and the similarities in that order. */
export function rankBySimilarity(sims: Float64Array): { order: Int32Array; similarity: Float64Array } {
  const order = new Int32Array(sims.length);
  for (let c = 0; c < order.length; c++) order[c] = c;
  order.sort((a, b) => sims[b]! - sims[a]! || a - b);
  const similarity = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) similarity[i] = sims[order[i]!]!;
  return { order, similarity };
}

export interface ProbeRule { min: number; max: number; /** Cosine below the nearest centroid's that still counts as close. */ margin: number }

/**
 * How many of the ranked cells to scan: at least `min`, and every cell whose centroid is within
 * `margin` of the nearest one (up to `max`). A query inside one cluster scans few cells; a query
 * between clusters, or data without clear clusters, scans up to `max`.
 */
export function probeCount(similarity: ArrayLike<number>, rule: ProbeRule): number {
  const max = Math.min(rule.max, similarity.length);
  let n = Math.min(rule.min, max);
  while (n < max && similarity[n]! >= similarity[0]! - rule.margin) n++;
  return n;
}

/** Spherical k-means (seeded by evenly spaced samples; empty clusters re-seeded from the worst-fit vectors). */
export function kmeans(sample: readonly Float32Array[], k: number, iterations = 8): Float32Array[] {
  const dim = sample[0]!.length;
  const step = sample.length / k;
  let centroids: Float32Array[] = Array.from({ length: k }, (_, i) => Float32Array.from(sample[Math.floor(i * step)]!));
  for (let it = 0; it < iterations; it++) {
    const sums = Array.from({ length: k }, () => new Float32Array(dim));
    const counts = new Array<number>(k).fill(0);
    const fit: Array<[number, number]> = [];
    sample.forEach((v, i) => {
      const c = assign(centroids, v);
      counts[c]!++;
      const s = sums[c]!;
      for (let d = 0; d < dim; d++) s[d]! += v[d]!;
      fit.push([i, dot(centroids[c]!, v)]);
    });
    fit.sort((a, b) => a[1] - b[1]);
    let worst = 0;
    centroids = sums.map((s, c) => (counts[c]! > 0 ? normalized(s) : Float32Array.from(sample[fit[worst++ % fit.length]![0]]!)));
  }
  return centroids;
}
