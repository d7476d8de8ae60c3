// Runs a named workload for N trials (each a real subprocess with a timeout), records makespan and
// parsed metrics, summarizes them with src/stats and stores the run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../db/index.js';
import { SchedcpError, quote } from '../../errors.js';
import { requireBinary, run } from '../../exec/index.js';
import { compileTree, findWorkload, resolveParams, type WorkloadSpec } from './registry.js';
import { insertRun, summarizeTrials, type WorkloadRun, type WorkloadTrial } from './store.js';

export const MAX_TRIALS = 50;
const TRIAL_TIMEOUT_MS = 10 * 60_000;

export interface WorkloadRequest {
  workload: string;
  trials: number;
  params?: Record<string, string | number>;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export function requireWorkloadBinary(spec: WorkloadSpec): void {
  requireBinary(spec.binary, spec.debianPackage, `Workload ${spec.name}`);
}

export async function runWorkloadTrials(db: Db, custom: Record<string, readonly string[]>, req: WorkloadRequest): Promise<WorkloadRun> {
  const spec = findWorkload(req.workload, custom);
  if (!Number.isInteger(req.trials) || req.trials < 1 || req.trials > MAX_TRIALS) {
    throw new SchedcpError('invalid_argument', `trials ${quote(req.trials)} must be an integer in 1..${MAX_TRIALS}.`);
  }
  const params = resolveParams(spec, req.params);
  requireWorkloadBinary(spec);
  const workDir = mkdtempSync(join(tmpdir(), 'schedcp-workload-'));
  const startedAt = new Date().toISOString();
  const trials: WorkloadTrial[] = [];
  try {
    if (spec.prepare === 'compile_tree') {
      for (const [file, text] of Object.entries(compileTree(params.files ?? 1))) writeFileSync(join(workDir, file), text);
    }
    const { file, args } = spec.command(params, workDir);
    for (let i = 0; i < req.trials; i++) {
      req.onProgress?.(i, req.trials, `${spec.name}: trial ${i + 1} of ${req.trials}`);
      const result = await run(file, args, { cwd: workDir, timeoutMs: TRIAL_TIMEOUT_MS, signal: req.signal, maxOutputBytes: 4 * 1024 * 1024 });
      let metrics: Record<string, number>;
      try {
        metrics = spec.parse(result.stdout, result.stderr);
      } catch (error) {
        throw new SchedcpError('subprocess_failed', `Workload ${spec.name} trial ${i + 1}: could not parse its output (${(error as Error).message}): ${result.stdout.slice(-500)}`);
      }
      trials.push({ durationMs: Math.round(result.durationMs * 100) / 100, metrics });
    }
    req.onProgress?.(req.trials, req.trials, `${spec.name}: ${req.trials} trials done`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return insertRun(db, {
    workload: spec.name, params, startedAt, finishedAt: new Date().toISOString(), kernel: release(), trials, summary: summarizeTrials(trials),
    primaryMetric: spec.primaryMetric, direction: spec.direction,
  });
}
