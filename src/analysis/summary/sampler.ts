// The thin I/O shell of the summaries: reads /proc and /sys into a Snapshot. Synchronous reads of
// small pseudo-files (microseconds each); a vanished process or missing file is skipped, not fatal.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseMounts } from '../../host/index.js';
import {
  cgroupLayout, parseDiskstats, parseKeyValues, parseLoadavg, parseMeminfo, parseNetDev, parsePidCgroup,
  parsePidIo, parsePidSched, parsePidSchedstat, parsePidStat, parsePidStatus, parsePressure, parseProcStat, parseSnmp, type Pressure,
} from '../procfs/parse.js';
import type { CgroupReading, Snapshot, TaskReading } from './snapshot.js';

export interface SnapshotOptions {
  /** Per-process readings (/proc/<pid>/stat, schedstat). */
  tasks?: boolean;
  /** cgroup path of each process (needed for cgroup filters). */
  taskCgroups?: boolean;
  /** Per-thread run-queue wait (host-wide run-queue latency). */
  threadWait?: boolean;
  /** Child cgroups' CPU, memory and pressure. */
  cgroups?: boolean;
  procRoot?: string;
}

const CLOCK_TICKS = 100; // USER_HZ is 100 on every Linux architecture schedcp supports
const PAGE_SIZE = 4096;

function read(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

function readPressure(path: string): Pressure | undefined {
  const text = read(path);
  if (!text) return undefined;
  try { return parsePressure(text); } catch { return undefined; }
}

function numericDirs(dir: string): number[] {
  try { return readdirSync(dir).filter((d) => /^\d+$/.test(d)).map(Number); } catch { return []; }
}

function readTasks(proc: string, withCgroup: boolean): Map<number, TaskReading> {
  const tasks = new Map<number, TaskReading>();
  for (const pid of numericDirs(proc)) {
    const stat = read(join(proc, String(pid), 'stat'));
    if (!stat) continue;
    try {
      const reading: TaskReading = { stat: parsePidStat(stat) };
      const sched = read(join(proc, String(pid), 'schedstat'));
      if (sched) reading.sched = parsePidSchedstat(sched);
      if (withCgroup) {
        const cg = read(join(proc, String(pid), 'cgroup'));
        if (cg) reading.cgroup = parsePidCgroup(cg);
      }
      tasks.set(pid, reading);
    } catch { /* raced with exit */ }
  }
  return tasks;
}

function readThreadWait(proc: string): Map<number, { waitNs: number; timeslices: number }> {
  const out = new Map<number, { waitNs: number; timeslices: number }>();
  for (const pid of numericDirs(proc)) {
    for (const tid of numericDirs(join(proc, String(pid), 'task'))) {
      const text = read(join(proc, String(pid), 'task', String(tid), 'schedstat'));
      if (text) { const s = parsePidSchedstat(text); out.set(tid, { waitNs: s.waitNs, timeslices: s.timeslices }); }
    }
  }
  return out;
}

function childDirs(dir: string, depth: number): string[] {
  if (depth === 0) return [];
  let names: string[];
  try { names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name); } catch { return []; }
  return names.flatMap((n) => [join(dir, n), ...childDirs(join(dir, n), depth - 1)]);
}

function readCgroups(layout: Snapshot['cgroups']): CgroupReading[] {
  const out: CgroupReading[] = [];
  if (layout.v2Path) {
    for (const dir of childDirs(layout.v2Path, 2)) {
      const r: CgroupReading = { path: `v2:${dir.slice(layout.v2Path.length)}` };
      const cpu = read(join(dir, 'cpu.stat'));
      if (cpu) r.cpuUsageUs = parseKeyValues(cpu).usage_usec;
      const mem = read(join(dir, 'memory.current'));
      if (mem) r.memoryBytes = Number(mem.trim());
      const procs = read(join(dir, 'cgroup.procs'));
      if (procs !== undefined) r.procs = procs.split('\n').filter(Boolean).length;
      const cp = readPressure(join(dir, 'cpu.pressure')); if (cp) r.cpuPressure = cp;
      const mp = readPressure(join(dir, 'memory.pressure')); if (mp) r.memoryPressure = mp;
      const ip = readPressure(join(dir, 'io.pressure')); if (ip) r.ioPressure = ip;
      out.push(r);
    }
  }
  const v1Root = '/sys/fs/cgroup';
  if (layout.v1Controllers.includes('cpuacct') || layout.v1Controllers.includes('memory')) {
    const names = new Set([...childDirs(join(v1Root, 'cpuacct'), 1), ...childDirs(join(v1Root, 'memory'), 1)].map((d) => d.split('/').pop()!));
    for (const name of names) {
      const r: CgroupReading = { path: `v1:/${name}` };
      const usage = read(join(v1Root, 'cpuacct', name, 'cpuacct.usage'));
      if (usage) r.cpuUsageUs = Number(usage.trim()) / 1000;
      const mem = read(join(v1Root, 'memory', name, 'memory.usage_in_bytes'));
      if (mem) r.memoryBytes = Number(mem.trim());
      const procs = read(join(v1Root, 'memory', name, 'cgroup.procs')) ?? read(join(v1Root, 'cpuacct', name, 'cgroup.procs'));
      if (procs !== undefined) r.procs = procs.split('\n').filter(Boolean).length;
      out.push(r);
    }
  }
  return out;
}

