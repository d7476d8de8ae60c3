// In-memory int8 copies of the vectors of one IVF cell, scanned by a small WebAssembly SIMD kernel
// (squared L2 over int8, 16 lanes at a time): ~25x a plain JS loop and ~20x sqlite-vec's int8 KNN
// per vector on this machine. Pure: the caller persists a cell's ids and codes (see vectors.ts).

const leb = (n: number): number[] => { const out: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
const name = (s: string) => [...leb(s.length), ...Buffer.from(s)];
const simd = (op: number) => [0xfd, ...leb(op)];
const get = (i: number) => [0x20, i], set = (i: number) => [0x21, i], tee = (i: number) => [0x22, i], i32 = (v: number) => [0x41, ...leb(v)];
const I32 = 0x7f, V128 = 0x7b;
const EXTEND_LOW = 0x87, EXTEND_HIGH = 0x88, I16_SUB = 0x91, DOT = 0xba, I32_ADD = 0xae, LANE = 0x1b, LOAD = 0x00, CONST = 0x0c;
/** Half of a 16-byte step: widen the bytes of a and b to i16, subtract, square and pair-add into acc. */
const half = (extend: number) => [...get(9), ...simd(extend), ...get(10), ...simd(extend), ...simd(I16_SUB), ...tee(11), ...get(11), ...simd(DOT), ...get(8), ...simd(I32_ADD), ...set(8)];
/**
 * l2(q, stride, base, n, out): out[i] = Σ_d (code_i[d] - q[d])² for the n codes of `stride` bytes
 * (a multiple of 16) from `base`. Params 0-4; locals 5 i, 6 p, 7 j (i32), 8 acc, 9 a, 10 b, 11 d (v128).
 */
const L2_BODY = [2, 3, I32, 4, V128,
  ...get(2), ...set(6), ...i32(0), ...set(5),
  0x02, 0x40, 0x03, 0x40, ...get(5), ...get(3), 0x4e, 0x0d, 1, // while i < n
  ...simd(CONST), ...new Array<number>(16).fill(0), ...set(8), ...i32(0), ...set(7),
  0x02, 0x40, 0x03, 0x40, ...get(7), ...get(1), 0x4e, 0x0d, 1, // while j < stride
  ...get(6), ...get(7), 0x6a, ...simd(LOAD), 0, 0, ...set(9), ...get(0), ...get(7), 0x6a, ...simd(LOAD), 0, 0, ...set(10),
  ...half(EXTEND_LOW), ...half(EXTEND_HIGH),
  ...get(7), ...i32(16), 0x6a, ...set(7), 0x0c, 0, 0x0b, 0x0b,
  ...get(4), ...get(5), ...i32(2), 0x74, 0x6a, // &out[i]
  ...get(8), ...simd(LANE), 0, ...get(8), ...simd(LANE), 1, 0x6a, ...get(8), ...simd(LANE), 2, 0x6a, ...get(8), ...simd(LANE), 3, 0x6a,
  0x36, 2, 0, ...get(6), ...get(1), 0x6a, ...set(6), ...get(5), ...i32(1), 0x6a, ...set(5), 0x0c, 0, 0x0b, 0x0b, 0x0b];
const MODULE_BYTES = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
  ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]), ...section(3, [1, 0]), ...section(5, [1, 0, 1]),
  ...section(7, [2, ...name('l2'), 0, 0, ...name('mem'), 2, 0]), ...section(10, [1, ...leb(L2_BODY.length), ...L2_BODY])]);
// The project's TypeScript lib has no WebAssembly declarations: the little used here, typed locally.
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
// Node 20 has WebAssembly SIMD; the JS loop keeps the index working where it has not.
const MODULE = wasm.validate(MODULE_BYTES) ? new wasm.Module(MODULE_BYTES) : undefined;
export const SIMD_KERNEL = MODULE !== undefined;

/** Bytes per stored code: the dimension rounded up to the kernel's 16 (the padding is zero). */
export const codeStride = (dimension: number) => Math.ceil(dimension / 16) * 16;
const PAGE = 65536;

