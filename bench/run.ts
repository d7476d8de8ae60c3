// `npm run bench`: runs every component benchmark that exists and writes the results (medians,
// percentiles, ratios; never pass/fail) to bench/results/latest.json and a dated copy.
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, release } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, '..', '..', 'bench', 'results');

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(here).filter((f) => f.endsWith('.bench.js')).filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));
  const results: Record<string, unknown> = {
    meta: { date: new Date().toISOString(), node: process.version, kernel: release(), cpus: cpus().length, cpuModel: cpus()[0]?.model },
  };
  for (const file of files) {
    const mod = await import(join(here, file)) as Record<string, unknown>;
    const fn = Object.values(mod).find((v): v is () => Promise<Record<string, unknown>> => typeof v === 'function');
    if (!fn) continue;
    const name = file.replace(/\.bench\.js$/, '');
    process.stderr.write(`bench: ${name} …\n`);
    const started = performance.now();
    try {
      results[name] = { ...(await fn()), benchSeconds: (performance.now() - started) / 1000 };
    } catch (error) {
      results[name] = { error: (error as Error).message };
    }
    process.stderr.write(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  mkdirSync(resultsDir, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(resultsDir, 'latest.json'), text);
  writeFileSync(join(resultsDir, `${new Date().toISOString().slice(0, 10)}.json`), text);
  process.stdout.write(text);
}

await main();
