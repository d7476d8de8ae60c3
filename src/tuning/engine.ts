// The live half of tuning: backup first, write, read back, staged rollout with an SLO guard,
// roll back on a failed write or a guard breach, manual rollback to any backup, and yielding a
// key to the administrator when someone else changed it after our write.
import { SchedcpError, toSchedcpError } from '../errors.js';
import type { Comparison } from '../stats/index.js';
import type { Feedback, WorkloadRun } from './feedback.js';
import type { CheckedChange } from './guardrails.js';
import type { Tunable } from './kb.js';
import type { TuningStore } from './store.js';
import type { SysctlTarget } from './sysctl-io.js';

export interface GuardSpec {
  workload: string;
  trials: number;
  params?: Record<string, string | number>;
  /** Roll back when the primary metric gets worse by more than this (and the CI excludes 0). */
  maxRegressionPct: number;
}

export interface StageReport {
  keys: string[];
  comparison?: Comparison & { metric: string };
  verdict: 'kept' | 'rolled_back';
}

export interface KeyOutcome {
  key: string;
  from: string;
  to: string;
  state: 'applied' | 'rolled_back' | 'yielded' | 'failed' | 'skipped';
  detail?: string;
}

export interface LiveResult {
  planId: number;
  backupId: number;
  status: 'applied' | 'guard_rolled_back';
  keys: KeyOutcome[];
  stages: StageReport[];
  baselineRunId?: number;
}

export interface LiveContext {
  store: TuningStore;
  target: SysctlTarget;
  kb: ReadonlyMap<string, Tunable>;
  feedback: Feedback;
  signal?: AbortSignal;
  progress?: (done: number, total: number, message: string) => void;
}

/** Keys we wrote whose value someone else changed since: marked yielded (we stop managing them). */
export async function detectYields(ctx: Pick<LiveContext, 'store' | 'target' | 'kb'>, keys?: readonly string[]): Promise<Array<{ key: string; written: string; now: string | undefined }>> {
  const rows = ctx.store.managed(ctx.target.label).filter((r) => r.state === 'managed' && (!keys || keys.includes(r.key)));
  if (rows.length === 0) return [];
  const tunables = rows.map((r) => ctx.kb.get(r.key)).filter((t): t is Tunable => t !== undefined);
  const now = await ctx.target.readMany(tunables);
  const yielded: Array<{ key: string; written: string; now: string | undefined }> = [];
  for (const r of rows) {
    const value = now.get(r.key);
    if (value === r.written) continue;
    ctx.store.setManaged(r.target, r.key, r.written, r.planId, 'yielded');
    ctx.store.event({ planId: r.planId, target: r.target, key: r.key, kind: 'yield', detail: `changed by someone else: schedcp wrote ${r.written}, now ${value ?? '(missing)'}; schedcp no longer manages it` });
    yielded.push({ key: r.key, written: r.written, now: value });
  }
  return yielded;
}

async function writeConfirmed(ctx: LiveContext, planId: number, key: string, value: string): Promise<void> {
  const t = ctx.kb.get(key)!;
  await ctx.target.write(t, value);
  const readBack = (await ctx.target.readMany([t])).get(key);
  if (readBack !== value) {
    throw new SchedcpError('dynamic_check_failed', `${key}: wrote ${JSON.stringify(value)} but read back ${JSON.stringify(readBack ?? '(missing)')}; the kernel adjusted or ignored the value.`);
  }
  ctx.store.event({ planId, target: ctx.target.label, key, kind: 'write', detail: `${value} (confirmed by read-back)` });
}

