// Guarded process and cgroup actions (nice, I/O priority, CPU/memory/IO limits) with a TTL after
// which each is reverted, revert on shutdown and after a crash, yield to the administrator, and
// verification of effect. Guardrails: guardrails.ts (pure); I/O: procfs.ts, cgroups.ts.
import type { App } from '../app.js';
import { SchedcpError } from '../errors.js';
import { analysisFeedback, type Feedback } from '../tuning/feedback.js';
import { createDedicated, layoutOf, moveProcess, removeDedicated, removeRootIfEmpty, readFiles, cgroupDir, writeFiles } from './cgroups.js';
import { actuatorFor, describeDrift, driftOf, revertAction, type RevertOutcome } from './engine.js';
import { refusalText, type Limits, type Refusal } from './guardrails.js';
import { planCgroupAction, planProcessAction, type Plan, type Policy, type ProcessAction } from './plan.js';
import { readProcess } from './procfs.js';
import { OPEN_STATES, RemediationStore, remediationMigrations, type ActionRow, type ActionState, type EventRow } from './store.js';
import { measureBaseline, measureEffect, type Baseline, type Verification, type VerifySpec } from './verify.js';
import type { Knob } from './knobs.js';
import { observe, recommendActions, type ActionRecommendations } from './recommend.js';
import type { Signal } from '../analysis/signals/classify.js';

export { KNOBS, KNOB_UNIT, type Knob } from './knobs.js';
export type { ProcessAction } from './plan.js';
export type { VerifySpec, Verification } from './verify.js';
export type { ActionRow, ActionState } from './store.js';
export type { Refusal } from './guardrails.js';
export type { ActionRecommendations } from './recommend.js';

interface Common { ttlSeconds?: number | undefined; mode: 'advise' | 'live'; verify?: VerifySpec | undefined; caller?: string | undefined; justification?: string | undefined; signal?: AbortSignal | undefined }
export type ProcessRequest = Common & { pid: number; expectStartTime?: number | undefined; action: ProcessAction };
export type CgroupRequest = Common & { path: string; knob: Knob; value: number };

export interface ActionResult {
  mode: 'advise' | 'live';
  id?: number | undefined;
  state: ActionState | 'advised';
  renewed: boolean;
  kind: string;
  target: string;
  changes: Array<{ key: string; from: string; to: string }>;
  ttlSeconds: number;
  expiresAt?: string | undefined;
  verification?: Verification | undefined;
  revertedBecauseWorse?: RevertOutcome | undefined;
}

export interface AdjustmentView {
  id: number; kind: string; target: string; state: ActionState; createdAt: string; caller: string | null; justification: string | null;
  setting: string; before: Record<string, string>; after: Record<string, string>;
  expiresAt: string; ttlLeftSeconds: number; revertAttempts: number; lastError: string | null;
  verification: unknown; events: EventRow[];
}

const TICK_MS = 1000;
const RETRY_EVERY_MS = 5000;

export class Remediation {
  readonly store: RemediationStore;
  private readonly self = { pid: process.pid, start: readProcess(process.pid)?.startTime ?? 0 };
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastRetry = new Map<number, number>();
  private lastYieldCheck = 0;
  private closed = false;
  readonly ready: Promise<RevertOutcome[]>;

  constructor(private readonly app: App, private readonly feedback: Feedback = analysisFeedback(app)) {
    this.store = new RemediationStore(app.db);
    app.onClose(() => this.shutdown());
    this.ready = this.serial(() => this.repair());
  }

