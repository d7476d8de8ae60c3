// Analysis benchmarks: per-event probe overhead (kernel BPF stats), end-to-end slowdown of hackbench
// and stress-ng --switch with each probe attached vs none, probe start-up time and RSS, and
// system_summary latency. Medians and ratios only; targets are judged by the reader, not asserted.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { run, which } from '../src/exec/index.js';
import { parsePidStat } from '../src/analysis/procfs/parse.js';
import { runProbeLoader, type ProbeRunResult } from '../src/analysis/probes/runner.js';
import { PROBES, loaderPath } from '../src/analysis/probes/registry.js';
import { SummaryService } from '../src/analysis/summary/service.js';
import { compareSamples, median, percentile } from '../src/stats/index.js';

/** Measured (baseline, probed) pairs per probe, after WARMUP discarded pairs. */
const TRIALS = 7;
const WARMUP = 1;
// Sized so one trial takes about a second on a quiet 2-core machine: shorter trials are dominated by
// process start-up and scheduling noise (stress-ng at 100k ops: median 122 ms, p95 187 ms).
const WORKLOADS: Record<string, [string, string[]]> = {
  hackbench: ['hackbench', ['-p', '-g', '4', '-l', '2000']],
  stress_switch: ['stress-ng', ['--switch', '2', '--switch-ops', '1000000', '-q']],
};

async function trial(file: string, args: string[]): Promise<number> {
  return (await run(file, args, { timeoutMs: 120_000 })).durationMs;
}

/** pid of the running loader of `probe` that this process started. */
function loaderPid(probe: string): number {
  const exe = loaderPath(probe);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`) === exe && parsePidStat(readFileSync(`/proc/${entry}/stat`, 'utf8')).ppid === process.pid) return Number(entry);
    } catch { /* exited */ }
  }
  throw new Error(`${probe}: its loader process was not found`);
}

/** One timed workload run with the probe attached: attach (untimed), run, then SIGINT the loader so it reports. */
async function probedTrial(probe: string, file: string, args: string[]): Promise<{ ms: number; probe: ProbeRunResult }> {
  let timed: Promise<number> | undefined;
  const result = await runProbeLoader({ name: probe, durationS: 300 }, {
    maxProbeSeconds: 300,
    onAttached: () => {
      timed = (async () => {
        const pid = loaderPid(probe);
        try { return await trial(file, args); } finally { process.kill(pid, 'SIGINT'); }
      })();
    },
  });
  if (!timed) throw new Error(`${probe} never attached`);
  return { ms: await timed, probe: result };
}

export async function benchAnalysis(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};

  // system_summary latency: level 0 reusing the previous sample (the warm path), level 1 and 2 over 200 ms windows.
  const service = new SummaryService();
  await service.summary({ level: 0, windowMs: 200 });
  const level0: number[] = [];
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 60));
    const t = performance.now();
    await service.summary({ level: 0, windowMs: 0 });
    level0.push(performance.now() - t);
  }
  const sampleCost = async (level: 1 | 2) => {
    const xs: number[] = [];
    for (let i = 0; i < 10; i++) { const t = performance.now(); await service.summary({ level, windowMs: 200 }); xs.push(performance.now() - t - 200); }
    return xs;
  };
  const l1 = await sampleCost(1);
  const l2 = await sampleCost(2);
  out.systemSummary = {
    level0WarmMsP50: median(level0), level0WarmMsP95: percentile(level0, 95),
    level1SamplingCostMsP50: median(l1), level2SamplingCostMsP50: median(l2), note: 'level 1/2 exclude the 200 ms window itself',
  };

  // Probe start-up (spawn → attached line), loader RSS, idle overhead.
  const startup: Record<string, unknown> = {};
  for (const p of PROBES) {
    const runs: ProbeRunResult[] = [];
    for (let i = 0; i < 3; i++) runs.push(await runProbeLoader({ name: p.name, durationS: 0.3 }, { maxProbeSeconds: 60 }));
    startup[p.name] = {
      startupMsP50: median(runs.map((r) => r.startupMs)),
      attachMsP50: median(runs.map((r) => r.attachMs)), loaderMaxRssKb: Math.max(...runs.map((r) => r.loaderMaxRssKb)), attach: runs[0]!.attach,
    };
  }
  out.probeStartup = startup;

  // End-to-end slowdown and per-event overhead under each workload. Baseline and probed trials
  // alternate (A B A B …) so drift, warm-up and background load hit both sides alike; the first
  // WARMUP pairs of every probe are discarded.
  for (const [name, [file, args]] of Object.entries(WORKLOADS)) {
    const allBase: number[] = [];
    const perProbe: Record<string, unknown> = {};
    for (const p of PROBES) {
      const base: number[] = [];
      const probed: number[] = [];
      let runTimeNs = 0, runCount = 0, attachedMs = 0;
      for (let i = 0; i < WARMUP + TRIALS; i++) {
        const b = await trial(file, args);
        const t = await probedTrial(p.name, file, args);
        if (i < WARMUP) continue;
        base.push(b);
        probed.push(t.ms);
        runTimeNs += t.probe.overhead.runTimeNs;
        runCount += t.probe.overhead.runCount;
        attachedMs += t.probe.durationMs;
      }
      allBase.push(...base);
      const cmp = compareSamples(base, probed, { direction: 'lower_is_better' });
      perProbe[p.name] = {
        baselineMedianMs: median(base), medianMs: median(probed), slowdownPct: cmp.changePct, ciLowPct: cmp.ciLowPct, ciHighPct: cmp.ciHighPct, verdict: cmp.verdict,
        nsPerEvent: runCount ? Math.round((runTimeNs / runCount) * 10) / 10 : 0, eventsPerS: attachedMs ? Math.round((runCount / attachedMs) * 1000) : 0, events: runCount,
      };
    }
    out[name] = {
      command: [file, ...args].join(' '), trials: TRIALS, warmupPairs: WARMUP, order: 'interleaved: baseline, probed, baseline, probed, …',
      baselineMedianMs: median(allBase), baselineP95Ms: percentile(allBase, 95), probes: perProbe,
    };
  }
  out.bpftrace = which('bpftrace') ? 'installed, but no bpftrace comparison is implemented' : 'not installed on this host: comparison skipped';
  return out;
}