/** Restore `values` for keys we still own; keys changed behind our back are yielded, not overwritten. */
async function restore(ctx: LiveContext, planId: number, values: ReadonlyMap<string, string>, written: ReadonlyMap<string, string>, reason: string): Promise<KeyOutcome[]> {
  const outcomes: KeyOutcome[] = [];
  const tunables = [...values.keys()].map((k) => ctx.kb.get(k)!);
  const now = await ctx.target.readMany(tunables);
  for (const [key, previous] of [...values].reverse()) {
    const ours = written.get(key);
    const current = now.get(key);
    if (ours !== undefined && current !== ours) {
      ctx.store.setManaged(ctx.target.label, key, ours, planId, 'yielded');
      ctx.store.event({ planId, target: ctx.target.label, key, kind: 'yield', detail: `not restored (${reason}): schedcp wrote ${ours}, now ${current ?? '(missing)'}; left to the administrator` });
      outcomes.push({ key, from: previous, to: ours, state: 'yielded', detail: `changed by someone else to ${current ?? '(missing)'}; left as is` });
      continue;
    }
    try {
      if (current !== previous) await writeConfirmed(ctx, planId, key, previous);
      ctx.store.setManaged(ctx.target.label, key, previous, planId, 'released');
      ctx.store.event({ planId, target: ctx.target.label, key, kind: 'rollback', detail: `restored ${previous} (${reason})` });
      outcomes.push({ key, from: ours ?? current ?? '', to: previous, state: 'rolled_back' });
    } catch (error) {
      const message = toSchedcpError(error).message;
      ctx.store.event({ planId, target: ctx.target.label, key, kind: 'failure', detail: `restore to ${previous} failed: ${message}` });
      outcomes.push({ key, from: ours ?? '', to: previous, state: 'failed', detail: message });
    }
  }
  return outcomes;
}

export async function applyLive(ctx: LiveContext, planId: number, changes: readonly CheckedChange[], options: { guard?: GuardSpec; rollout: 'all' | 'one_by_one' }): Promise<LiveResult> {
  const toWrite = changes.filter((c) => !c.unchanged);
  const label = ctx.target.label;
  const backupValues = Object.fromEntries(toWrite.map((c) => [c.key, c.from]));
  const backupId = ctx.store.saveBackup(planId, label, backupValues);
  const previous = new Map(toWrite.map((c) => [c.key, c.from]));
  const written = new Map<string, string>();
  const stages = options.rollout === 'all' ? [toWrite] : toWrite.map((c) => [c]);
  const reports: StageReport[] = [];
  const totalSteps = stages.length * (options.guard ? 2 : 1) + (options.guard ? 1 : 0);
  let step = 0;
  const progress = (message: string) => ctx.progress?.(++step, totalSteps, message);
  // Whatever fails after the backup (a write, a guard run, a cancel) restores the writes already
  // made and closes the plan, so no key is left changed under a plan still marked "applying".
  const stop = async (error: unknown, reason: string, failedKey?: string): Promise<SchedcpError> => {
    const err = toSchedcpError(error);
    ctx.store.event({ planId, target: label, ...(failedKey !== undefined && { key: failedKey }), kind: 'failure', detail: err.message });
    // A failed key may be half-applied (wrote but read back differently): restore it too.
    const undo = new Map([...previous].filter(([k]) => written.has(k) || k === failedKey));
    const outcomes = await restore(ctx, planId, undo, written, reason);
    ctx.store.finishPlan(planId, 'failed_rolled_back', { ...(failedKey !== undefined && { failedKey }), error: err.message, rollback: outcomes, backupId });
    const undone = outcomes.filter((o) => o.state === 'rolled_back' && o.key !== failedKey).map((o) => o.key);
    const notRestored = outcomes.filter((o) => o.state !== 'rolled_back');
    return new SchedcpError(err.code, `${err.message} Plan ${planId} stopped; ${undone.length ? `rolled back the writes already made (${undone.join(', ')})` : 'no earlier writes to roll back'}${notRestored.length ? `; not restored: ${notRestored.map((o) => `${o.key} (${o.detail})`).join('; ')}` : ''}.`, { cause: error, details: { planId, backupId, ...(failedKey !== undefined && { failedKey }), rollback: outcomes } });
  };

  let baseline: WorkloadRun | undefined;
  if (options.guard) {
    try {
      baseline = await ctx.feedback.runWorkload({ workload: options.guard.workload, trials: options.guard.trials, params: options.guard.params, signal: ctx.signal });
    } catch (error) {
      throw await stop(error, 'the SLO guard baseline run failed');
    }
    ctx.store.event({ planId, target: label, kind: 'guard', detail: `baseline run ${baseline.id} of ${options.guard.workload} (${baseline.primaryMetric})` });
    progress('baseline measured');
  }
  for (const stage of stages) {
    for (const change of stage) {
      try {
        if (ctx.signal?.aborted) throw new SchedcpError('cancelled', 'The apply was cancelled by the caller.');
        await writeConfirmed(ctx, planId, change.key, change.to);
        written.set(change.key, change.to);
        ctx.store.setManaged(label, change.key, change.to, planId, 'managed');
      } catch (error) {
        throw await stop(error, `write of ${change.key} failed`, change.key);
      }
    }
    progress(`wrote ${stage.map((c) => c.key).join(', ')}`);
    if (!options.guard || !baseline) { reports.push({ keys: stage.map((c) => c.key), verdict: 'kept' }); continue; }
    let guarded: { comparison: Comparison; metric: string };
    try {
      const candidate = await ctx.feedback.runWorkload({ workload: options.guard.workload, trials: options.guard.trials, params: options.guard.params, signal: ctx.signal });
      guarded = await ctx.feedback.compare(baseline, candidate);
    } catch (error) {
      throw await stop(error, 'the SLO guard run failed');
    }
    const { comparison, metric } = guarded;
    const regression = comparison.verdict === 'worse' && Math.abs(comparison.changePct) > options.guard.maxRegressionPct;
    ctx.store.event({ planId, target: label, kind: 'guard', detail: `${metric}: ${comparison.changePct.toFixed(2)}% (CI ${comparison.ciLowPct.toFixed(2)}..${comparison.ciHighPct.toFixed(2)}%), ${comparison.verdict}${regression ? ' → breach, rolling back' : ''}` });
    progress(`guard ${comparison.verdict}`);
    if (regression) {
      reports.push({ keys: stage.map((c) => c.key), comparison: { ...comparison, metric }, verdict: 'rolled_back' });
      const outcomes = await restore(ctx, planId, new Map([...previous].filter(([k]) => written.has(k))), written, `SLO guard breach on ${metric}`);
      const untouched = toWrite.filter((c) => !written.has(c.key)).map((c): KeyOutcome => ({ key: c.key, from: c.from, to: c.to, state: 'skipped', detail: 'not written: an earlier stage breached the SLO guard' }));
      const result: LiveResult = { planId, backupId, status: 'guard_rolled_back', keys: [...outcomes, ...untouched], stages: reports, baselineRunId: baseline.id };
      ctx.store.finishPlan(planId, 'guard_rolled_back', result);
      return result;
    }
    reports.push({ keys: stage.map((c) => c.key), comparison: { ...comparison, metric }, verdict: 'kept' });
  }
  // A value changed during the observation windows is the admin's now.
  const yields = await detectYields(ctx, [...written.keys()]);
  const yielded = new Map(yields.map((y) => [y.key, y]));
  const keys = toWrite.map((c): KeyOutcome => yielded.has(c.key)
    ? { key: c.key, from: c.from, to: c.to, state: 'yielded', detail: `changed by someone else to ${yielded.get(c.key)!.now ?? '(missing)'} after our write` }
    : { key: c.key, from: c.from, to: c.to, state: 'applied' });
  const result: LiveResult = { planId, backupId, status: 'applied', keys, stages: reports, ...(baseline && { baselineRunId: baseline.id }) };
  ctx.store.finishPlan(planId, 'applied', result);
  return result;
}

