// The in-memory int8 cell: the SIMD kernel's distances against a plain loop, and add/remove/reload.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../stats/index.js';
import { Int8Cell, SIMD_KERNEL, codeStride } from './int8-cells.js';

const code = (rand: () => number, dim: number) => Int8Array.from({ length: dim }, () => Math.round(rand() * 254 - 127));
const l2 = (a: Int8Array, b: Int8Array) => a.reduce((s, x, d) => s + (x - b[d]!) ** 2, 0);

describe('Int8Cell', () => {
  it('runs the SIMD kernel on Node 20', () => { expect(SIMD_KERNEL).toBe(true); });

  it('computes exact squared int8 L2 for dimensions that are and are not multiples of 16, across growth', () => {
    const rand = seededRandom(5);
    for (const dim of [16, 50, 512]) {
      const cell = new Int8Cell(codeStride(dim), 2);
      const codes = Array.from({ length: 300 }, () => code(rand, dim));
      codes.forEach((c, i) => cell.add(1000 + i, c));
      const q = code(rand, dim);
      const d = cell.distances(q);
      expect(d.length).toBe(300);
      codes.forEach((c, i) => { expect(cell.ids[i]).toBe(1000 + i); expect(d[i]).toBe(l2(c, q)); });
    }
  });

  it('removes by id (the last code fills the hole) and reloads from its persisted bytes', () => {
    const rand = seededRandom(6);
    const dim = 40;
    const cell = new Int8Cell(codeStride(dim));
    const codes = new Map<number, Int8Array>();
    for (let i = 1; i <= 50; i++) { const c = code(rand, dim); codes.set(i, c); cell.add(i, c); }
    for (const id of [1, 50, 25, 7]) { expect(cell.remove(id)).toBe(true); codes.delete(id); }
    expect(cell.remove(7)).toBe(false);
    const again = Int8Cell.from(codeStride(dim), Uint8Array.from(cell.idBytes()), Uint8Array.from(cell.codes()));
    const q = code(rand, dim);
    for (const c of [cell, again]) {
      const d = c.distances(q);
      expect(new Set(c.ids.subarray(0, c.size))).toEqual(new Set(codes.keys()));
      c.ids.subarray(0, c.size).forEach((id, i) => expect(d[i]).toBe(l2(codes.get(id)!, q)));
    }
    expect(() => Int8Cell.from(codeStride(dim), new Uint8Array(8), new Uint8Array(10))).toThrow(/stride of 48/);
  });
});
