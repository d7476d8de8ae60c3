// Level 1: structured metrics from two snapshots. Counters become rates over the window; every
// field name carries its unit (Pct, Bytes, PerS, Us, Ms, Ns, Tasks).
import type { CpuTimes, Pressure } from '../procfs/parse.js';
import type { Snapshot } from './snapshot.js';

export interface CpuMetrics {
  name: string;
  busyPct: number; userPct: number; systemPct: number; iowaitPct: number; irqPct: number; stealPct: number; idlePct: number;
}

export interface PressureMetrics { someAvg10Pct: number; someAvg60Pct: number; fullAvg10Pct?: number; someStallUsPerS: number }

export interface Level1Metrics {
  windowMs: number;
  cpu: { cores: number; total: CpuMetrics; perCore: CpuMetrics[]; pressure?: PressureMetrics };
  load: { load1: number; load5: number; load15: number; runnableTasks: number; runnablePerCpu: number; blockedTasks: number; threads: number };
  scheduler: {
    contextSwitchesPerS: number; forksPerS: number;
    /** Mean run-queue wait per timeslice over the window (all threads alive in both snapshots). */
    runqueueWaitPerSliceUs?: number;
    runqueueWaitSharePct?: number;
    migrationsPerS?: number;
  };
  memory: {
    totalBytes: number; availableBytes: number; availablePct: number; usedPct: number;
    swapTotalBytes: number; swapUsedBytes: number; swapUsedPct: number;
    swapInPagesPerS: number; swapOutPagesPerS: number; majorFaultsPerS: number; minorFaultsPerS: number;
    oomKillsInWindow: number; dirtyBytes: number;
    pressure?: PressureMetrics;
  };
  io: {
    disks: Array<{ name: string; readBytesPerS: number; writeBytesPerS: number; readsPerS: number; writesPerS: number; utilPct: number; awaitMs: number; inFlight: number }>;
    maxUtilPct: number;
    pressure?: PressureMetrics;
  };
  network: {
    interfaces: Array<{ iface: string; rxBytesPerS: number; txBytesPerS: number; rxPacketsPerS: number; txPacketsPerS: number; errorsPerS: number; dropsPerS: number }>;
    errorsPerS: number; dropsPerS: number;
    tcpRetransPct: number; tcpRetransSegsPerS: number;
  };
  cgroups: { layout: string; v2Path?: string; v1Controllers: string[] };
}

const delta = (a: number | undefined, b: number | undefined) => Math.max(0, (b ?? 0) - (a ?? 0));
export const round = (v: number, digits = 2) => { const f = 10 ** digits; return Math.round(v * f) / f; };

export function cpuPercentages(prev: CpuTimes, cur: CpuTimes): CpuMetrics {
  const d = (k: keyof Omit<CpuTimes, 'name'>) => delta(prev[k], cur[k]);
  const user = d('user') + d('nice');
  const system = d('system');
  const irq = d('irq') + d('softirq');
  const total = user + system + irq + d('idle') + d('iowait') + d('steal');
  const pct = (v: number) => (total === 0 ? 0 : round((v / total) * 100, 1));
  return {
    name: cur.name, busyPct: pct(user + system + irq + d('steal')), userPct: pct(user), systemPct: pct(system),
    iowaitPct: pct(d('iowait')), irqPct: pct(irq), stealPct: pct(d('steal')), idlePct: pct(d('idle')),
  };
}

function pressureMetrics(prev: Pressure | undefined, cur: Pressure | undefined, seconds: number): PressureMetrics | undefined {
  if (!cur) return undefined;
  const m: PressureMetrics = {
    someAvg10Pct: cur.some.avg10, someAvg60Pct: cur.some.avg60,
    someStallUsPerS: prev && seconds > 0 ? round(delta(prev.some.totalUs, cur.some.totalUs) / seconds, 0) : 0,
  };
  if (cur.full) m.fullAvg10Pct = cur.full.avg10;
  return m;
}

