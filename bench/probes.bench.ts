// Probe benchmarks, side by side with what a user would run instead, in one run:
// - the floor of kernel BPF run-time statistics on this host (empty programs on the same hooks);
// - per-event cost of every probe (kernel BPF stats, sampling off), net of that floor (measured
//   under each workload: netOfFloorNs in every arm, bpftrace's included);
// - the extra wall time runqlat, cswitch and syscalls add to hackbench and stress-ng --switch next
//   to the equivalent bpftrace script (same tracepoints, same aggregation), trials interleaved
//   base, ours, ours-sampled, bpftrace, base, … so drift hits every arm alike; per-round paired
//   differences, medians and min–max;
// - start-up time, peak RSS and kernel memory (memlock of programs and maps) for both;
// - run-queue latency capture by runqlat vs `perf sched record` + `perf sched latency`: extra
//   time, data volume and the time to get the report.
// bpftrace and perf need tracefs: bpf/build/with-tracefs mounts it in a private mount namespace
// (as the probes do) and, with --bpf-stats, holds a BPF_ENABLE_STATS fd so bpftrace's programs are
// measured exactly like ours (the kernel restores the setting when the holder exits).
// SCHEDCP_BENCH_PROBE_TRIALS (default 5) sets the measured rounds; one warm-up round is dropped.
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, which, type RunResult } from '../src/exec/index.js';
import { parsePidStat } from '../src/analysis/procfs/parse.js';
import { runProbeLoader, type ProbeRequest, type ProbeRunResult } from '../src/analysis/probes/runner.js';
import { PROBES, loaderPath } from '../src/analysis/probes/registry.js';
import { median } from '../src/stats/index.js';

const TRIALS = Math.max(1, Number(process.env.SCHEDCP_BENCH_PROBE_TRIALS ?? 5));
const WARMUP = 1;
const WORKLOADS: Record<string, [string, string[]]> = {
  hackbench: ['hackbench', ['-p', '-g', '4', '-l', '2000']],
  stress_switch: ['stress-ng', ['--switch', '2', '--switch-ops', '1000000', '-q']],
};

// The same measurement as each probe: same events, same aggregation (histogram plus per-task
// count/total/max; per-task switch classes; per-syscall counts). prev_state: 0 is TASK_RUNNING,
// 0x100 (TASK_REPORT_MAX) is how the classic tracepoint reports a preempted task.
const BPFTRACE: Record<string, { script: string; programs: number }> = {
  runqlat: {
    programs: 3,
    script: `tracepoint:sched:sched_wakeup, tracepoint:sched:sched_wakeup_new { @qtime[args->pid] = nsecs; }
tracepoint:sched:sched_switch {
  if (args->prev_state == 0 || (args->prev_state & 0x100)) { @qtime[args->prev_pid] = nsecs; }
  $ns = @qtime[args->next_pid];
  if ($ns) { $d = nsecs - $ns; @usecs = hist($d / 1000); @wait[args->next_pid] = stats($d); @max[args->next_pid] = max($d); }
  delete(@qtime[args->next_pid]);
}`,
  },
  cswitch: {
    programs: 2,
    script: `tracepoint:sched:sched_switch /args->prev_pid != 0/ {
  if (args->prev_state == 0 || (args->prev_state & 0x100)) { @involuntary[args->prev_pid] = count(); } else { @voluntary[args->prev_pid] = count(); }
}
tracepoint:sched:sched_migrate_task /args->pid != 0/ { @migrations[args->pid] = count(); }`,
  },
  syscalls: { programs: 1, script: 'tracepoint:raw_syscalls:sys_enter { @[args->id] = count(); }' },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;
const spread = (xs: number[]) => ({ median: round1(median(xs)), min: round1(Math.min(...xs)), max: round1(Math.max(...xs)) });

/** A direct child of this process by executable path or comm (with-tracefs execs its command). */
function childPid(match: (exe: string, comm: string) => boolean): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parsePidStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat.ppid === process.pid && match(readlinkSync(`/proc/${entry}/exe`), stat.comm)) return Number(entry);
    } catch { /* exited */ }
  }
  return undefined;
}

