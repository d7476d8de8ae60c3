import { describe, expect, it } from 'vitest';
import { computeMetrics } from './metrics.js';
import type { Snapshot } from './snapshot.js';
import { taskRows } from './tasks.js';
import { digest } from './digest.js';
import { classify, loadThresholds, signalInputs } from '../signals/classify.js';
import type { PidStat } from '../procfs/parse.js';

const cpu = (name: string, user: number, idle: number) => ({ name, user, nice: 0, system: 0, idle, iowait: 0, irq: 0, softirq: 0, steal: 0 });
const pid = (p: number, comm: string, utime: number, start = 1): PidStat => ({ pid: p, comm, state: 'R', ppid: 1, utime, stime: 0, threads: 1, startTicks: start, processor: 0, rssPages: 256, minorFaults: utime, majorFaults: 0 });

function snap(atMs: number, opts: { user: number; idle: number; ctxt: number; tasks: PidStat[]; wait: number; slices: number; running: number; disk: number; oom: number }): Snapshot {
  return {
    atMs, at: new Date(atMs).toISOString(), ncpu: 2, clockTicksPerS: 100, pageSizeBytes: 4096,
    stat: { cpus: [cpu('cpu', opts.user * 2, opts.idle * 2), cpu('cpu0', opts.user, opts.idle), cpu('cpu1', opts.user, opts.idle)], contextSwitches: opts.ctxt, forks: 10, procsRunning: opts.running, procsBlocked: 0, bootTimeS: 0 },
    loadavg: { load1: 2, load5: 1, load15: 0.5, runnable: 4, threads: 100 },
    meminfo: { MemTotal: 1000 * 1024 * 1024, MemAvailable: 250 * 1024 * 1024, SwapTotal: 0, SwapFree: 0 },
    vmstat: { pswpin: 0, pswpout: 0, pgfault: 1000, pgmajfault: 0, oom_kill: opts.oom },
    pressure: { cpu: { some: { avg10: 40, avg60: 10, avg300: 1, totalUs: opts.wait } } },
    disks: [{ name: 'vda', reads: 0, sectorsRead: 0, readMs: 0, writes: opts.disk, sectorsWritten: opts.disk * 8, writeMs: opts.disk * 2, inFlight: 0, ioMs: opts.disk * 2, weightedIoMs: 0 }],
    net: [], snmp: { 'Tcp.OutSegs': 100, 'Tcp.RetransSegs': 0 },
    threadWait: new Map([[1, { waitNs: opts.wait, timeslices: opts.slices }]]),
    tasks: new Map(opts.tasks.map((t) => [t.pid, { stat: t, sched: { runNs: 0, waitNs: opts.wait, timeslices: opts.slices } }])),
    cgroups: { layout: 'v2', v2Path: '/sys/fs/cgroup', v1Controllers: [] },
  };
}

describe('level 1 metrics and level 2 task rows', () => {
  const a = snap(0, { user: 100, idle: 100, ctxt: 1000, tasks: [pid(10, 'spin', 0), pid(11, 'idle', 5), pid(12, 'reused', 0, 1)], wait: 0, slices: 0, running: 3, disk: 0, oom: 0 });
  const b = snap(2000, { user: 250, idle: 150, ctxt: 5000, tasks: [pid(10, 'spin', 200), pid(11, 'idle', 5), pid(12, 'reused', 50, 999)], wait: 400_000_000, slices: 100, running: 5, disk: 100, oom: 1 });
  const m = computeMetrics(a, b);

  it('turns counters into rates over the window', () => {
    expect(m.windowMs).toBe(2000);
    expect(m.cpu.total.busyPct).toBe(75); // 150 user of 200 ticks per CPU
    expect(m.cpu.perCore).toHaveLength(2);
    expect(m.scheduler.contextSwitchesPerS).toBe(2000);
    expect(m.scheduler.runqueueWaitPerSliceUs).toBe(4000); // 400 ms over 100 slices
    expect(m.scheduler.runqueueWaitSharePct).toBe(10); // 400 ms of 2 CPUs × 2 s
    expect(m.load.runnablePerCpu).toBe(1.5); // min of the two readings / 2
    expect(m.memory.availablePct).toBe(25);
    expect(m.memory.oomKillsInWindow).toBe(1);
    expect(m.io.disks[0]).toMatchObject({ writesPerS: 50, writeBytesPerS: 50 * 4096, utilPct: 10, awaitMs: 2 });
    expect(m.cpu.pressure?.someStallUsPerS).toBe(200_000_000);
  });

  it('ranks processes by CPU, treats a recycled pid as new, and filters', () => {
    const rows = taskRows(a, b, {}, 'cpu', 10);
    expect(rows[0]).toMatchObject({ pid: 10, comm: 'spin', cpuPct: 100, rssBytes: 256 * 4096, runqueueWaitMsPerS: 200, runqueueWaitPerSliceUs: 4000 });
    expect(rows.find((r) => r.pid === 12)!.cpuPct).toBe(0);
    expect(taskRows(a, b, { comm: 'idle' }).map((r) => r.pid)).toEqual([11]);
    expect(taskRows(a, b, { minCpuPct: 50 }).map((r) => r.pid)).toEqual([10]);
    expect(taskRows(a, b, {}, 'cpu', 1)).toHaveLength(1);
  });

  it('feeds the classifier and the level-0 digest', () => {
    const rows = taskRows(a, b);
    const signals = classify(signalInputs(m, rows), loadThresholds(), b.at);
    expect(signals.find((s) => s.name === 'oom_risk')!.severity).toBe('high');
    expect(signals.find((s) => s.name === 'runqueue_latency_high')!.severity).toBe('medium');
    const lines = digest(m, rows, signals);
    expect(lines[0]).toMatch(/^CPU: 75% busy of 2 cores/);
    expect(lines.join('\n')).toMatch(/Top CPU: spin \(pid 10\) 100%/);
    expect(lines[lines.length - 1]).toMatch(/^Signals: .*oom_risk high/);
  });
});