  private policy(): Policy {
    const c = this.app.config.remediation;
    const limits: Limits = { maxNiceStep: c.maxNiceStep, minCpuPercent: c.minCpuPercent, minCpuWeight: c.minCpuWeight, minMemoryHighOfUsage: 0.5, maxTtlSeconds: c.maxTtlSeconds, rateLimit: c.rateLimit };
    return { limits, cgroupRoot: c.cgroupRoot, allowedCgroupRoots: c.allowedCgroupRoots, allowedUids: c.allowedUids, allowAnyUser: c.allowAnyUser };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async adjustProcess(request: ProcessRequest): Promise<ActionResult> {
    await this.ready;
    const ttlSeconds = request.ttlSeconds ?? this.app.config.remediation.defaultTtlSeconds;
    return this.serial(async () => {
      const plan = await planProcessAction(this.store, this.policy(), { pid: request.pid, expectStartTime: request.expectStartTime, action: request.action, ttlSeconds });
      return this.execute(plan, request, ttlSeconds);
    });
  }

  async adjustCgroup(request: CgroupRequest): Promise<ActionResult> {
    await this.ready;
    const ttlSeconds = request.ttlSeconds ?? this.app.config.remediation.defaultTtlSeconds;
    return this.serial(async () => this.execute(planCgroupAction(this.store, this.policy(), { path: request.path, knob: request.knob, value: request.value, ttlSeconds }), request, ttlSeconds));
  }

  private refuse(refusals: readonly Refusal[]): never {
    throw new SchedcpError('invalid_argument', `The action was refused; nothing was changed. ${refusalText(refusals)}`, { details: { refusals } });
  }

  private assertLiveAllowed(): void {
    if (!this.app.config.tuning.liveApply) throw new SchedcpError('precondition_failed', 'Live actions are disabled: set config.tuning.liveApply to true (the same opt-in as live sysctl writes) and run as root. Use mode "advise" meanwhile; nothing was changed.');
    if (process.getuid?.() !== 0) throw new SchedcpError('permission_denied', `Live actions need root; this server runs as uid ${process.getuid?.()}. Nothing was changed.`);
  }

  private async execute(plan: Plan, request: Common, ttlSeconds: number): Promise<ActionResult> {
    if (plan.refusals.length) this.refuse(plan.refusals);
    const changes = Object.entries(plan.after).map(([key, to]) => ({ key, from: plan.before[key] ?? '(new cgroup default)', to }));
    const base = { mode: request.mode, kind: plan.kind, target: plan.target, changes, ttlSeconds, renewed: false };
    if (request.mode === 'advise') return { ...base, state: 'advised' };
    this.assertLiveAllowed();
    const expiresAt = Date.now() + ttlSeconds * 1000;
    if (plan.renews !== undefined) {
      this.store.update(plan.renews, { expiresAt });
      this.store.event(plan.renews, 'renew', `TTL renewed: reverts at ${new Date(expiresAt).toISOString()}`);
      this.ensureTimer();
      return { ...base, id: plan.renews, state: 'active', renewed: true, expiresAt: new Date(expiresAt).toISOString() };
    }
    const baseline: Baseline | undefined = request.verify ? await measureBaseline({ feedback: this.feedback, signal: request.signal }, request.verify, plan.metric, plan.pids) : undefined;
    // The check ran before the baseline window: the pid may have been reused since.
    if (plan.spec.pid !== undefined && readProcess(plan.spec.pid)?.startTime !== plan.spec.startTime) {
      this.refuse([{ rule: 'pid_reused', message: `pid ${plan.spec.pid} exited or now names another process (start time changed from ${plan.spec.startTime}) between the check and the write.` }]);
    }
    // The intent is stored before anything is written, so a crash leaves a row the next start reverts.
    const id = this.store.createIntent({ kind: plan.kind, target: plan.target, spec: plan.spec, before: plan.before, after: plan.after, expiresAt, ownerPid: this.self.pid, ownerStart: this.self.start, caller: request.caller, justification: request.justification });
    this.store.event(id, 'intent', `${plan.kind} on ${plan.target}: ${changes.map((c) => `${c.key} ${c.from} → ${c.to}`).join(', ')}; TTL ${ttlSeconds} s`);
    try {
      await this.write(plan, id);
    } catch (error) {
      const undo = await revertAction(this.store, this.store.get(id)!, 'the write failed');
      this.store.update(id, { state: undo.state === 'reverted' ? 'failed' : undo.state, lastError: (error as Error).message });
      throw new SchedcpError((error as SchedcpError).code ?? 'subprocess_failed', `${(error as Error).message} Action ${id} stopped; ${undo.state === 'reverted' ? 'what was written is undone' : `undo: ${undo.state} (${undo.detail})`}.`, { cause: error, details: { id } });
    }
    this.store.update(id, { state: 'active' });
    this.store.event(id, 'apply', `written and read back; reverts at ${new Date(expiresAt).toISOString()}`);
    this.ensureTimer();
    const result: ActionResult = { ...base, id, state: 'active', expiresAt: new Date(expiresAt).toISOString() };
    if (!request.verify || !baseline) return result;
    const verification = await measureEffect({ feedback: this.feedback, signal: request.signal }, request.verify, plan.metric, plan.pids, baseline);
    this.store.update(id, { verification });
    this.store.event(id, 'verify', `${verification.helped}: ${verification.summary}`);
    if (verification.kpi?.regression && request.verify.revertIfWorse) {
      const revertedBecauseWorse = await revertAction(this.store, this.store.get(id)!, `the protected workload ${verification.kpi.workload} got worse (${verification.kpi.changePct.toFixed(1)}%)`);
      return { ...result, state: revertedBecauseWorse.state, verification, revertedBecauseWorse };
    }
    return { ...result, verification };
  }

  private async write(plan: Plan, id: number): Promise<void> {
    if (plan.kind !== 'process_limit') {
      const actuator = actuatorFor(plan);
      await actuator.write(plan.after);
      const back = await actuator.read(Object.keys(plan.after));
      const wrong = Object.entries(plan.after).filter(([k, v]) => back?.[k] !== undefined && back[k] !== v);
      if (wrong.length) throw new SchedcpError('dynamic_check_failed', `wrote ${wrong.map(([k, v]) => `${k}=${v}`).join(', ')} but read back ${wrong.map(([k]) => `${k}=${back?.[k]}`).join(', ')}.`);
      return;
    }
    const layout = layoutOf(plan.spec.controller!);
    const root = this.app.config.remediation.cgroupRoot;
    createDedicated(layout, root, plan.spec.path!.slice(root.length + 1));
    const dir = cgroupDir(layout, plan.spec.path!);
    const defaults = readFiles(dir, Object.keys(plan.after));
    if (!defaults) {
      removeDedicated(layout, plan.spec.path!, '/');
      removeRootIfEmpty(layout, root);
      throw new SchedcpError('unsupported', `[controller_missing] ${plan.spec.knob} has no file in the new cgroup ${dir}; the controller is not usable here.`);
    }
    this.store.update(id, { spec: plan.spec });
    this.store.event(id, 'cgroup', `created ${layout.controller}:${plan.spec.path} (defaults ${Object.entries(defaults).map(([k, v]) => `${k}=${v}`).join(', ')})`);
    // The limit is in place before the process arrives.
    writeFiles(dir, plan.after);
    moveProcess(layout, plan.spec.pid!, plan.spec.path!);
    this.store.event(id, 'move', `moved pid ${plan.spec.pid} from ${plan.spec.originalPath} to ${plan.spec.path}`);
  }

  /** Advise-only proposals from the signals (read now unless given) and a short observation of the host. */
  async recommend(options: { signals?: Signal[] | undefined; windowMs?: number | undefined; signal?: AbortSignal | undefined } = {}): Promise<ActionRecommendations & { signals: Signal[] }> {
    await this.ready;
    const windowMs = options.windowMs ?? 1000;
    const [signals, observed] = await Promise.all([options.signals ? Promise.resolve(options.signals) : this.feedback.currentSignals(windowMs), observe(windowMs, options.signal)]);
    return { ...await recommendActions(this.store, this.policy(), signals, observed, this.app.config.remediation.defaultTtlSeconds), signals };
  }

  async revert(id: number, reason = 'reverted on request'): Promise<RevertOutcome> {
    await this.ready;
    return this.serial(async () => {
      const row = this.store.get(id);
      if (!row) throw new SchedcpError('not_found', `Adjustment ${id} does not exist; list_adjustments shows them.`);
      if (!OPEN_STATES.includes(row.state)) return { id, state: row.state, detail: `already ${row.state}; nothing to do` };
      this.assertLiveAllowed();
      return revertAction(this.store, row, reason);
    });
  }

  async list(options: { all?: boolean; limit?: number } = {}): Promise<AdjustmentView[]> {
    await this.ready;
    await this.serial(() => this.checkYields());
    const rows = this.store.list({ ...(!options.all && { states: OPEN_STATES }), limit: options.limit ?? 50 });
    return rows.map((r) => this.view(r));
  }

  view(r: ActionRow): AdjustmentView {
    return {
      id: r.id, kind: r.kind, target: r.target, state: r.state, createdAt: r.createdAt, caller: r.caller, justification: r.justification,
      setting: r.spec.knob ? `${r.spec.knob}=${r.spec.value}` : `${r.kind}=${r.spec.value}`, before: r.before, after: r.after,
      expiresAt: new Date(r.expiresAt).toISOString(), ttlLeftSeconds: OPEN_STATES.includes(r.state) ? Math.max(0, Math.round((r.expiresAt - Date.now()) / 1000)) : 0,
      revertAttempts: r.revertAttempts, lastError: r.lastError, verification: r.verification, events: this.store.events(r.id),
    };
  }

  private owned(): ActionRow[] {
    return this.store.list({ states: OPEN_STATES, limit: 10_000 }).filter((r) => r.ownerPid === this.self.pid && r.ownerStart === this.self.start);
  }

  /** Someone else changed a value we wrote: stop managing it and say so. */
  private async checkYields(): Promise<void> {
    for (const row of this.store.list({ states: ['active'], limit: 10_000 })) {
      try {
        const drift = await driftOf(row);
        if (!drift.length) continue;
        this.store.update(row.id, { state: 'yielded' });
        this.store.event(row.id, 'yield', `changed by someone else (${describeDrift(drift)}); schedcp no longer manages it and will not revert it`);
      } catch { /* unreadable now: the TTL revert reports it */ }
    }
  }

  /** Actions whose owner died (crash, kill -9) are adopted and reverted. */
  private async repair(): Promise<RevertOutcome[]> {
    const out: RevertOutcome[] = [];
    for (const row of this.store.list({ states: OPEN_STATES, limit: 10_000 })) {
      if (readProcess(row.ownerPid)?.startTime === row.ownerStart) continue;
      this.store.update(row.id, { ownerPid: this.self.pid, ownerStart: this.self.start });
      this.store.event(row.id, 'repair', `schedcp pid ${row.ownerPid} ended without reverting (state ${row.state}); pid ${this.self.pid} reverts it`);
      out.push(await revertAction(this.store, { ...row, ownerPid: this.self.pid, ownerStart: this.self.start }, `repair after schedcp pid ${row.ownerPid} ended`));
    }
    if (out.length) this.app.logger.log('warning', 'reverted actions left by an earlier schedcp', { actions: out });
    this.ensureTimer();
    return out;
  }

  private ensureTimer(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => { void this.serial(() => this.tick()); }, TICK_MS);
    this.timer.unref();
  }

