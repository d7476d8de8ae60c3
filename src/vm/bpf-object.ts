// Pure check of a compiled policy before a VM is booted for it: is it a 64-bit little-endian BPF
// ELF object, and does it have a struct_ops section (where `struct sched_ext_ops` lives)?
import { SchedcpError, quote } from '../errors.js';

const EM_BPF = 247;

export interface BpfObjectInfo {
  sections: string[];
  structOpsSections: string[];
  hasLicense: boolean;
}

/** Section names of a BPF ELF object; throws 'invalid_argument' saying what the file is instead. */
export function inspectBpfObject(data: Buffer, label = 'the policy object'): BpfObjectInfo {
  const fix = 'compile the policy with `schedcp vm` compilePolicy (clang-19 -target bpf) and pass the resulting .bpf.o';
  if (data.length < 64 || data.readUInt32BE(0) !== 0x7f454c46) {
    throw new SchedcpError('invalid_argument', `${label} is not an ELF file (first bytes ${quote(data.subarray(0, 4).toString('hex'))}); ${fix}.`);
  }
  if (data[4] !== 2 || data[5] !== 1) {
    throw new SchedcpError('invalid_argument', `${label} is not a 64-bit little-endian ELF object; ${fix}.`);
  }
  const machine = data.readUInt16LE(18);
  if (machine !== EM_BPF) {
    throw new SchedcpError('invalid_argument', `${label} is an ELF object for machine ${machine}, not BPF (${EM_BPF}); ${fix}.`);
  }
  const shoff = Number(data.readBigUInt64LE(40));
  const shentsize = data.readUInt16LE(58);
  const shnum = data.readUInt16LE(60);
  const shstrndx = data.readUInt16LE(62);
  if (shoff + shnum * shentsize > data.length || shstrndx >= shnum) {
    throw new SchedcpError('invalid_argument', `${label} is a truncated ELF object (section table beyond ${data.length} bytes); recompile it.`);
  }
  const header = (i: number) => shoff + i * shentsize;
  const strtabOffset = Number(data.readBigUInt64LE(header(shstrndx) + 24));
  const sections: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const nameOffset = strtabOffset + data.readUInt32LE(header(i));
    const end = data.indexOf(0, nameOffset);
    sections.push(data.toString('utf8', nameOffset, end < 0 ? nameOffset : end));
  }
  return {
    sections,
    structOpsSections: sections.filter((s) => s === '.struct_ops' || s === '.struct_ops.link'),
    hasLicense: sections.includes('license'),
  };
}

/** Throws unless the object can carry a sched_ext policy (the guest loader confirms the type is sched_ext_ops). */
export function assertSchedExtObject(data: Buffer, label: string): BpfObjectInfo {
  const info = inspectBpfObject(data, label);
  if (info.structOpsSections.length === 0) {
    throw new SchedcpError('invalid_argument', `${label} is a BPF object without a struct_ops section, so it defines no sched_ext scheduler; declare one with SEC(".struct_ops.link") struct sched_ext_ops my_ops = { ... } (see sandbox-vm/README.md).`);
  }
  return info;
}
