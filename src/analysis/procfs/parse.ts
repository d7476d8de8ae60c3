// Pure parsers for the /proc and /sys text the sampler reads. No I/O: each takes the file's text and
// returns numbers in the units named by the field (ticks, bytes, ns, µs, pages).

export interface CpuTimes {
  /** "cpu" for the aggregate line, "cpu0".. for each core. Values in USER_HZ ticks. */
  name: string;
  user: number; nice: number; system: number; idle: number; iowait: number;
  irq: number; softirq: number; steal: number;
}

export interface ProcStat {
  cpus: CpuTimes[];
  contextSwitches: number;
  forks: number;
  procsRunning: number;
  procsBlocked: number;
  bootTimeS: number;
}

export function parseProcStat(text: string): ProcStat {
  const result: ProcStat = { cpus: [], contextSwitches: 0, forks: 0, procsRunning: 0, procsBlocked: 0, bootTimeS: 0 };
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const key = f[0] ?? '';
    if (/^cpu\d*$/.test(key)) {
      const n = f.slice(1).map(Number);
      result.cpus.push({ name: key, user: n[0] ?? 0, nice: n[1] ?? 0, system: n[2] ?? 0, idle: n[3] ?? 0, iowait: n[4] ?? 0, irq: n[5] ?? 0, softirq: n[6] ?? 0, steal: n[7] ?? 0 });
    } else if (key === 'ctxt') result.contextSwitches = Number(f[1]);
    else if (key === 'processes') result.forks = Number(f[1]);
    else if (key === 'procs_running') result.procsRunning = Number(f[1]);
    else if (key === 'procs_blocked') result.procsBlocked = Number(f[1]);
    else if (key === 'btime') result.bootTimeS = Number(f[1]);
  }
  return result;
}

export interface LoadAvg { load1: number; load5: number; load15: number; runnable: number; threads: number }

export function parseLoadavg(text: string): LoadAvg {
  const [l1, l5, l15, rt] = text.trim().split(/\s+/);
  const [runnable, threads] = (rt ?? '0/0').split('/').map(Number);
  return { load1: Number(l1), load5: Number(l5), load15: Number(l15), runnable: runnable ?? 0, threads: threads ?? 0 };
}

/** /proc/meminfo → bytes per key (values given in kB are converted; counts like HugePages_Total stay counts). */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * (line.trimEnd().endsWith('kB') ? 1024 : 1);
  }
  return out;
}

export interface PressureLine { avg10: number; avg60: number; avg300: number; totalUs: number }
export interface Pressure { some: PressureLine; full?: PressureLine }

export function parsePressure(text: string): Pressure {
  const lines: Record<string, PressureLine> = {};
  for (const line of text.split('\n')) {
    const m = /^(some|full)\s+avg10=([\d.]+)\s+avg60=([\d.]+)\s+avg300=([\d.]+)\s+total=(\d+)/.exec(line.trim());
    if (m) lines[m[1]!] = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), totalUs: Number(m[5]) };
  }
  if (!lines.some) throw new Error('pressure file has no "some" line');
  return lines.full ? { some: lines.some, full: lines.full } : { some: lines.some };
}

/** "key value" per line (/proc/vmstat, cgroup cpu.stat, memory.stat). */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

export interface DiskStat {
  name: string;
  reads: number; sectorsRead: number; readMs: number;
  writes: number; sectorsWritten: number; writeMs: number;
  inFlight: number; ioMs: number; weightedIoMs: number;
}

/** /proc/diskstats, whole devices only (partitions, loop, ram and zram devices dropped). */
export function parseDiskstats(text: string): DiskStat[] {
  const out: DiskStat[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const name = f[2]!;
    if (/^(loop|ram|zram|dm-|sr)/.test(name) || /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+)\d+$/.test(name) || /^(nvme\d+n\d+|mmcblk\d+)p\d+$/.test(name)) continue;
    const n = f.map(Number);
    out.push({ name, reads: n[3]!, sectorsRead: n[5]!, readMs: n[6]!, writes: n[7]!, sectorsWritten: n[9]!, writeMs: n[10]!, inFlight: n[11]!, ioMs: n[12]!, weightedIoMs: n[13]! });
  }
  return out;
}

export interface NetDev { iface: string; rxBytes: number; rxPackets: number; rxErrors: number; rxDropped: number; txBytes: number; txPackets: number; txErrors: number; txDropped: number }

export function parseNetDev(text: string): NetDev[] {
  const out: NetDev[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const n = m[2]!.trim().split(/\s+/).map(Number);
    if (n.length < 16) continue;
    out.push({ iface: m[1]!, rxBytes: n[0]!, rxPackets: n[1]!, rxErrors: n[2]!, rxDropped: n[3]!, txBytes: n[8]!, txPackets: n[9]!, txErrors: n[10]!, txDropped: n[11]! });
  }
  return out;
}