/**
 * One cell's codes in its own WebAssembly memory, laid out [query | codes (capacity) | distances].
 * Removal moves the last code into the hole, so ids are unordered.
 */
export class Int8Cell {
  private memory: WasmMemory;
  private readonly l2: ((q: number, stride: number, base: number, n: number, out: number) => void) | undefined;
  private capacity: number;
  ids: Int32Array;
  size = 0;

  constructor(readonly stride: number, capacity = 16) {
    this.capacity = Math.max(1, capacity);
    if (MODULE) {
      const instance = new wasm.Instance(MODULE);
      this.memory = instance.exports.mem as WasmMemory;
      this.l2 = instance.exports.l2 as Int8Cell['l2'];
    } else {
      this.memory = new wasm.Memory({ initial: 1 });
    }
    this.ids = new Int32Array(this.capacity);
    this.reserve(this.capacity);
  }

  /** A cell from persisted ids (int32, host order) and codes (`stride` bytes each). */
  static from(stride: number, ids: Uint8Array, codes: Uint8Array): Int8Cell {
    const n = ids.byteLength / 4;
    if (!Number.isInteger(n) || codes.byteLength !== n * stride) throw new Error(`cell data of ${ids.byteLength} id bytes and ${codes.byteLength} code bytes does not fit a stride of ${stride}`);
    const cell = new Int8Cell(stride, n);
    new Uint8Array(cell.ids.buffer).set(ids);
    new Uint8Array(cell.memory.buffer, stride, codes.byteLength).set(codes);
    cell.size = n;
    return cell;
  }

  private reserve(capacity: number): void {
    const bytes = this.stride * (1 + capacity) + 4 * capacity;
    const pages = Math.ceil(bytes / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    if (capacity > this.ids.length) { const ids = new Int32Array(capacity); ids.set(this.ids.subarray(0, this.size)); this.ids = ids; }
    this.capacity = capacity;
  }

  add(id: number, code: Int8Array): void {
    if (this.size === this.capacity) this.reserve(this.capacity * 2);
    const at = this.stride * (1 + this.size);
    const bytes = new Int8Array(this.memory.buffer, at, this.stride);
    bytes.set(code);
    bytes.fill(0, code.length);
    this.ids[this.size++] = id;
  }

  /** Remove an id; false when the cell does not hold it. */
  remove(id: number): boolean {
    const slot = this.ids.subarray(0, this.size).indexOf(id);
    if (slot < 0) return false;
    const last = --this.size;
    if (slot !== last) {
      new Uint8Array(this.memory.buffer).copyWithin(this.stride * (1 + slot), this.stride * (1 + last), this.stride * (2 + last));
      this.ids[slot] = this.ids[last]!;
    }
    return true;
  }

  /** The codes of ids[0..size) as stored (for persisting). */
  codes(): Uint8Array { return new Uint8Array(this.memory.buffer, this.stride, this.size * this.stride); }
  idBytes(): Uint8Array { return new Uint8Array(this.ids.buffer, 0, this.size * 4); }

  /** Squared int8 L2 from `query` to every code, aligned with `ids`; valid until the next call. */
  distances(query: Int8Array): Int32Array {
    const buffer = this.memory.buffer;
    const q = new Int8Array(buffer, 0, this.stride);
    q.set(query);
    q.fill(0, query.length);
    const out = this.stride * (1 + this.capacity);
    if (this.l2) {
      this.l2(0, this.stride, this.stride, this.size, out);
      return new Int32Array(buffer, out, this.size);
    }
    const codes = new Int8Array(buffer, this.stride, this.size * this.stride);
    const dist = new Int32Array(buffer, out, this.size);
    for (let i = 0, o = 0; i < this.size; i++, o += this.stride) {
      let s = 0;
      for (let d = 0; d < query.length; d++) { const x = codes[o + d]! - q[d]!; s += x * x; }
      dist[i] = s;
    }
    return dist;
  }
}
