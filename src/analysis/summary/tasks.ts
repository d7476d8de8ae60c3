// Level 2: per-process and per-cgroup rates over the window, filtered and ranked (top N).
import { round } from './metrics.js';
import type { Snapshot } from './snapshot.js';

export interface TaskRow {
  pid: number; comm: string; state: string; ppid: number; threads: number;
  /** 100 = one full core. */
  cpuPct: number; userPct: number; systemPct: number;
  rssBytes: number;
  /** Time the main thread spent runnable but waiting for a CPU, per second of window. */
  runqueueWaitMsPerS?: number;
  runqueueWaitPerSliceUs?: number;
  minorFaultsPerS: number; majorFaultsPerS: number;
  cgroup?: string;
}

export type TaskSort = 'cpu' | 'rss' | 'runqueue_wait' | 'faults';

export interface TaskFilter {
  pids?: number[];
  /** Exact command name (the 15-character kernel comm). */
  comm?: string;
  /** cgroup path prefix, e.g. "/system.slice". */
  cgroupPrefix?: string;
  minCpuPct?: number;
}

export function taskRows(prev: Snapshot, cur: Snapshot, filter: TaskFilter = {}, sort: TaskSort = 'cpu', topN = 10): TaskRow[] {
  if (!prev.tasks || !cur.tasks) return [];
  const s = Math.max(1, cur.atMs - prev.atMs) / 1000;
  const hz = cur.clockTicksPerS;
  const rows: TaskRow[] = [];
  for (const [pid, c] of cur.tasks) {
    const p = prev.tasks.get(pid);
    // Same pid but a different start time is a recycled pid: treat as new.
    const base = p && p.stat.startTicks === c.stat.startTicks ? p : undefined;
    if (filter.pids && !filter.pids.includes(pid)) continue;
    if (filter.comm !== undefined && c.stat.comm !== filter.comm) continue;
    if (filter.cgroupPrefix !== undefined && !(c.cgroup ?? '').startsWith(filter.cgroupPrefix)) continue;
    const du = Math.max(0, c.stat.utime - (base?.stat.utime ?? c.stat.utime));
    const ds = Math.max(0, c.stat.stime - (base?.stat.stime ?? c.stat.stime));
    const row: TaskRow = {
      pid, comm: c.stat.comm, state: c.stat.state, ppid: c.stat.ppid, threads: c.stat.threads,
      cpuPct: round(((du + ds) / hz / s) * 100, 1), userPct: round((du / hz / s) * 100, 1), systemPct: round((ds / hz / s) * 100, 1),
      rssBytes: c.stat.rssPages * cur.pageSizeBytes,
      minorFaultsPerS: round(Math.max(0, c.stat.minorFaults - (base?.stat.minorFaults ?? c.stat.minorFaults)) / s, 1),
      majorFaultsPerS: round(Math.max(0, c.stat.majorFaults - (base?.stat.majorFaults ?? c.stat.majorFaults)) / s, 1),
    };
    if (c.sched && base?.sched) {
      const wait = Math.max(0, c.sched.waitNs - base.sched.waitNs);
      const slices = Math.max(0, c.sched.timeslices - base.sched.timeslices);
      row.runqueueWaitMsPerS = round(wait / 1e6 / s, 2);
      row.runqueueWaitPerSliceUs = slices === 0 ? 0 : round(wait / slices / 1000, 1);
    }
    if (c.cgroup !== undefined) row.cgroup = c.cgroup;
    if (filter.minCpuPct !== undefined && row.cpuPct < filter.minCpuPct) continue;
    rows.push(row);
  }
  const key: Record<TaskSort, (r: TaskRow) => number> = {
    cpu: (r) => r.cpuPct, rss: (r) => r.rssBytes, runqueue_wait: (r) => r.runqueueWaitMsPerS ?? 0,
    faults: (r) => r.minorFaultsPerS + r.majorFaultsPerS * 100,
  };
  return rows.sort((a, b) => key[sort](b) - key[sort](a) || a.pid - b.pid).slice(0, topN);
}

export interface CgroupRow {
  path: string; cpuPct?: number; memoryBytes?: number; procs?: number;
  cpuPressureSomeAvg10Pct?: number; memoryPressureSomeAvg10Pct?: number; ioPressureSomeAvg10Pct?: number;
}

export function cgroupRows(prev: Snapshot, cur: Snapshot, topN = 10): CgroupRow[] {
  const s = Math.max(1, cur.atMs - prev.atMs) / 1000;
  const rows = (cur.cgroupReadings ?? []).map((c) => {
    const p = prev.cgroupReadings?.find((x) => x.path === c.path);
    const row: CgroupRow = { path: c.path };
    if (c.cpuUsageUs !== undefined && p?.cpuUsageUs !== undefined) row.cpuPct = round((Math.max(0, c.cpuUsageUs - p.cpuUsageUs) / 1e6 / s) * 100, 1);
    if (c.memoryBytes !== undefined) row.memoryBytes = c.memoryBytes;
    if (c.procs !== undefined) row.procs = c.procs;
    if (c.cpuPressure) row.cpuPressureSomeAvg10Pct = c.cpuPressure.some.avg10;
    if (c.memoryPressure) row.memoryPressureSomeAvg10Pct = c.memoryPressure.some.avg10;
    if (c.ioPressure) row.ioPressureSomeAvg10Pct = c.ioPressure.some.avg10;
    return row;
  });
  return rows.sort((a, b) => (b.cpuPct ?? 0) - (a.cpuPct ?? 0) || (b.memoryBytes ?? 0) - (a.memoryBytes ?? 0)).slice(0, topN);
}