export interface RollbackResult {
  backupId: number;
  planId: number;
  target: string;
  keys: KeyOutcome[];
}

/** Restore a backup's values; keys changed by someone else since our last write are left alone. */
export async function rollbackBackup(ctx: LiveContext, backupId: number): Promise<RollbackResult> {
  const backup = ctx.store.getBackup(backupId);
  if (!backup) throw new SchedcpError('not_found', `Backup ${backupId} does not exist; tuning_history lists backups.`);
  if (backup.target !== ctx.target.label) throw new SchedcpError('internal', `backup ${backupId} belongs to ${backup.target}, not ${ctx.target.label}.`);
  const managed = new Map(ctx.store.managed(backup.target).map((r) => [r.key, r]));
  const values = new Map(Object.entries(backup.values));
  const written = new Map<string, string>();
  const outcomes: KeyOutcome[] = [];
  for (const key of [...values.keys()]) {
    const row = managed.get(key);
    if (row?.state === 'yielded') {
      outcomes.push({ key, from: row.written, to: values.get(key)!, state: 'yielded', detail: 'the administrator changed it after schedcp wrote it; schedcp no longer manages it' });
      values.delete(key);
    } else if (row?.state === 'managed') {
      written.set(key, row.written);
    }
  }
  outcomes.push(...await restore(ctx, backup.planId, values, written, `manual rollback to backup ${backupId}`));
  const plan = ctx.store.getPlan(backup.planId);
  if (plan && plan.status === 'applied' && outcomes.every((o) => o.state === 'rolled_back')) ctx.store.finishPlan(backup.planId, 'rolled_back', { ...(plan.result as object), rollback: outcomes });
  return { backupId, planId: backup.planId, target: backup.target, keys: outcomes };
}
