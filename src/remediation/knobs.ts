// One interface over cgroup v1 and v2: the knobs schedcp may set, in v2 terms, and the files and
// values each one maps to on either version. Pure; the I/O shell reads and writes the files.
import { V1_SUBSYSTEM, type CgroupController } from '../host/cgroups.js';

export const KNOBS = ['cpu.weight', 'cpu.max', 'memory.high', 'memory.max', 'io.weight'] as const;
export type Knob = (typeof KNOBS)[number];
export { V1_SUBSYSTEM };
export type Controller = CgroupController;
export type CgroupVersion = 1 | 2;

export const KNOB_CONTROLLER: Record<Knob, Controller> = { 'cpu.weight': 'cpu', 'cpu.max': 'cpu', 'memory.high': 'memory', 'memory.max': 'memory', 'io.weight': 'io' };

/** Units of the value an agent gives for each knob. */
export const KNOB_UNIT: Record<Knob, string> = {
  'cpu.weight': 'weight 1-10000 (100 = default share)', 'cpu.max': 'percent of one CPU (e.g. 50 = half a CPU, 200 = two CPUs)',
  'memory.high': 'bytes', 'memory.max': 'bytes', 'io.weight': 'weight 1-10000 (100 = default)',
};

/** Files written, in write order (v1 cpu.max: period before quota so the ratio is never transiently wrong). */
export function knobFiles(knob: Knob, version: CgroupVersion): string[] {
  if (version === 2) return [knob];
  switch (knob) {
    case 'cpu.weight': return ['cpu.shares'];
    case 'cpu.max': return ['cpu.cfs_period_us', 'cpu.cfs_quota_us'];
    case 'memory.high': return ['memory.soft_limit_in_bytes'];
    case 'memory.max': return ['memory.limit_in_bytes'];
    case 'io.weight': return ['blkio.weight'];
  }
}

export const CPU_PERIOD_US = 100_000;
const PAGE = 4096;

/** The file contents that express `value` (in the knob's unit) on this cgroup version. */
export function knobFileValues(knob: Knob, version: CgroupVersion, value: number): Record<string, string> {
  const [first] = knobFiles(knob, version);
  switch (knob) {
    case 'cpu.weight':
      return { [first!]: String(version === 2 ? value : Math.min(262_144, Math.max(2, Math.round((value * 1024) / 100)))) };
    case 'cpu.max': {
      const quota = Math.round((value / 100) * CPU_PERIOD_US);
      return version === 2 ? { 'cpu.max': `${quota} ${CPU_PERIOD_US}` } : { 'cpu.cfs_period_us': String(CPU_PERIOD_US), 'cpu.cfs_quota_us': String(quota) };
    }
    case 'memory.high':
    case 'memory.max':
      // The kernel keeps pages, so a byte count reads back rounded down to a page.
      return { [first!]: String(Math.floor(value / PAGE) * PAGE) };
    case 'io.weight':
      return version === 2 ? { 'io.weight': `default ${value}` } : { 'blkio.weight': String(Math.min(1000, Math.max(10, Math.round(value / 10)))) };
  }
}

/** Normalizes a file's text for comparison (io.weight lists per-device lines after "default N"). */
export function normalizeFileValue(file: string, text: string): string {
  const trimmed = text.trim();
  return file === 'io.weight' ? (trimmed.split('\n')[0] ?? '').trim() : trimmed;
}

/** Where a process sits in each hierarchy, from /proc/<pid>/cgroup text. */
export function parseProcCgroup(text: string): { v2?: string; v1: Record<string, string> } {
  const out: { v2?: string; v1: Record<string, string> } = { v1: {} };
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') out.v2 = m[3]!;
    else for (const sub of m[2]!.split(',')) out.v1[sub] = m[3]!;
  }
  return out;
}