interface BpfFds { progs: Array<{ id: number; runTimeNs: number; runCnt: number }>; memlockBytes: number }

/** The process's BPF programs (run time/count from their fdinfo) and the memlock of its programs and maps. */
function bpfFds(pid: number): BpfFds {
  const out: BpfFds = { progs: [], memlockBytes: 0 };
  let fds: string[] = [];
  try { fds = readdirSync(`/proc/${pid}/fdinfo`); } catch { return out; }
  for (const fd of fds) {
    let text: string;
    try { text = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'); } catch { continue; }
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    if (/^(prog_type|map_type):/m.test(text)) out.memlockBytes += field('memlock') || 0;
    if (/^prog_id:/m.test(text)) out.progs.push({ id: field('prog_id'), runTimeNs: field('run_time_ns') || 0, runCnt: field('run_cnt') || 0 });
  }
  return out;
}

function peakRssKb(pid: number): number {
  try { return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0); } catch { return 0; }
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(5);
  }
}

const timed = async (file: string, args: string[]) => (await run(file, args, { timeoutMs: 180_000 })).durationMs;

interface ArmResult { ms: number; nsPerEvent: number; events: number; startupMs: number; rssKb: number; kernelKb: number; outputBytes: number; sampled?: boolean; sampleEvery?: number }

/** One workload run with our probe attached: attach (untimed), run, SIGINT the loader so it reports. */
async function oursTrial(req: Omit<ProbeRequest, 'durationS'>, file: string, args: string[]): Promise<ArmResult> {
  let work: Promise<{ ms: number; kernelKb: number }> | undefined;
  const exe = loaderPath(req.name);
  const r: ProbeRunResult = await runProbeLoader({ ...req, durationS: 300 }, {
    maxProbeSeconds: 300,
    onAttached: () => {
      work = (async () => {
        const pid = await waitFor('loader pid', () => childPid((e) => e === exe), 5000);
        const kernelKb = bpfFds(pid).memlockBytes / 1024;
        try { return { ms: await timed(file, args), kernelKb }; } finally { process.kill(pid, 'SIGINT'); }
      })();
    },
  });
  if (!work) throw new Error(`${req.name} never attached`);
  const w = await work;
  return {
    ms: w.ms, nsPerEvent: r.overhead.nsPerEvent, events: r.overhead.runCount, startupMs: r.startupMs, rssKb: r.loaderMaxRssKb,
    kernelKb: Math.round(w.kernelKb), outputBytes: JSON.stringify(r.data).length,
    ...(r.sampling && { sampled: r.sampling.sampled, sampleEvery: r.sampling.sampleEvery }),
  };
}

/** A traced process started through with-tracefs, the workload timed once it is ready, then SIGINT. */
async function peerTrial(argv: string[], comm: string, ready: (pid: number) => boolean, file: string, args: string[]) {
  const started = performance.now();
  const proc = run(loaderPath('with-tracefs'), argv, { timeoutMs: 300_000, allowFailure: true, maxOutputBytes: 256 * 1024 * 1024 });
  let failed: RunResult | undefined;
  void proc.then((r) => { failed = r; });
  const pid = await waitFor(`${comm} start`, () => {
    if (failed) throw new Error(`${comm} exited early (${failed.exitCode}): ${failed.stderr.slice(-400)}`);
    const p = childPid((_e, c) => c === comm);
    return p !== undefined && ready(p) ? p : undefined;
  });
  const startupMs = performance.now() - started;
  const before = bpfFds(pid);
  const ms = await timed(file, args);
  const after = bpfFds(pid);
  const rssKb = peakRssKb(pid);
  // Repeat SIGINT until it exits: once in a run bpftrace 0.17 missed it (signal before its
  // epoll_wait, presumably) and waited forever.
  process.kill(pid, 'SIGINT');
  const again = setInterval(() => { try { process.kill(pid, 'SIGINT'); } catch { /* gone */ } }, 3000);
  const result = await proc.finally(() => clearInterval(again));
  return { ms, startupMs, before, after, rssKb, result };
}

