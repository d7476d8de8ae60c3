// Verifier benchmarks: per-stage medians (min–max) end to end through the micro-VM, from the
// timings every verification stores in its evidence (static: compile, inspect; VM boot; kernel
// verifier; dynamic suite; each perf workload; default-scheduler baseline; teardown), with the perf
// check off and on. Plus the static stage alone and the pure object inspection for a small and a
// large policy. Targets under TCG on 2 cores: < 4 s without and < 10 s with the perf check.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../src/app.js';
import { loadConfig, parseConfig } from '../src/config/index.js';
import { summarize } from '../src/stats/index.js';
import { compilePolicy, getKit } from '../src/vm/index.js';
import { getVerification, inspectObject, runStaticStage, verifyPolicy, type Verification } from '../src/verifier/index.js';
import type { StageTimings } from '../src/verifier/timings.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', '..', 'test', 'fixtures', 'policies');
const POLICIES = { small: 'fifo_ok', large: 'verifier_large' } as const;
const STATIC_RUNS = 5;
const INSPECT_RUNS = 50;
const RUNS = Number(process.env.SCHEDCP_BENCH_VERIFY_RUNS ?? 5);

type Stat = { median: number; min: number; max: number; n: number };
const stat = (values: number[]): Stat => { const s = summarize(values); return { median: +s.p50.toFixed(1), min: +s.min.toFixed(1), max: +s.max.toFixed(1), n: s.n }; };
const ms = (values: number[]) => { const s = summarize(values); return { p50: +s.p50.toFixed(1), p95: +s.p95.toFixed(1), min: +s.min.toFixed(1), max: +s.max.toFixed(1), n: s.n }; };

/** One verification's stage times, flattened to "stage → ms" from its stored evidence. */
function stageRow(app: App, v: Verification): Record<string, number> {
  const evidence = getVerification(app, v.id, 'full').evidence as { timings?: StageTimings; stages?: Array<{ stage: string; evidence?: { baseline?: { origin?: string } } }> };
  const t = evidence.timings;
  if (!t) throw new Error(`verification ${v.id} has no timings in its evidence`);
  const row: Record<string, number> = {
    'end to end (library)': v.durationMs, 'static stage': t.staticMs, '  compile': t.compileMs ?? 0, '  inspect + rules': t.inspectMs ?? 0,
    'kit lookup': t.kitMs ?? 0, 'VM prepare (initrd)': t.vm?.prepareMs ?? 0, 'VM boot (host, to first guest line)': t.vm?.bootMs ?? 0, '  guest kernel boot': t.vm?.guestBootMs ?? 0,
    'kernel verifier (load)': t.kernelVerifierMs ?? 0, attach: t.attachMs ?? 0, 'dynamic stage': t.dynamicMs ?? 0,
  };
  for (const [name, value] of Object.entries(t.workloadsMs ?? {})) row[`  policy ${name} (all trials)`] = value;
  if (t.performanceMs !== undefined) row['performance stage'] = t.performanceMs;
  if (t.baselineMs !== undefined) row['  default-scheduler baseline'] = t.baselineMs;
  for (const [name, value] of Object.entries(t.baselineWorkloadsMs ?? {})) row[`    baseline ${name}`] = value;
  row['teardown (done → qemu exit)'] = t.vm?.teardownMs ?? 0;
  return row;
}

function medians(rows: Array<Record<string, number>>): Record<string, Stat> {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, stat(rows.map((r) => r[k] ?? 0))]));
}

export async function benchVerifier(): Promise<Record<string, unknown>> {
  const base = loadConfig();
  const kit = await getKit(base);
  const root = mkdtempSync(join(tmpdir(), 'schedcp-verifier-bench-'));
  const app = createApp({ config: parseConfig({ dataDir: join(root, 'data'), cacheDir: base.cacheDir }) });
  const out: Record<string, unknown> = { title: 'Verifier: per-stage time (ms) under the micro-VM', kitKernel: kit.manifest.versions.kernelRelease };
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
      out[size] = { policy: name, sourceBytes: source.length, objectBytes: object.length, staticVerdict: last?.verdict, staticStageMs: ms(staticMs), inspectObjectMs: ms(inspectMs) };
    }
    const source = readFileSync(join(fixtures, 'fifo_ok.bpf.c'), 'utf8');
    // The fresh-baseline runs leave a stored baseline behind, which the last mode reuses.
    const modes: Array<[string, { perf: boolean; baseline?: 'fresh' | 'reuse' }]> = [
      ['no perf check', { perf: false }], ['perf check, baseline measured', { perf: true, baseline: 'fresh' }], ['perf check, stored baseline', { perf: true, baseline: 'reuse' }],
    ];
    const byMode: Record<string, Record<string, Stat>> = {};
    const verdicts: Record<string, string[]> = {};
    for (const [mode, options] of modes) {
      const rows: Array<Record<string, number>> = [];
      verdicts[mode] = [];
      for (let i = 0; i < RUNS; i++) {
        const v = await verifyPolicy(app, { source, fileName: 'fifo_ok.bpf.c', label: 'fifo_ok' }, options);
        verdicts[mode].push(v.verdict);
        rows.push(stageRow(app, v));
      }
      byMode[mode] = medians(rows);
    }
    // What a user of `schedcp verify` waits for: the same runs through the built CLI (node start-up included).
    const cli = (flags: string[]) => {
      const t = performance.now();
      execFileSync(process.execPath, [join(here, '..', 'src', 'cli', 'main.js'), 'verify', join(fixtures, 'fifo_ok.bpf.c'), ...flags], { env: { ...process.env, SCHEDCP_DATA_DIR: join(root, 'data') }, stdio: 'ignore' });
      return performance.now() - t;
    };
    const cliNoPerf: number[] = [];
    const cliPerf: number[] = [];
    for (let i = 0; i < RUNS; i++) { cliNoPerf.push(cli(['--no-perf'])); cliPerf.push(cli([])); }
    out.cliEndToEndMs = { 'no perf check': stat(cliNoPerf), 'perf check, stored baseline': stat(cliPerf) };
    byMode['no perf check']!['CLI end to end (node start-up included)'] = stat(cliNoPerf);
    byMode['perf check, stored baseline']!['CLI end to end (node start-up included)'] = stat(cliPerf);
    const stages = [...new Set(Object.values(byMode).flatMap((m) => Object.keys(m)))];
    out.stagesMs = byMode;
    out.verdicts = verdicts;
    out.table = stages.map((stage) => ({ stage, ...Object.fromEntries(Object.entries(byMode).map(([mode, m]) => [mode, m[stage] ?? '—'])) }));
    out.notes = [
      `fifo_ok, ${RUNS} runs per mode in one process (library calls: no CLI start-up), median (min–max) ms`,
      'targets under TCG on 2 cores: < 4 s end to end without the perf check, < 10 s with it',
    ];
    return out;
  } finally {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  }
}
