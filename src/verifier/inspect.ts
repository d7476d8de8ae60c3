// Pure inspection of a compiled BPF object: programs and their instruction-level facts (helper and
// kfunc calls, subprogram calls, back-edges, stack estimate), struct_ops maps with the ops they
// implement, and map sizes. Input is the object bytes; output is plain data for the rules.
import { parseElf, EM_BPF, SHF_EXECINSTR, ElfFormatError, type ElfFile, type ElfSymbol } from './elf.js';
import { parseBtf, parseBtfExtLines, lineAt, BTF_KIND, type Btf, type LineInfo } from './btf.js';

export interface CallSite { insn: number; line?: number; source?: string }
export interface ProgramReport {
  name: string;
  section: string;
  /** 'struct_ops' for a scheduler callback, 'subprog' for a function in .text, else the section prefix. */
  kind: string;
  /** Instruction slots (ld_imm64 counts as two, like the kernel). */
  insns: number;
  helperCalls: Array<CallSite & { id: number }>;
  kfuncCalls: Array<CallSite & { name: string }>;
  subprogCalls: string[];
  backEdges: Array<CallSite & { to: number }>;
  /** Deepest frame-pointer offset this program touches, in bytes (an estimate; the kernel reports the real value). */
  stackBytes: number;
}
export interface StructOpsReport {
  variable: string;
  section: string;
  structName: string;
  /** The ops' `.name` field ('' when unset). */
  name: string;
  timeoutMs?: number;
  flags?: number;
  /** op name (e.g. "enqueue") → program name. */
  ops: Record<string, string>;
}
export interface MapReport { name: string; type: number; typeName: string; maxEntries: number; keySize: number; valueSize: number; bytes: number; percpu: boolean }
export interface ObjectReport {
  sizeBytes: number;
  sections: Array<{ name: string; size: number }>;
  hasBtf: boolean;
  hasBtfExt: boolean;
  license?: string;
  programs: ProgramReport[];
  structOps: StructOpsReport[];
  maps: MapReport[];
}

const MAP_TYPES = ['unspec', 'hash', 'array', 'prog_array', 'perf_event_array', 'percpu_hash', 'percpu_array', 'stack_trace', 'cgroup_array', 'lru_hash', 'lru_percpu_hash', 'lpm_trie', 'array_of_maps', 'hash_of_maps', 'devmap', 'sockmap', 'cpumap', 'xskmap', 'sockhash', 'cgroup_storage', 'reuseport_sockarray', 'percpu_cgroup_storage', 'queue', 'stack', 'sk_storage', 'devmap_hash', 'struct_ops', 'ringbuf', 'inode_storage', 'task_storage', 'bloom_filter', 'user_ringbuf', 'cgrp_storage', 'arena'];
const PERCPU_MAP_TYPES = new Set([5, 6, 10, 21]);
/** Local-storage maps grow with the number of tasks/cgroups, not max_entries. */
const STORAGE_MAP_TYPES = new Set([24, 28, 29, 32]);

const BPF_CALL = 0x85;
const BPF_LD_IMM64 = 0x18;
const PSEUDO_CALL = 1;
const PSEUDO_KFUNC_CALL = 2;

export class BpfObjectError extends Error {}

export function inspectObject(bytes: Buffer, assumeCpus = 64): ObjectReport {
  let elf: ElfFile;
  try { elf = parseElf(bytes); } catch (error) {
    if (error instanceof ElfFormatError) throw new BpfObjectError(`not a BPF object: ${error.message}`);
    throw error;
  }
  if (elf.machine !== EM_BPF) throw new BpfObjectError(`not a BPF object: ELF machine is ${elf.machine}, BPF is ${EM_BPF}`);
  const btfSection = elf.section('.BTF');
  const btf = btfSection ? parseBtf(btfSection.data) : undefined;
  const extSection = elf.section('.BTF.ext');
  const lines = btf && extSection ? parseBtfExtLines(extSection.data, btf) : new Map<string, LineInfo[]>();
  const license = elf.section('license');
  const report: ObjectReport = {
    sizeBytes: bytes.length,
    sections: elf.sections.filter((s) => s.name).map((s) => ({ name: s.name, size: s.size })),
    hasBtf: Boolean(btf), hasBtfExt: Boolean(extSection),
    programs: inspectPrograms(elf, lines),
    structOps: btf ? inspectStructOps(elf, btf) : [],
    maps: btf ? inspectMaps(elf, btf, assumeCpus) : [],
  };
  if (license) report.license = license.data.toString('latin1').split('\0')[0];
  return report;
}

