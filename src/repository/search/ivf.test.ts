// Pure IVF helpers: cell ranking against a brute-force sort and the adaptive probe count.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../stats/index.js';
import { normalize } from './embedder.js';
import { dot, nearestCentroids, probeCount, rankCells } from './ivf.js';

const unit = (rand: () => number, dim: number) => normalize(Float32Array.from({ length: dim }, () => rand() - 0.5));

describe('rankCells', () => {
  it('orders every cell by similarity to the query, nearest first', () => {
    const rand = seededRandom(7);
    const cells = Array.from({ length: 50 }, () => unit(rand, 32));
    for (let i = 0; i < 20; i++) {
      const q = unit(rand, 32);
      const { order, similarity } = rankCells(cells, q);
      const brute = cells.map((c, j) => [j, dot(c, q)] as const).sort((a, b) => b[1] - a[1]);
      expect(Array.from(order)).toEqual(brute.map(([j]) => j));
      expect(similarity[0]).toBeCloseTo(brute[0]![1], 10);
      expect(nearestCentroids(cells, q, 3)).toEqual(brute.slice(0, 3).map(([j]) => j));
    }
  });
});

describe('probeCount', () => {
  const rule = { min: 2, max: 6, margin: 0.04 };
  it('probes the minimum when one cluster is clearly nearest', () => {
    expect(probeCount([0.9, 0.7, 0.69, 0.5], rule)).toBe(2);
  });
  it('adds every cell within the margin of the nearest, up to the maximum', () => {
    expect(probeCount([0.8, 0.79, 0.77, 0.765, 0.7], rule)).toBe(4);
    expect(probeCount(Array.from({ length: 40 }, () => 0.5), rule)).toBe(6);
  });
  it('never probes more cells than exist', () => {
    expect(probeCount([0.3], rule)).toBe(1);
    expect(probeCount([], rule)).toBe(0);
  });
});
