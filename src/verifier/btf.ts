// Pure parser for the .BTF and .BTF.ext sections of a BPF object: just enough type information to
// name struct_ops members, size maps, and map instructions back to source lines.
export interface BtfMember { name: string; type: number; bitOffset: number }
export interface BtfType {
  id: number;
  kind: number;
  name: string;
  /** size for INT/STRUCT/UNION/ENUM/DATASEC, referenced type for PTR/TYPEDEF/CONST/VAR/... */
  sizeOrType: number;
  members?: BtfMember[];
  /** ARRAY */
  array?: { type: number; nelems: number };
  /** DATASEC entries */
  vars?: Array<{ type: number; offset: number; size: number }>;
}

export const BTF_KIND = { INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10, RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19 } as const;

export class Btf {
  constructor(readonly types: BtfType[], readonly strings: Buffer) {}

  get(id: number): BtfType | undefined { return this.types[id]; }

  findByName(kind: number, name: string): BtfType | undefined {
    return this.types.find((t) => t && t.kind === kind && t.name === name);
  }

  /** Follow typedef/const/volatile/restrict/type_tag/var to the underlying type. */
  resolve(id: number): BtfType | undefined {
    let t = this.types[id];
    for (let hops = 0; t && hops < 32; hops++) {
      if (![BTF_KIND.TYPEDEF, BTF_KIND.CONST, BTF_KIND.VOLATILE, BTF_KIND.RESTRICT, BTF_KIND.TYPE_TAG, BTF_KIND.VAR].includes(t.kind as 8)) return t;
      t = this.types[t.sizeOrType];
    }
    return t;
  }

  sizeOf(id: number): number {
    const t = this.resolve(id);
    if (!t) return 0;
    switch (t.kind) {
      case BTF_KIND.PTR: return 8;
      case BTF_KIND.ARRAY: return (t.array?.nelems ?? 0) * this.sizeOf(t.array?.type ?? 0);
      case BTF_KIND.INT: case BTF_KIND.STRUCT: case BTF_KIND.UNION: case BTF_KIND.ENUM: case BTF_KIND.ENUM64: case BTF_KIND.FLOAT: case BTF_KIND.DATASEC:
        return t.sizeOrType;
      default: return 0;
    }
  }
}

function cString(buf: Buffer, offset: number): string {
  if (offset >= buf.length) return '';
  const end = buf.indexOf(0, offset);
  return buf.toString('latin1', offset, end < 0 ? buf.length : end);
}

export function parseBtf(section: Buffer): Btf {
  if (section.length < 24 || section.readUInt16LE(0) !== 0xeb9f) throw new Error('.BTF section has a bad magic number');
  const hdrLen = section.readUInt32LE(4);
  const typeOff = hdrLen + section.readUInt32LE(8);
  const typeLen = section.readUInt32LE(12);
  const strOff = hdrLen + section.readUInt32LE(16);
  const strLen = section.readUInt32LE(20);
  const strings = section.subarray(strOff, strOff + strLen);
  const types: BtfType[] = [undefined as unknown as BtfType];
  let p = typeOff;
  const end = typeOff + typeLen;
  while (p + 12 <= end) {
    const info = section.readUInt32LE(p + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kindFlag = info >>> 31;
    const t: BtfType = { id: types.length, kind, name: cString(strings, section.readUInt32LE(p)), sizeOrType: section.readUInt32LE(p + 8) };
    p += 12;
    switch (kind) {
      case BTF_KIND.INT: case BTF_KIND.VAR: case BTF_KIND.DECL_TAG: p += 4; break;
      case BTF_KIND.ARRAY:
        t.array = { type: section.readUInt32LE(p), nelems: section.readUInt32LE(p + 8) };
        p += 12; break;
      case BTF_KIND.STRUCT: case BTF_KIND.UNION:
        t.members = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const raw = section.readUInt32LE(p + 8);
          t.members.push({ name: cString(strings, section.readUInt32LE(p)), type: section.readUInt32LE(p + 4), bitOffset: kindFlag ? raw & 0xffffff : raw });
        }
        break;
      case BTF_KIND.ENUM: case BTF_KIND.FUNC_PROTO: p += vlen * 8; break;
      case BTF_KIND.ENUM64: p += vlen * 12; break;
      case BTF_KIND.DATASEC:
        t.vars = [];
        for (let i = 0; i < vlen; i++, p += 12) t.vars.push({ type: section.readUInt32LE(p), offset: section.readUInt32LE(p + 4), size: section.readUInt32LE(p + 8) });
        break;
      case BTF_KIND.PTR: case BTF_KIND.FWD: case BTF_KIND.TYPEDEF: case BTF_KIND.VOLATILE: case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT: case BTF_KIND.FUNC: case BTF_KIND.FLOAT: case BTF_KIND.TYPE_TAG: break;
      default: throw new Error(`.BTF contains unknown type kind ${kind}`);
    }
    types.push(t);
  }
  return new Btf(types, strings);
}

export interface LineInfo { insnOffset: number; file: string; line: number; column: number; source: string }

/** Line info from .BTF.ext: per ELF section name, records sorted by instruction byte offset. */
export function parseBtfExtLines(ext: Buffer, btf: Btf): Map<string, LineInfo[]> {
  const out = new Map<string, LineInfo[]>();
  if (ext.length < 32 || ext.readUInt16LE(0) !== 0xeb9f) return out;
  const hdrLen = ext.readUInt32LE(4);
  const lineOff = hdrLen + ext.readUInt32LE(16);
  const lineLen = ext.readUInt32LE(20);
  if (lineLen < 4) return out;
  const recSize = ext.readUInt32LE(lineOff);
  let p = lineOff + 4;
  const end = lineOff + lineLen;
  while (p + 8 <= end) {
    const secName = cString(btf.strings, ext.readUInt32LE(p));
    const count = ext.readUInt32LE(p + 4);
    p += 8;
    const list: LineInfo[] = [];
    for (let i = 0; i < count && p + recSize <= end; i++, p += recSize) {
      const lineCol = ext.readUInt32LE(p + 12);
      list.push({ insnOffset: ext.readUInt32LE(p), file: cString(btf.strings, ext.readUInt32LE(p + 4)), source: cString(btf.strings, ext.readUInt32LE(p + 8)).trim(), line: lineCol >>> 10, column: lineCol & 0x3ff });
    }
    out.set(secName, list);
  }
  return out;
}

/** The last line record at or before `insnOffset` (bytes) in the section. */
export function lineAt(lines: LineInfo[] | undefined, insnOffset: number): LineInfo | undefined {
  let best: LineInfo | undefined;
  for (const l of lines ?? []) { if (l.insnOffset <= insnOffset) best = l; else break; }
  return best;
}
