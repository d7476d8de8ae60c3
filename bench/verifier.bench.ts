// Verifier benchmarks: per-stage time for a small (fifo_ok) and a large (verifier_large) policy.
// Static stage and the pure object inspection: medians of several runs. End to end through the
// micro-VM: with the perf check off (target < 10 s under TCG on 2 cores) and once with it on.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.js';
import { loadConfig, parseConfig } from '../src/config/index.js';
import { summarize } from '../src/stats/index.js';
import { compilePolicy, getKit } from '../src/vm/index.js';
import { getVerification, inspectObject, runStaticStage, verifyPolicy, type StageResult, type Verification } from '../src/verifier/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', '..', 'test', 'fixtures', 'policies');
const POLICIES = { small: 'fifo_ok', large: 'verifier_large' } as const;
const STATIC_RUNS = 5;
const INSPECT_RUNS = 50;
const E2E_RUNS = Number(process.env.SCHEDCP_BENCH_VERIFY_RUNS ?? 2);

const ms = (values: number[]) => { const s = summarize(values); return { p50: +s.p50.toFixed(1), p95: +s.p95.toFixed(1), min: +s.min.toFixed(1), max: +s.max.toFixed(1), n: s.n }; };

function stageTimes(app: ReturnType<typeof createApp>, v: Verification) {
  const evidence = getVerification(app, v.id, 'full').evidence as { stages: StageResult[]; vm?: { bootMs?: number; wallMs?: number; accel?: string } };
  return {
    verdict: v.verdict, totalMs: v.durationMs, vmWallMs: evidence.vm?.wallMs, vmBootMs: evidence.vm?.bootMs, accel: evidence.vm?.accel,
    stages: Object.fromEntries(evidence.stages.map((s) => [s.stage, Math.round(s.durationMs)])),
  };
}

export async function benchVerifier(): Promise<Record<string, unknown>> {
  const base = loadConfig();
  const kit = await getKit(base);
  const root = mkdtempSync(join(tmpdir(), 'schedcp-verifier-bench-'));
  const app = createApp({ config: parseConfig({ dataDir: join(root, 'data'), cacheDir: base.cacheDir }) });
  const out: Record<string, unknown> = { kitKernel: kit.manifest.versions.kernelRelease };
  try {
    for (const [size, name] of Object.entries(POLICIES)) {
      const source = readFileSync(join(fixtures, `${name}.bpf.c`), 'utf8');
      const staticMs: number[] = [];
      let last;
      for (let i = 0; i < STATIC_RUNS; i++) {
        last = await runStaticStage(app, { source, fileName: `${name}.bpf.c` });
        staticMs.push(last.durationMs);
      }
      const object = readFileSync((await compilePolicy(kit, { sourceText: source, name, outDir: join(root, name) })).objectPath);
      const inspectMs: number[] = [];
      for (let i = 0; i < INSPECT_RUNS; i++) { const t = performance.now(); inspectObject(object); inspectMs.push(performance.now() - t); }
      const e2eNoPerf: Array<ReturnType<typeof stageTimes>> = [];
      for (let i = 0; i < E2E_RUNS; i++) e2eNoPerf.push(stageTimes(app, await verifyPolicy(app, { source, fileName: `${name}.bpf.c`, label: name }, { perf: false })));
      out[size] = {
        policy: name, sourceBytes: source.length, objectBytes: object.length, staticVerdict: last?.verdict,
        staticStageMs: ms(staticMs), compileMs: last?.timings.compileMs, inspectObjectMs: ms(inspectMs),
        endToEndNoPerfMs: ms(e2eNoPerf.map((r) => r.totalMs)), endToEndNoPerfRuns: e2eNoPerf,
      };
    }
    const withPerf = await verifyPolicy(app, { source: readFileSync(join(fixtures, 'fifo_ok.bpf.c'), 'utf8'), label: 'fifo_ok' }, { perf: true });
    out.smallWithPerf = stageTimes(app, withPerf);
    out.targetNote = 'target: end to end < 10 s under TCG on 2 cores with the perf check off';
    return out;
  } finally {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  }
}
