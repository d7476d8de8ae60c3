// A small pure reader for 64-bit little-endian ELF relocatable objects (what clang -target bpf
// emits): section headers, the symbol table and REL relocations. No I/O; throws on malformed input.
export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
  data: Buffer;
}

export interface ElfSymbol {
  name: string;
  /** STT_*: 0 NOTYPE, 1 OBJECT, 2 FUNC, 3 SECTION. */
  type: number;
  /** STB_*: 0 LOCAL, 1 GLOBAL, 2 WEAK. */
  bind: number;
  /** 0 = undefined (an extern: kfunc or ksym). */
  sectionIndex: number;
  value: number;
  size: number;
}

export interface ElfRelocation {
  offset: number;
  type: number;
  symbol: ElfSymbol;
}

export interface ElfFile {
  machine: number;
  sections: ElfSection[];
  symbols: ElfSymbol[];
  /** Relocations keyed by the index of the section they apply to. */
  relocations: Map<number, ElfRelocation[]>;
  section(name: string): ElfSection | undefined;
}

export const SHT_SYMTAB = 2;
export const SHT_REL = 9;
export const SHF_EXECINSTR = 0x4n;
export const EM_BPF = 247;

export class ElfFormatError extends Error {}

function cString(buf: Buffer, offset: number): string {
  if (offset < 0 || offset >= buf.length) return '';
  const end = buf.indexOf(0, offset);
  return buf.toString('latin1', offset, end < 0 ? buf.length : end);
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfFormatError(`${what} is out of range`);
  return Number(value);
}

export function parseElf(buf: Buffer): ElfFile {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new ElfFormatError('not an ELF file (bad magic)');
  if (buf[4] !== 2) throw new ElfFormatError('not a 64-bit ELF file');
  if (buf[5] !== 1) throw new ElfFormatError('not a little-endian ELF file (BPF objects for x86 hosts are little-endian)');
  const machine = buf.readUInt16LE(18);
  const shoff = safeNumber(buf.readBigUInt64LE(0x28), 'section header offset');
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const shstrndx = buf.readUInt16LE(0x3e);
  if (shentsize !== 64 || shoff + shnum * 64 > buf.length) throw new ElfFormatError('section header table is truncated or malformed');
  const raw = Array.from({ length: shnum }, (_, index) => {
    const base = shoff + index * 64;
    const type = buf.readUInt32LE(base + 4);
    const offset = safeNumber(buf.readBigUInt64LE(base + 24), 'section offset');
    const size = safeNumber(buf.readBigUInt64LE(base + 32), 'section size');
    const NOBITS = 8;
    if (type !== NOBITS && type !== 0 && offset + size > buf.length) throw new ElfFormatError(`section ${index} extends past the end of the file`);
    return {
      index, nameOffset: buf.readUInt32LE(base), type, flags: buf.readBigUInt64LE(base + 8), offset, size,
      link: buf.readUInt32LE(base + 40), info: buf.readUInt32LE(base + 44), entsize: safeNumber(buf.readBigUInt64LE(base + 56), 'entsize'),
      data: type === NOBITS ? Buffer.alloc(0) : buf.subarray(offset, offset + size),
    };
  });
  const names = raw[shstrndx]?.data ?? Buffer.alloc(0);
  const sections: ElfSection[] = raw.map(({ nameOffset, ...s }) => ({ ...s, name: cString(names, nameOffset) }));

  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  const symbols: ElfSymbol[] = [];
  if (symtab) {
    const strings = sections[symtab.link]?.data ?? Buffer.alloc(0);
    for (let off = 0; off + 24 <= symtab.data.length; off += 24) {
      const info = symtab.data[off + 4]!;
      symbols.push({
        name: cString(strings, symtab.data.readUInt32LE(off)), type: info & 0xf, bind: info >> 4,
        sectionIndex: symtab.data.readUInt16LE(off + 6),
        value: safeNumber(symtab.data.readBigUInt64LE(off + 8), 'symbol value'),
        size: safeNumber(symtab.data.readBigUInt64LE(off + 16), 'symbol size'),
      });
    }
  }
  const relocations = new Map<number, ElfRelocation[]>();
  for (const rel of sections.filter((s) => s.type === SHT_REL)) {
    const list: ElfRelocation[] = [];
    for (let off = 0; off + 16 <= rel.data.length; off += 16) {
      const info = rel.data.readBigUInt64LE(off + 8);
      const symbol = symbols[Number(info >> 32n)];
      if (!symbol) throw new ElfFormatError(`relocation in ${rel.name} names a missing symbol`);
      list.push({ offset: safeNumber(rel.data.readBigUInt64LE(off), 'relocation offset'), type: Number(info & 0xffffffffn), symbol });
    }
    relocations.set(rel.info, list);
  }
  return { machine, sections, symbols, relocations, section: (name) => sections.find((s) => s.name === name) };
}