export function computeMetrics(prev: Snapshot, cur: Snapshot): Level1Metrics {
  const windowMs = Math.max(1, cur.atMs - prev.atMs);
  const s = windowMs / 1000;
  const rate = (a: number | undefined, b: number | undefined) => round(delta(a, b) / s, 1);
  const cpus = cur.stat.cpus.map((c) => {
    const p = prev.stat.cpus.find((x) => x.name === c.name) ?? c;
    return cpuPercentages(p, c);
  });
  const total = cpus.find((c) => c.name === 'cpu') ?? cpuPercentages(cur.stat.cpus[0]!, cur.stat.cpus[0]!);

  let waitNs = 0, slices = 0, threadsSeen = 0;
  if (prev.threadWait && cur.threadWait) {
    for (const [tid, c] of cur.threadWait) {
      const p = prev.threadWait.get(tid);
      if (!p) continue;
      waitNs += delta(p.waitNs, c.waitNs);
      slices += delta(p.timeslices, c.timeslices);
      threadsSeen++;
    }
  }
  const mi = cur.meminfo;
  const memTotal = mi.MemTotal ?? 0;
  const avail = mi.MemAvailable ?? (mi.MemFree ?? 0);
  const swapTotal = mi.SwapTotal ?? 0;
  const swapUsed = swapTotal - (mi.SwapFree ?? 0);
  const disks = cur.disks.map((d) => {
    const p = prev.disks.find((x) => x.name === d.name) ?? d;
    const ios = delta(p.reads, d.reads) + delta(p.writes, d.writes);
    return {
      name: d.name,
      readBytesPerS: rate(p.sectorsRead * 512, d.sectorsRead * 512), writeBytesPerS: rate(p.sectorsWritten * 512, d.sectorsWritten * 512),
      readsPerS: rate(p.reads, d.reads), writesPerS: rate(p.writes, d.writes),
      utilPct: round(Math.min(100, (delta(p.ioMs, d.ioMs) / windowMs) * 100), 1),
      awaitMs: ios === 0 ? 0 : round((delta(p.readMs, d.readMs) + delta(p.writeMs, d.writeMs)) / ios, 2),
      inFlight: d.inFlight,
    };
  });
  const ifaces = cur.net.filter((n) => n.iface !== 'lo').map((n) => {
    const p = prev.net.find((x) => x.iface === n.iface) ?? n;
    return {
      iface: n.iface, rxBytesPerS: rate(p.rxBytes, n.rxBytes), txBytesPerS: rate(p.txBytes, n.txBytes),
      rxPacketsPerS: rate(p.rxPackets, n.rxPackets), txPacketsPerS: rate(p.txPackets, n.txPackets),
      errorsPerS: rate(p.rxErrors + p.txErrors, n.rxErrors + n.txErrors), dropsPerS: rate(p.rxDropped + p.txDropped, n.rxDropped + n.txDropped),
    };
  });
  const outSegs = delta(prev.snmp['Tcp.OutSegs'], cur.snmp['Tcp.OutSegs']);
  const retrans = delta(prev.snmp['Tcp.RetransSegs'], cur.snmp['Tcp.RetransSegs']);
  const scheduler: Level1Metrics['scheduler'] = {
    contextSwitchesPerS: rate(prev.stat.contextSwitches, cur.stat.contextSwitches),
    forksPerS: rate(prev.stat.forks, cur.stat.forks),
  };
  if (threadsSeen > 0) {
    scheduler.runqueueWaitPerSliceUs = slices === 0 ? 0 : round(waitNs / slices / 1000, 1);
    scheduler.runqueueWaitSharePct = round((waitNs / 1e6 / windowMs / cur.ncpu) * 100, 1);
  }
  if (cur.vmstat.nr_migrations !== undefined) scheduler.migrationsPerS = rate(prev.vmstat.nr_migrations, cur.vmstat.nr_migrations);
  const cpuP = pressureMetrics(prev.pressure.cpu, cur.pressure.cpu, s);
  const memP = pressureMetrics(prev.pressure.memory, cur.pressure.memory, s);
  const ioP = pressureMetrics(prev.pressure.io, cur.pressure.io, s);
  return {
    windowMs: round(windowMs, 1),
    cpu: { cores: cur.ncpu, total, perCore: cpus.filter((c) => c.name !== 'cpu'), ...(cpuP && { pressure: cpuP }) },
    load: {
      load1: cur.loadavg.load1, load5: cur.loadavg.load5, load15: cur.loadavg.load15,
      // procs_running counts the reader too; the minimum of the two readings damps that one-task bias.
      runnableTasks: Math.min(cur.stat.procsRunning, prev.stat.procsRunning),
      runnablePerCpu: round(Math.min(cur.stat.procsRunning, prev.stat.procsRunning) / cur.ncpu, 2),
      blockedTasks: cur.stat.procsBlocked, threads: cur.loadavg.threads,
    },
    scheduler,
    memory: {
      totalBytes: memTotal, availableBytes: avail, availablePct: memTotal ? round((avail / memTotal) * 100, 1) : 0,
      usedPct: memTotal ? round(((memTotal - avail) / memTotal) * 100, 1) : 0,
      swapTotalBytes: swapTotal, swapUsedBytes: swapUsed, swapUsedPct: swapTotal ? round((swapUsed / swapTotal) * 100, 1) : 0,
      swapInPagesPerS: rate(prev.vmstat.pswpin, cur.vmstat.pswpin), swapOutPagesPerS: rate(prev.vmstat.pswpout, cur.vmstat.pswpout),
      majorFaultsPerS: rate(prev.vmstat.pgmajfault, cur.vmstat.pgmajfault),
      minorFaultsPerS: round(Math.max(0, delta(prev.vmstat.pgfault, cur.vmstat.pgfault) - delta(prev.vmstat.pgmajfault, cur.vmstat.pgmajfault)) / s, 1),
      oomKillsInWindow: delta(prev.vmstat.oom_kill, cur.vmstat.oom_kill), dirtyBytes: mi.Dirty ?? 0,
      ...(memP && { pressure: memP }),
    },
    io: { disks, maxUtilPct: Math.max(0, ...disks.map((d) => d.utilPct)), ...(ioP && { pressure: ioP }) },
    network: {
      interfaces: ifaces,
      errorsPerS: round(ifaces.reduce((a, i) => a + i.errorsPerS, 0), 1), dropsPerS: round(ifaces.reduce((a, i) => a + i.dropsPerS, 0), 1),
      tcpRetransPct: outSegs === 0 ? 0 : round((retrans / outSegs) * 100, 2), tcpRetransSegsPerS: round(retrans / s, 1),
    },
    cgroups: cur.cgroups,
  };
}
