// Analysis benchmarks: system_summary latency. The probe benchmarks (per-event cost, slowdown of
// hackbench and stress-ng --switch, start-up, memory, bpftrace and perf sched side by side) are in
// bench/probes.bench.ts. Medians and ratios only; targets are judged by the reader, not asserted.
import { SummaryService } from '../src/analysis/summary/service.js';
import { median, percentile } from '../src/stats/index.js';

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

  return out;
}