async function bpftraceTrial(probe: string, file: string, args: string[]): Promise<ArmResult> {
  const { script, programs } = BPFTRACE[probe]!;
  const t = await peerTrial(['--bpf-stats', 'bpftrace', '-e', script], 'bpftrace', (pid) => {
    const p = bpfFds(pid).progs;
    return p.length >= programs && p.some((x) => x.runCnt > 0);
  }, file, args);
  const ran = (f: BpfFds, k: 'runTimeNs' | 'runCnt') => f.progs.reduce((a, p) => a + p[k], 0);
  const events = ran(t.after, 'runCnt') - ran(t.before, 'runCnt');
  const ns = ran(t.after, 'runTimeNs') - ran(t.before, 'runTimeNs');
  return {
    ms: t.ms, nsPerEvent: events ? round1(ns / events) : 0, events, startupMs: round1(t.startupMs), rssKb: t.rssKb,
    kernelKb: Math.round(t.after.memlockBytes / 1024), outputBytes: t.result.stdout.length,
  };
}

async function perfSchedTrial(file: string, args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'schedcp-perf-sched-'));
  try {
    const data = join(dir, 'perf.data');
    // perf writes the file header after opening every event, just before it enables them.
    const t = await peerTrial(['perf', 'sched', 'record', '-a', '-o', data], 'perf', () => {
      try { return statSync(data).size > 0; } catch { return false; }
    }, file, args);
    const dataBytes = statSync(data).size;
    const report = await run(loaderPath('with-tracefs'), ['perf', 'sched', 'latency', '-i', data], { timeoutMs: 300_000, maxOutputBytes: 64 * 1024 * 1024 });
    return { ms: t.ms, startupMs: t.startupMs, dataBytes, reportMs: report.durationMs, reportBytes: report.stdout.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function arm(base: number[], xs: ArmResult[]) {
  const extra = xs.map((x, i) => x.ms - base[i]!);
  return {
    medianMs: round1(median(xs.map((x) => x.ms))), extraMs: spread(extra), slowdownPct: round1((median(extra) / median(base)) * 100),
    nsPerEvent: spread(xs.map((x) => x.nsPerEvent)), eventsPerTrialMedian: median(xs.map((x) => x.events)),
    ...(xs[0]?.sampled !== undefined && { sampledTrials: xs.filter((x) => x.sampled).length, sampleEveryMedian: median(xs.map((x) => x.sampleEvery ?? 1)) }),
  };
}

const loadNow = () => loadavg().map((x) => Math.round(x * 100) / 100);

export async function benchProbes(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, kernel: release(), note: 'host probes (no VM); machine shared with other work unless stated' },
    loadAvgAtStart: loadNow(), trials: TRIALS, warmupRounds: WARMUP,
  };
  const hasBpftrace = which('bpftrace') !== undefined;
  const hasPerf = which('perf') !== undefined;

  // The measurement floor: empty programs on sched_switch and sys_enter under one run of each workload.
  const floors: Record<string, Awaited<ReturnType<typeof oursFloor>>> = {};
  for (const [wname, [file, args]] of Object.entries(WORKLOADS)) floors[wname] = await oursFloor(file, args);
  const floor = floors.hackbench!;
  out.statsFloorNsPerEvent = floor;
  out.statsFloorNsPerEventStressSwitch = floors.stress_switch;

  // Per-event cost of every probe under one hackbench run, sampling off (every event recorded).
  const perEvent: Record<string, unknown> = {};
  for (const p of PROBES) {
    const r = await oursTrial({ name: p.name, ...(p.sampling && { sampling: 'off' as const }) }, ...WORKLOADS.hackbench!);
    const hook = p.name === 'syscalls' ? floor.sys_enter : floor.sched_switch;
    perEvent[p.name] = { nsPerEvent: r.nsPerEvent, netOfFloorNs: hook ? round1(r.nsPerEvent - hook) : undefined, events: r.events, startupMs: r.startupMs, rssKb: r.rssKb, kernelKb: r.kernelKb };
  }
  const lat = await oursTrial({ name: 'syscalls', latency: true, sampling: 'off' }, ...WORKLOADS.hackbench!);
  perEvent['syscalls --latency'] = { nsPerEvent: lat.nsPerEvent, events: lat.events };
  out.perEventUnderHackbench = perEvent;

  // Extra time per workload: base, ours (sampling off), ours (auto sampling), bpftrace; interleaved.
  const startup: Record<string, { ours: ArmResult[]; bpftrace: ArmResult[] }> = {};
  const workloads: Record<string, unknown> = {};
  for (const [wname, [file, args]] of Object.entries(WORKLOADS)) {
    const probes: Record<string, unknown> = {};
    const allBase: number[] = [];
    for (const probe of Object.keys(BPFTRACE)) {
      const base: number[] = [], ours: ArmResult[] = [], sampled: ArmResult[] = [], bt: ArmResult[] = [];
      const sampling = probe !== 'syscalls'; // counting mode records every syscall by design
      for (let i = 0; i < WARMUP + TRIALS; i++) {
        const b = await timed(file, args);
        const o = await oursTrial({ name: probe, sampling: 'off' }, file, args);
        const s = sampling ? await oursTrial({ name: probe }, file, args) : undefined;
        const p = hasBpftrace ? await bpftraceTrial(probe, file, args) : undefined;
        if (i < WARMUP) continue;
        base.push(b); ours.push(o); if (s) sampled.push(s); if (p) bt.push(p);
      }
      allBase.push(...base);
      (startup[probe] ??= { ours: [], bpftrace: [] }).ours.push(...ours);
      startup[probe]!.bpftrace.push(...bt);
      const hook = probe === 'syscalls' ? floors[wname]!.sys_enter : floors[wname]!.sched_switch;
      const oursArm = { ...arm(base, ours), netOfFloorNs: round1(median(ours.map((x) => x.nsPerEvent)) - hook) };
      const btArm = bt.length ? { ...arm(base, bt), netOfFloorNs: round1(median(bt.map((x) => x.nsPerEvent)) - hook) } : undefined;
      probes[probe] = {
        baselineMs: spread(base), ours: oursArm, ...(sampled.length && { oursAutoSampled: arm(base, sampled) }),
        ...(btArm ? { bpftrace: btArm, extraRatioOursToBpftrace: btArm.extraMs.median > 0 ? Math.round((oursArm.extraMs.median / btArm.extraMs.median) * 100) / 100 : null, target: 'extraRatioOursToBpftrace <= 0.8' } : { bpftrace: 'not installed' }),
      };
    }
    workloads[wname] = { command: [file, ...args].join(' '), order: 'per round: base, ours (sampling off), ours (auto sampling), bpftrace', baselineMs: spread(allBase), probes };
  }
  out.workloads = workloads;
  out.bpftraceScripts = Object.fromEntries(Object.entries(BPFTRACE).map(([k, v]) => [k, v.script]));

  out.startupAndMemory = Object.fromEntries(Object.entries(startup).map(([probe, { ours, bpftrace }]) => [probe, {
    ours: { startupMs: spread(ours.map((x) => x.startupMs)), peakRssKb: median(ours.map((x) => x.rssKb)), kernelMemlockKb: median(ours.map((x) => x.kernelKb)), resultBytes: median(ours.map((x) => x.outputBytes)) },
    ...(bpftrace.length && { bpftrace: { startupMs: spread(bpftrace.map((x) => x.startupMs)), peakRssKb: median(bpftrace.map((x) => x.rssKb)), kernelMemlockKb: median(bpftrace.map((x) => x.kernelKb)), outputBytes: median(bpftrace.map((x) => x.outputBytes)) } }),
    note: 'ours: spawn → attached line; bpftrace: spawn → all its programs loaded and firing (includes its LLVM compile)',
  }]));

  // Run-queue latency capture: runqlat vs perf sched record + perf sched latency, interleaved.
  if (hasPerf) {
    const perfOut: Record<string, unknown> = {};
    for (const [wname, [file, args]] of Object.entries(WORKLOADS)) {
      const base: number[] = [], ours: ArmResult[] = [], perf: Array<Awaited<ReturnType<typeof perfSchedTrial>>> = [];
      for (let i = 0; i < WARMUP + TRIALS; i++) {
        const b = await timed(file, args);
        const o = await oursTrial({ name: 'runqlat', sampling: 'off' }, file, args);
        const p = await perfSchedTrial(file, args);
        if (i < WARMUP) continue;
        base.push(b); ours.push(o); perf.push(p);
      }
      const perfExtra = perf.map((p, i) => p.ms - base[i]!);
      const oursArm = arm(base, ours);
      perfOut[wname] = {
        baselineMs: spread(base),
        runqlat: { extraMs: oursArm.extraMs, slowdownPct: oursArm.slowdownPct, resultBytes: median(ours.map((x) => x.outputBytes)), note: 'the result is the report: no post-processing step' },
        perfSched: { extraMs: spread(perfExtra), slowdownPct: round1((median(perfExtra) / median(base)) * 100), dataBytes: spread(perf.map((p) => p.dataBytes)), latencyReportMs: spread(perf.map((p) => p.reportMs)), reportBytes: median(perf.map((p) => p.reportBytes)), startupMs: spread(perf.map((p) => p.startupMs)) },
        extraRatioRunqlatToPerf: median(perfExtra) > 0 ? Math.round((oursArm.extraMs.median / median(perfExtra)) * 100) / 100 : null,
      };
    }
    out.runqlatVsPerfSched = perfOut;
  } else out.runqlatVsPerfSched = 'perf not installed';
  out.loadAvgAtEnd = loadNow();
  return out;
}

