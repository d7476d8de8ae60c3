// The raw material of a summary: one reading of every counter at an instant. Two snapshots make
// rates. Built by the sampler (I/O); consumed by the pure metric/digest code.
import type { CgroupLayout, DiskStat, LoadAvg, NetDev, PidStat, Pressure, ProcStat } from '../procfs/parse.js';

export interface TaskReading {
  stat: PidStat;
  /** Thread-group leader's run-queue wait; absent when schedstat is unreadable. */
  sched?: { runNs: number; waitNs: number; timeslices: number };
  cgroup?: string;
}

export interface CgroupReading {
  path: string;
  /** cgroup v2 cpu.stat usage_usec or v1 cpuacct.usage / 1000. */
  cpuUsageUs?: number;
  memoryBytes?: number;
  cpuPressure?: Pressure;
  memoryPressure?: Pressure;
  ioPressure?: Pressure;
  procs?: number;
}

export interface Snapshot {
  /** Milliseconds, monotonic (performance.now()). */
  atMs: number;
  /** Wall clock, ISO. */
  at: string;
  ncpu: number;
  clockTicksPerS: number;
  pageSizeBytes: number;
  stat: ProcStat;
  loadavg: LoadAvg;
  meminfo: Record<string, number>;
  vmstat: Record<string, number>;
  pressure: { cpu?: Pressure; memory?: Pressure; io?: Pressure };
  disks: DiskStat[];
  net: NetDev[];
  snmp: Record<string, number>;
  /** Per-thread run-queue wait counters (ns) keyed by tid: host-wide run-queue latency without CONFIG_SCHEDSTATS. */
  threadWait?: Map<number, { waitNs: number; timeslices: number }>;
  tasks?: Map<number, TaskReading>;
  cgroups: { layout: CgroupLayout; v2Path?: string; v1Controllers: string[] };
  cgroupReadings?: CgroupReading[];
}