export function takeSnapshot(options: SnapshotOptions = {}): Snapshot {
  const proc = options.procRoot ?? '/proc';
  const atMs = performance.now();
  const stat = parseProcStat(read(join(proc, 'stat')) ?? '');
  const cgroups = cgroupLayout(parseMounts(read(join(proc, 'mounts')) ?? ''));
  const snap: Snapshot = {
    atMs, at: new Date().toISOString(),
    ncpu: Math.max(1, stat.cpus.filter((c) => c.name !== 'cpu').length || availableParallelism()),
    clockTicksPerS: CLOCK_TICKS, pageSizeBytes: PAGE_SIZE,
    stat,
    loadavg: parseLoadavg(read(join(proc, 'loadavg')) ?? '0 0 0 0/0 0'),
    meminfo: parseMeminfo(read(join(proc, 'meminfo')) ?? ''),
    vmstat: parseKeyValues(read(join(proc, 'vmstat')) ?? ''),
    pressure: {},
    disks: parseDiskstats(read(join(proc, 'diskstats')) ?? ''),
    net: parseNetDev(read(join(proc, 'net', 'dev')) ?? ''),
    snmp: parseSnmp(read(join(proc, 'net', 'snmp')) ?? ''),
    cgroups,
  };
  for (const kind of ['cpu', 'memory', 'io'] as const) {
    const p = readPressure(join(proc, 'pressure', kind));
    if (p) snap.pressure[kind] = p;
  }
  if (options.tasks) snap.tasks = readTasks(proc, options.taskCgroups ?? false);
  if (options.threadWait) snap.threadWait = readThreadWait(proc);
  if (options.cgroups && existsSync('/sys/fs/cgroup')) snap.cgroupReadings = readCgroups(cgroups);
  return snap;
}

export interface TaskDetail {
  voluntarySwitches?: number; involuntarySwitches?: number; migrations?: number; cpusAllowed?: string;
  sumExecRuntimeMs?: number; ioReadBytes?: number; ioWriteBytes?: number; policy?: number; prio?: number;
}

/** Extra per-process detail for the few processes a level-2 summary shows. */
export function readTaskDetail(pid: number, procRoot = '/proc'): TaskDetail {
  const dir = join(procRoot, String(pid));
  const out: TaskDetail = {};
  const status = read(join(dir, 'status'));
  if (status) {
    const s = parsePidStatus(status);
    Object.assign(out, { voluntarySwitches: s.voluntarySwitches, involuntarySwitches: s.involuntarySwitches, cpusAllowed: s.cpusAllowed });
  }
  const sched = read(join(dir, 'sched'));
  if (sched) {
    const s = parsePidSched(sched);
    if (s['se.nr_migrations'] !== undefined) out.migrations = s['se.nr_migrations'];
    if (s['se.sum_exec_runtime'] !== undefined) out.sumExecRuntimeMs = s['se.sum_exec_runtime'];
    if (s.policy !== undefined) out.policy = s.policy;
    if (s.prio !== undefined) out.prio = s.prio;
  }
  const io = read(join(dir, 'io'));
  if (io) { const i = parsePidIo(io); out.ioReadBytes = i.readBytes; out.ioWriteBytes = i.writeBytes; }
  return out;
}