/** statfloor (bpf/statfloor.bpf.c): an empty program's ns/event on one hook, loaded alone (as each
 * probe runs: with both hooks loaded, 6 M sys_enter runs kept the stats path warm for sched_switch
 * and its floor read ~10 ns low), during one run of the workload. */
async function floorRun(program: string, file: string, wargs: string[]): Promise<number> {
  const exe = loaderPath('statfloor');
  let work: Promise<number> | undefined;
  const proc = run(exe, ['--duration-ms', '300000'], {
    timeoutMs: 320_000, env: { SCHEDCP_FLOOR_ONLY: program },
    onStdoutLine: (line) => {
      if (!line.includes('"attached"') || work) return;
      work = (async () => {
        const pid = await waitFor('statfloor pid', () => childPid((e) => e === exe), 5000);
        try { return await timed(file, wargs); } finally { process.kill(pid, 'SIGINT'); }
      })();
    },
  });
  const r = await proc;
  await work;
  const line = r.stdout.split('\n').find((l) => l.includes('"result"'));
  const progs = (JSON.parse(line ?? '{}') as { data?: { programs?: Record<string, { ns_per_event: number }> } }).data?.programs ?? {};
  return progs[program]?.ns_per_event ?? 0;
}

const FLOOR_RUNS = 3;
/** Median of FLOOR_RUNS lone-program runs per hook (a lone sched_switch floor varied 66-117 ns here). */
async function oursFloor(file: string, wargs: string[]): Promise<{ sched_switch: number; sys_enter: number; runs: Record<string, number[]> }> {
  const runs: Record<string, number[]> = { sched_switch: [], sys_enter: [] };
  for (let i = 0; i < FLOOR_RUNS; i++) {
    runs.sched_switch!.push(await floorRun('floor_switch', file, wargs));
    runs.sys_enter!.push(await floorRun('floor_sys_enter', file, wargs));
  }
  return { sched_switch: round1(median(runs.sched_switch!)), sys_enter: round1(median(runs.sys_enter!)), runs };
}
