// `npm run bench` (all sections) or `node dist/bench/run.js <section…>` (a subset, e.g. `probes`):
// runs each bench/<section>.bench.ts, merges its result into bench/results/latest.json (other
// sections are kept as they were) plus a dated copy, and renders bench/results/latest.md.
// Results are medians, spreads and ratios; never pass/fail.
//
// Section convention (read by bench/report.ts; everything is optional beyond "return JSON"):
//   export async function benchX(): Promise<Record<string, unknown>> returning
//     { …any measurements…,
//       title?: string,                       // heading in latest.md (default: the file name)
//       table?: Array<Record<string, Cell>>,  // rows for latest.md; columns = union of row keys
//       peers?: Array<{ what, ours, peer, theirs, unit, better?: 'lower' | 'higher' }>,
//                                             // side-by-side against a peer tool (bpftrace, perf…),
//                                             // measured in the same run; the report adds the ratio
//       notes?: string[] }                    // caveats, one line each
//   A Cell is a string, a number, or a Stat { median (or p50), min?, max?, p95?, n? }, rendered
//   "median (min–max)". Without `table`, every number and Stat in the section is listed by path.
//   run.ts adds `meta` to each section: date, os.loadavg(), cores, CPU model, TCG/KVM, Node, kernel.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, homedir, loadavg, release } from 'node:os';
import { gatherHostFacts } from '../src/host/index.js';
import { renderReport, type SectionMeta } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, '..', '..', 'bench', 'results');

/** What the micro-VM runs on: the VM runner's own KVM probe result when it has one (a /dev/kvm
 * that exists can still fail to boot a guest), else whether /dev/kvm is usable at all. */
function accelerator(): string {
  if (!gatherHostFacts().devKvm) return 'TCG (no usable /dev/kvm)';
  const probe = join(process.env.SCHEDCP_CACHE_DIR ?? join(homedir(), '.cache', 'schedcp'), 'vm-kit', 'kvm-probe.json');
  try {
    const cached = JSON.parse(readFileSync(probe, 'utf8')) as { hostKernel?: string; works?: boolean };
    if (cached.hostKernel === release()) return cached.works ? 'KVM' : 'TCG (/dev/kvm present but does not boot a guest)';
  } catch { /* no probe yet */ }
  return '/dev/kvm present (KVM not yet probed)';
}

function machine(): Omit<SectionMeta, 'date' | 'benchSeconds'> {
  const accel = accelerator();
  return { loadavg: loadavg().map((l) => Math.round(l * 100) / 100), cores: cpus().length, cpuModel: cpus()[0]?.model, accel, node: process.version, kernel: release() };
}

function readPrevious(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  try { return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>; } catch {
    process.stderr.write(`bench: ${path} is not valid JSON; starting a fresh one\n`);
    return {};
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  if (only[0] === '--report') { // re-render latest.md from latest.json without running anything
    const results = readPrevious(join(resultsDir, 'latest.json'));
    writeFileSync(join(resultsDir, 'latest.md'), renderReport(results));
    return;
  }
  const files = readdirSync(here).filter((f) => f.endsWith('.bench.js')).filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));
  if (only.length && files.length === 0) throw new Error(`no bench section matches ${only.join(', ')}; sections: ${readdirSync(here).filter((f) => f.endsWith('.bench.js')).map((f) => f.replace(/\.bench\.js$/, '')).join(', ')}`);
  mkdirSync(resultsDir, { recursive: true });
  const latestPath = join(resultsDir, 'latest.json');
  const results = readPrevious(latestPath);
  for (const file of files) {
    const mod = await import(join(here, file)) as Record<string, unknown>;
    const fn = Object.values(mod).find((v): v is () => Promise<Record<string, unknown>> => typeof v === 'function');
    if (!fn) continue;
    const name = file.replace(/\.bench\.js$/, '');
    process.stderr.write(`bench: ${name} …\n`);
    const date = new Date().toISOString();
    const before = machine(); // load before the section runs: what it competed with
    const started = performance.now();
    let section: Record<string, unknown>;
    try { section = await fn(); } catch (error) { section = { error: (error as Error).message }; }
    const benchSeconds = (performance.now() - started) / 1000;
    results[name] = { ...section, meta: { date, ...before, benchSeconds } satisfies SectionMeta };
    process.stderr.write(`bench: ${name} done in ${benchSeconds.toFixed(1)} s\n`);
    // Written after every section, so a later section's crash loses nothing.
    writeFileSync(latestPath, `${JSON.stringify(results, null, 2)}\n`);
  }
  results.meta = { updated: new Date().toISOString(), ...machine(), sections: Object.keys(results).filter((k) => k !== 'meta') };
  const text = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(latestPath, text);
  writeFileSync(join(resultsDir, `${new Date().toISOString().slice(0, 10)}.json`), text);
  writeFileSync(join(resultsDir, 'latest.md'), renderReport(results));
  process.stdout.write(`bench: wrote ${latestPath} and latest.md (${files.map((f) => f.replace(/\.bench\.js$/, '')).join(', ')})\n`);
}

await main();