  /** TTL reverts, retries of failed reverts, and (every few seconds) yield detection. */
  async tick(): Promise<void> {
    const now = Date.now();
    if (now - this.lastYieldCheck >= RETRY_EVERY_MS) { this.lastYieldCheck = now; await this.checkYields(); }
    const open = this.owned();
    for (const row of open) {
      if (row.state === 'active' && row.expiresAt <= now) await revertAction(this.store, row, `TTL of ${Math.round((row.expiresAt - Date.parse(row.createdAt)) / 1000)} s ended`);
      else if (row.state === 'revert_failed' && now - (this.lastRetry.get(row.id) ?? 0) >= RETRY_EVERY_MS) {
        this.lastRetry.set(row.id, now);
        const r = await revertAction(this.store, row, `retry ${row.revertAttempts + 1} of a failed revert`);
        if (r.state === 'revert_failed') this.app.logger.log('error', 'revert still failing', { id: row.id, error: r.detail });
      }
    }
    if (open.length === 0 && this.timer) { clearInterval(this.timer); this.timer = undefined; }
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.serial(async () => {
      for (const row of this.owned()) {
        const r = await revertAction(this.store, row, 'server shutdown');
        if (r.state === 'revert_failed') this.app.logger.log('error', 'revert at shutdown failed; the next start retries it', { id: row.id, error: r.detail });
      }
    });
  }
}

export function remediationOf(app: App, feedback?: Feedback): Remediation {
  return app.component('remediation', (a) => new Remediation(a, feedback), remediationMigrations);
}