function site(lines: Map<string, LineInfo[]>, section: string, insn: number): CallSite {
  const info = lineAt(lines.get(section), insn * 8);
  return info ? { insn, line: info.line, source: info.source } : { insn };
}

function inspectPrograms(elf: ElfFile, lines: Map<string, LineInfo[]>): ProgramReport[] {
  const funcs = elf.symbols.filter((s) => s.type === 2 && s.sectionIndex > 0 && ((elf.sections[s.sectionIndex]?.flags ?? 0n) & SHF_EXECINSTR) !== 0n);
  const funcAt = (sectionIndex: number, insn: number): ElfSymbol | undefined =>
    funcs.find((f) => f.sectionIndex === sectionIndex && insn * 8 >= f.value && insn * 8 < f.value + Math.max(f.size, 8));
  return funcs.map((fn) => {
    const section = elf.sections[fn.sectionIndex]!;
    const relocs = new Map((elf.relocations.get(section.index) ?? []).map((r) => [r.offset, r.symbol]));
    const first = fn.value / 8;
    const last = first + fn.size / 8;
    const program: ProgramReport = {
      name: fn.name, section: section.name,
      kind: section.name === '.text' ? 'subprog' : section.name.startsWith('struct_ops') ? 'struct_ops' : section.name.split('/')[0]!,
      insns: last - first, helperCalls: [], kfuncCalls: [], subprogCalls: [], backEdges: [], stackBytes: 0,
    };
    const fpCopies = new Map<number, number>();
    const data = section.data;
    for (let pc = first; pc < last; pc++) {
      const base = pc * 8;
      if (base + 8 > data.length) break;
      const code = data[base]!;
      const dst = data[base + 1]! & 0xf;
      const src = data[base + 1]! >> 4;
      const off = data.readInt16LE(base + 2);
      const imm = data.readInt32LE(base + 4);
      const cls = code & 7;
      const relocated = relocs.get(base);
      if (code === BPF_LD_IMM64) { fpCopies.delete(dst); pc++; continue; }
      if (code === BPF_CALL) {
        if (src === PSEUDO_KFUNC_CALL || (relocated && relocated.sectionIndex === 0)) {
          program.kfuncCalls.push({ ...site(lines, section.name, pc), name: relocated?.name ?? `kfunc#${imm}` });
        } else if (src === PSEUDO_CALL) {
          const targetSection = relocated ? relocated.sectionIndex : section.index;
          const target = relocated ? relocated.value / 8 + imm + 1 : pc + imm + 1;
          const callee = funcAt(targetSection, target);
          if (callee && !program.subprogCalls.includes(callee.name)) program.subprogCalls.push(callee.name);
        } else {
          program.helperCalls.push({ ...site(lines, section.name, pc), id: imm });
        }
        for (let r = 0; r <= 5; r++) fpCopies.delete(r);
        continue;
      }
      if (cls === 5 || cls === 6) {
        const op = code & 0xf0;
        if (op !== 0x80 && op !== 0x90) {
          const delta = cls === 6 && op === 0 ? imm : off;
          const to = pc + delta + 1;
          if (to <= pc) program.backEdges.push({ ...site(lines, section.name, pc), to });
        }
        continue;
      }
      // Stack estimate: direct fp-relative loads/stores and fp copies adjusted by a constant.
      if ((cls === 2 || cls === 3) && dst === 10 && off < 0) program.stackBytes = Math.max(program.stackBytes, -off);
      if (cls === 1 && src === 10 && off < 0) program.stackBytes = Math.max(program.stackBytes, -off);
      if (cls === 7 || cls === 4) {
        if (code === 0xbf && src === 10) { fpCopies.set(dst, 0); continue; }
        if (code === 0x07 && fpCopies.has(dst)) {
          const at = fpCopies.get(dst)! + imm;
          fpCopies.set(dst, at);
          if (at < 0) program.stackBytes = Math.max(program.stackBytes, -at);
          continue;
        }
        fpCopies.delete(dst);
      } else if (cls === 1) {
        fpCopies.delete(dst);
      }
    }
    return program;
  });
}