/** /proc/net/snmp: the header/value line pairs, as "Tcp.RetransSegs" → number. */
export function parseSnmp(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const head = lines[i]!.split(/\s+/);
    const vals = lines[i + 1]!.split(/\s+/);
    const proto = head[0]?.replace(':', '');
    if (!proto || vals[0] !== head[0]) continue;
    head.slice(1).forEach((k, j) => { if (k) out[`${proto}.${k}`] = Number(vals[j + 1]); });
  }
  return out;
}

/** /proc/schedstat per-CPU lines: time on CPU and time runnable but waiting, in ns, and timeslices. */
export function parseSchedstat(text: string): Array<{ cpu: string; runNs: number; waitNs: number; timeslices: number }> {
  const out: Array<{ cpu: string; runNs: number; waitNs: number; timeslices: number }> = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (!/^cpu\d+$/.test(f[0] ?? '') || f.length < 10) continue;
    out.push({ cpu: f[0]!, runNs: Number(f[7]), waitNs: Number(f[8]), timeslices: Number(f[9]) });
  }
  return out;
}

export interface PidStat {
  pid: number; comm: string; state: string; ppid: number;
  /** USER_HZ ticks. */
  utime: number; stime: number;
  threads: number; startTicks: number; processor: number;
  /** Resident set in pages. */
  rssPages: number;
  minorFaults: number; majorFaults: number;
}

/** /proc/<pid>/stat. The comm may contain spaces and parentheses, so split at the last ")". */
export function parsePidStat(text: string): PidStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error('malformed /proc/<pid>/stat');
  const f = text.slice(close + 2).trim().split(/\s+/);
  const n = (i: number) => Number(f[i - 3]); // field numbers as in proc(5), 1-based
  return {
    pid: Number(text.slice(0, open).trim()), comm: text.slice(open + 1, close), state: f[0] ?? '?', ppid: n(4),
    minorFaults: n(10), majorFaults: n(12), utime: n(14), stime: n(15), threads: n(20), startTicks: n(22), rssPages: n(24), processor: n(39),
  };
}

/** /proc/<pid>/schedstat: ns on CPU, ns waiting on a run queue, timeslices. */
export function parsePidSchedstat(text: string): { runNs: number; waitNs: number; timeslices: number } {
  const [run, wait, slices] = text.trim().split(/\s+/).map(Number);
  return { runNs: run ?? 0, waitNs: wait ?? 0, timeslices: slices ?? 0 };
}

export interface PidStatus { name: string; state: string; threads: number; vmRssBytes: number; voluntarySwitches: number; involuntarySwitches: number; cpusAllowed: string; uid: number }

export function parsePidStatus(text: string): PidStatus {
  const kv: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return {
    name: kv.Name ?? '', state: kv.State ?? '', threads: Number(kv.Threads ?? 0),
    vmRssBytes: Number((kv.VmRSS ?? '0').split(/\s+/)[0]) * 1024,
    voluntarySwitches: Number(kv.voluntary_ctxt_switches ?? 0), involuntarySwitches: Number(kv.nonvoluntary_ctxt_switches ?? 0),
    cpusAllowed: kv.Cpus_allowed_list ?? '', uid: Number((kv.Uid ?? '0').split(/\s+/)[0]),
  };
}

/** /proc/<pid>/sched: "key : value" pairs (se.sum_exec_runtime in ms, nr_migrations, nr_switches…). */
export function parsePidSched(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([\w.]+)\s+:\s+(-?[\d.]+)\s*$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** /proc/<pid>/cgroup → the cgroup v2 path ("0::/x"), else the first v1 path. */
export function parsePidCgroup(text: string): string {
  const lines = text.trim().split('\n');
  const v2 = lines.find((l) => l.startsWith('0::'));
  if (v2) return v2.slice(3);
  return lines[0]?.split(':').slice(2).join(':') ?? '/';
}

export type CgroupLayout = 'v1' | 'v2' | 'hybrid' | 'none';

export function cgroupLayout(mounts: ReadonlyArray<{ type: string; path: string }>): { layout: CgroupLayout; v2Path?: string; v1Controllers: string[] } {
  const v2 = mounts.find((m) => m.type === 'cgroup2');
  const v1 = mounts.filter((m) => m.type === 'cgroup').map((m) => m.path.split('/').pop() ?? m.path);
  const layout: CgroupLayout = v2 && v1.length ? 'hybrid' : v2 ? 'v2' : v1.length ? 'v1' : 'none';
  return v2 ? { layout, v2Path: v2.path, v1Controllers: v1 } : { layout, v1Controllers: v1 };
}

/** /proc/<pid>/io: bytes read/written at the storage layer and through syscalls. */
export function parsePidIo(text: string): { readBytes: number; writeBytes: number; rcharBytes: number; wcharBytes: number; readSyscalls: number; writeSyscalls: number } {
  const kv: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m) kv[m[1]!] = Number(m[2]);
  }
  return { readBytes: kv.read_bytes ?? 0, writeBytes: kv.write_bytes ?? 0, rcharBytes: kv.rchar ?? 0, wcharBytes: kv.wchar ?? 0, readSyscalls: kv.syscr ?? 0, writeSyscalls: kv.syscw ?? 0 };
}
