// Analysis benchmarks: per-event probe overhead (kernel BPF stats), end-to-end slowdown of hackbench
// and stress-ng --switch with each probe attached vs none, probe start-up time and RSS, and
// system_summary latency. Medians and ratios only; targets are judged by the reader, not asserted.
import { run } from '../src/exec/index.js';
import { runProbeLoader, type ProbeRunResult } from '../src/analysis/probes/runner.js';
import { PROBES } from '../src/analysis/probes/registry.js';
import { SummaryService } from '../src/analysis/summary/service.js';
import { compareSamples, median, percentile } from '../src/stats/index.js';

const TRIALS = 7;
const WORKLOADS: Record<string, [string, string[]]> = {
  hackbench: ['hackbench', ['-p', '-g', '4', '-l', '200']],
  stress_switch: ['stress-ng', ['--switch', '2', '--switch-ops', '100000', '-q']],
};

async function trials(file: string, args: string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < TRIALS; i++) out.push((await run(file, args, { timeoutMs: 120_000 })).durationMs);
  return out;
}

/** Runs the workload TRIALS times while the probe is attached; the probe then ends on its own. */
async function withProbe(probe: string, file: string, args: string[], estimateMs: number): Promise<{ durations: number[]; probe: ProbeRunResult }> {
  let durations: Promise<number[]> | undefined;
  const result = await runProbeLoader({ name: probe, durationS: Math.ceil((estimateMs * TRIALS * 2.5 + 1500) / 1000) }, {
    maxProbeSeconds: 600,
    onProgress: (done) => { if (done === 0 && !durations) durations = trials(file, args); },
  });
  if (!durations) throw new Error(`${probe} never attached`);
  return { durations: await durations, probe: result };
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
      startupMsP50: median(runs.map((r) => (r as ProbeRunResult & { startupMs: number }).startupMs)),
      attachMsP50: median(runs.map((r) => r.attachMs)), loaderMaxRssKb: Math.max(...runs.map((r) => r.loaderMaxRssKb)), attach: runs[0]!.attach,
    };
  }
  out.probeStartup = startup;

  // End-to-end slowdown and per-event overhead under each workload.
  for (const [name, [file, args]] of Object.entries(WORKLOADS)) {
    const base = await trials(file, args);
    const perProbe: Record<string, unknown> = {};
    for (const p of PROBES) {
      const { durations, probe } = await withProbe(p.name, file, args, median(base));
      const cmp = compareSamples(base, durations, { direction: 'lower_is_better' });
      perProbe[p.name] = {
        medianMs: median(durations), slowdownPct: cmp.changePct, ciLowPct: cmp.ciLowPct, ciHighPct: cmp.ciHighPct, verdict: cmp.verdict,
        nsPerEvent: probe.overhead.nsPerEvent, eventsPerS: probe.overhead.eventsPerS, events: probe.overhead.runCount,
      };
    }
    out[name] = { trials: TRIALS, baselineMedianMs: median(base), baselineP95Ms: percentile(base, 95), probes: perProbe };
  }
  out.bpftrace = 'not installed on this host: comparison skipped';
  return out;
}
