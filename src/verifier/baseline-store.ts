// Reuse of the default-scheduler baseline across verifications. A baseline depends only on the
// kit (kernel, guest tools), the suite, the VM shape (CPUs, memory, accelerator) and the host, so
// runs that agree on all of them (and on the host kernel and qemu binary) may share one while it is younger than the suite's
// performance.baselineMaxAgeMinutes. Every stage that uses one says where it came from and how old it is.
import { existsSync, statSync } from 'node:fs';
import { cpus, hostname, loadavg, release } from 'node:os';
import { delimiter, join } from 'node:path';
import type { App } from '../app.js';
import { canonicalJson, sha256Hex } from '../audit/index.js';
import type { Migration } from '../db/index.js';
import type { WorkloadResult, WorkloadSpec } from '../vm/index.js';
import type { Suite } from './vm-stages.js';

export const baselineMigration: Migration = {
  component: 'verifier', version: 2, description: 'verifier_baselines: default-scheduler baselines reused across runs of the same kit, suite and VM shape',
  up(db) {
    db.exec(`CREATE TABLE verifier_baselines (
      key TEXT PRIMARY KEY,
      captured_at TEXT NOT NULL,
      parts_json TEXT NOT NULL,
      workloads_json TEXT NOT NULL,
      loadavg_1m REAL NOT NULL)`);
  },
};

export interface BaselineKeyParts {
  kitInputsHash: string;
  suiteSha256: string;
  cpus: number;
  memoryMiB: number;
  accel: 'kvm' | 'tcg';
  /** Host name, CPU model and count: a baseline from another machine says nothing about this one. */
  host: string;
  /** Host kernel and the qemu binary (size and mtime): an upgrade of either changes emulated timings. */
  hostKernel: string;
  qemu: string;
}

const QEMU_BINARY = 'qemu-system-x86_64';

/** Identity of the qemu binary on PATH without running it (a stat, not a process). */
function qemuIdentity(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, QEMU_BINARY);
    if (dir && existsSync(path)) { const st = statSync(path); return `${path} ${st.size} ${Math.round(st.mtimeMs)}`; }
  }
  return 'not found';
}

/** Where the performance stage's baseline came from, for the evidence and the stage summary. */
export interface BaselineInfo {
  origin: 'this run' | 'stored';
  key: string;
  capturedAt: string;
  ageSeconds: number;
  maxAgeMinutes: number;
  /** Host 1-minute load average when the baseline ran, and now (TCG wall times move with it). */
  loadavgAtCapture: number;
  loadavgNow: number;
  parts: BaselineKeyParts;
}

export interface StoredBaseline { capturedAt: string; workloads: WorkloadResult[]; loadavg1m: number }

export function baselineKey(kitInputsHash: string, suite: Suite, shape: { cpus: number; memoryMiB: number; accel: 'kvm' | 'tcg' }): { key: string; parts: BaselineKeyParts } {
  const parts: BaselineKeyParts = {
    kitInputsHash, suiteSha256: sha256Hex(canonicalJson(suite)), cpus: shape.cpus, memoryMiB: shape.memoryMiB, accel: shape.accel,
    host: `${hostname()} / ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}`, hostKernel: release(), qemu: qemuIdentity(),
  };
  return { key: sha256Hex(canonicalJson(parts)).slice(0, 32), parts };
}

/** Pure freshness rule: usable while younger than maxAgeMinutes (0 disables reuse); a future timestamp is never fresh. */
export function isFresh(capturedAt: string, now: Date, maxAgeMinutes: number): boolean {
  const age = now.getTime() - Date.parse(capturedAt);
  return maxAgeMinutes > 0 && Number.isFinite(age) && age >= 0 && age <= maxAgeMinutes * 60_000;
}

/** A baseline worth keeping: every planned workload ran to completion under the default scheduler. */
export function completeBaseline(workloads: readonly WorkloadResult[] | undefined, plan: readonly WorkloadSpec[]): workloads is WorkloadResult[] {
  if (!workloads) return false;
  const ok = new Set(workloads.filter((w) => w.exitCode === 0 && !w.timedOut).map((w) => w.name));
  return plan.every((w) => ok.has(w.name!));
}

export class BaselineStore {
  constructor(private readonly app: App) {}

  static of(app: App, migrations: readonly Migration[]): BaselineStore {
    return app.component('verifier.baselines', (a) => new BaselineStore(a), migrations);
  }

  get(key: string): StoredBaseline | undefined {
    const r = this.app.db.prepare('SELECT captured_at, workloads_json, loadavg_1m FROM verifier_baselines WHERE key = ?').get(key) as { captured_at: string; workloads_json: string; loadavg_1m: number } | undefined;
    return r ? { capturedAt: r.captured_at, workloads: JSON.parse(r.workloads_json) as WorkloadResult[], loadavg1m: r.loadavg_1m } : undefined;
  }

  put(key: string, parts: BaselineKeyParts, workloads: readonly WorkloadResult[], capturedAt: string, loadavg1m: number): void {
    // Only what the comparison reads: names, exit status, times and parsed metrics (not the output text).
    const slim = workloads.map((w) => ({ ...w, output: '' }));
    this.app.db.prepare(`INSERT INTO verifier_baselines (key, captured_at, parts_json, workloads_json, loadavg_1m) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(key) DO UPDATE SET captured_at = excluded.captured_at, parts_json = excluded.parts_json, workloads_json = excluded.workloads_json, loadavg_1m = excluded.loadavg_1m`)
      .run(key, capturedAt, canonicalJson(parts), JSON.stringify(slim), loadavg1m);
  }
}

/** The stored baseline for this key when it is fresh, with the info the evidence carries. */
export function storedBaseline(store: BaselineStore, key: { key: string; parts: BaselineKeyParts }, maxAgeMinutes: number, now = new Date()): { workloads: WorkloadResult[]; info: BaselineInfo } | undefined {
  const stored = store.get(key.key);
  if (!stored || !isFresh(stored.capturedAt, now, maxAgeMinutes)) return undefined;
  return {
    workloads: stored.workloads,
    info: {
      origin: 'stored', key: key.key, capturedAt: stored.capturedAt, ageSeconds: Math.round((now.getTime() - Date.parse(stored.capturedAt)) / 1000),
      maxAgeMinutes, loadavgAtCapture: stored.loadavg1m, loadavgNow: +loadavg()[0]!.toFixed(2), parts: key.parts,
    },
  };
}

/** Info for a baseline measured in this run's VM. */
export function freshBaselineInfo(key: { key: string; parts: BaselineKeyParts }, capturedAt: string, loadavgAtCapture: number, maxAgeMinutes: number): BaselineInfo {
  return { origin: 'this run', key: key.key, capturedAt, ageSeconds: 0, maxAgeMinutes, loadavgAtCapture, loadavgNow: loadavgAtCapture, parts: key.parts };
}

/** One line for the performance stage summary. */
export function describeBaseline(info: BaselineInfo): string {
  if (info.origin === 'this run') return 'baseline: default scheduler measured in this VM';
  const age = info.ageSeconds < 90 ? `${info.ageSeconds} s` : `${Math.round(info.ageSeconds / 60)} min`;
  return `baseline: default scheduler measured ${age} ago (stored, same kit, suite, VM shape and host; reused up to ${info.maxAgeMinutes} min; host load then ${info.loadavgAtCapture}, now ${info.loadavgNow})`;
}