function inspectStructOps(elf: ElfFile, btf: Btf): StructOpsReport[] {
  const out: StructOpsReport[] = [];
  for (const section of elf.sections.filter((s) => s.name === '.struct_ops' || s.name === '.struct_ops.link')) {
    const datasec = btf.findByName(BTF_KIND.DATASEC, section.name);
    const relocs = elf.relocations.get(section.index) ?? [];
    for (const entry of datasec?.vars ?? []) {
      const variable = btf.get(entry.type);
      const struct = btf.resolve(entry.type);
      if (!variable || !struct?.members) continue;
      const symbol = elf.symbols.find((s) => s.name === variable.name && s.sectionIndex === section.index);
      const start = symbol?.value ?? entry.offset;
      const size = btf.sizeOf(struct.id);
      const member = (name: string) => struct.members!.find((m) => m.name === name);
      const ops: Record<string, string> = {};
      for (const r of relocs.filter((x) => x.offset >= start && x.offset < start + size)) {
        const field = struct.members.find((m) => m.bitOffset / 8 === r.offset - start);
        if (field) ops[field.name] = r.symbol.name;
      }
      const nameField = member('name');
      const timeout = member('timeout_ms');
      const flags = member('flags');
      const at = (m: { bitOffset: number }) => start + m.bitOffset / 8;
      const report: StructOpsReport = {
        variable: variable.name, section: section.name, structName: struct.name, ops,
        name: nameField && at(nameField) < section.data.length ? section.data.toString('latin1', at(nameField), Math.min(section.data.length, at(nameField) + btf.sizeOf(nameField.type))).split('\0')[0]! : '',
      };
      if (timeout && at(timeout) + 4 <= section.data.length) report.timeoutMs = section.data.readUInt32LE(at(timeout));
      if (flags && at(flags) + 8 <= section.data.length) report.flags = Number(section.data.readBigUInt64LE(at(flags)));
      out.push(report);
    }
  }
  return out;
}

function inspectMaps(elf: ElfFile, btf: Btf, assumeCpus: number): MapReport[] {
  const maps: MapReport[] = [];
  const datasec = btf.findByName(BTF_KIND.DATASEC, '.maps');
  for (const entry of datasec?.vars ?? []) {
    const variable = btf.get(entry.type);
    const def = btf.resolve(entry.type);
    if (!variable || !def?.members) continue;
    const field = (name: string) => def.members!.find((m) => m.name === name);
    // __uint(name, N) is `int (*name)[N]`: the value is the array length behind the pointer.
    const uintField = (name: string) => {
      const m = field(name);
      const ptr = m ? btf.resolve(m.type) : undefined;
      const arr = ptr?.kind === BTF_KIND.PTR ? btf.resolve(ptr.sizeOrType) : undefined;
      return arr?.array?.nelems ?? 0;
    };
    const typeField = (name: string) => {
      const m = field(name);
      const ptr = m ? btf.resolve(m.type) : undefined;
      return ptr?.kind === BTF_KIND.PTR ? btf.sizeOf(ptr.sizeOrType) : 0;
    };
    const type = uintField('type');
    const maxEntries = uintField('max_entries');
    const keySize = typeField('key') || uintField('key_size');
    const valueSize = typeField('value') || uintField('value_size');
    const percpu = PERCPU_MAP_TYPES.has(type);
    let bytes = type === 27 || type === 31 ? maxEntries : maxEntries * ((type === 2 || type === 6 ? 0 : keySize) + valueSize);
    if (percpu) bytes *= assumeCpus;
    if (STORAGE_MAP_TYPES.has(type)) bytes = 0;
    maps.push({ name: variable.name, type, typeName: MAP_TYPES[type] ?? `type${type}`, maxEntries, keySize, valueSize, bytes, percpu });
  }
  for (const s of elf.sections.filter((x) => /^\.(bss|data|rodata)(\..*)?$/.test(x.name) && x.size > 0)) {
    maps.push({ name: s.name, type: 2, typeName: 'array (global data)', maxEntries: 1, keySize: 4, valueSize: s.size, bytes: s.size, percpu: false });
  }
  return maps;
}
