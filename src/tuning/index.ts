// The tuning component: knowledge base (searchable through the repository's hybrid index),
// guardrails, recommender, and advise / stage / live apply with backups and rollback.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../app.js';
import { sha256Hex } from '../audit/index.js';
import { SchedcpError, quote } from '../errors.js';
import { createEmbedder, HybridIndex } from '../repository/search/index.js';
import { analysisFeedback, type Feedback } from './feedback.js';
import { checkPlan, type PlanCheck, type ProposedChange } from './guardrails.js';
import { allowedRangeText, loadKnowledgeBase, type Tunable } from './kb.js';
import { renderSysctlFile } from './plan-file.js';
import { recommend, type RecommendResult, type Signal } from './recommender.js';
import { TuningStore, tuningMigrations, type EventRow, type ManagedRow, type PlanRow } from './store.js';
import { applyLive, detectYields, rollbackBackup, type GuardSpec, type LiveContext, type LiveResult, type RollbackResult } from './engine.js';
import { targetFromSpec, type HostTargetOptions, type SysctlTarget } from './sysctl-io.js';

export { checkPlan, stepWindow, type PlanCheck, type ProposedChange, type Denial, type CheckedChange } from './guardrails.js';
export { parseKnowledgeBase, loadKnowledgeBase, parseValue, allowedRangeText, type Tunable } from './kb.js';
export { recommend, type Recommendation, type Signal } from './recommender.js';
export { HostSysctlTarget, NetnsSysctlTarget, targetFromSpec, mountOptionsFor, type SysctlTarget } from './sysctl-io.js';
export type { Feedback, WorkloadRun } from './feedback.js';
export type { GuardSpec, LiveResult, RollbackResult, KeyOutcome } from './engine.js';

export type ApplyMode = 'advise' | 'stage' | 'live';

export interface TunableView extends Tunable {
  present: boolean;
  current?: string;
  location?: string;
  allowed: boolean;
  allowedRange: string;
}

export interface ApplyRequest {
  target?: string;
  mode: ApplyMode;
  changes: ProposedChange[];
  guard?: GuardSpec;
  rollout?: 'all' | 'one_by_one';
  /** Take a key back that schedcp yielded to the administrator. */
  reclaimYielded?: boolean;
  caller?: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface ApplyResult {
  planId: number;
  mode: ApplyMode;
  target: string;
  check: PlanCheck;
  stagedText: string;
  stagedPath?: string;
  live?: LiveResult;
}

export interface TuningOptions {
  kbPath?: string;
  host?: HostTargetOptions;
  feedback?: Feedback;
}

export class Tuning {
  readonly kb: ReadonlyMap<string, Tunable>;
  readonly store: TuningStore;
  private readonly kbDigest: string;
  private index?: Promise<HybridIndex>;
  private queue: Promise<unknown> = Promise.resolve();
  feedback: Feedback;

  constructor(private readonly app: App, private readonly options: TuningOptions = {}) {
    const tunables = loadKnowledgeBase(options.kbPath);
    this.kb = new Map(tunables.map((t) => [t.key, t]));
    this.kbDigest = sha256Hex(JSON.stringify(tunables));
    this.store = new TuningStore(app.db);
    this.store.loadKnowledgeBase(tunables, this.kbDigest);
    this.feedback = options.feedback ?? analysisFeedback(app);
  }

  target(spec?: string): SysctlTarget {
    return targetFromSpec(spec, this.options.host);
  }

  private allowList(): readonly string[] {
    return this.app.config.tuning.allow;
  }

  private searchIndex(): Promise<HybridIndex> {
    this.index ??= (async () => {
      const index = await HybridIndex.open(this.app.db, {
        namespace: 'tunables',
        fields: [{ name: 'key', weight: 5 }, { name: 'title', weight: 3 }, { name: 'body', weight: 1 }],
        embedder: await createEmbedder(this.app.config),
      });
      const digest = `${this.kbDigest}:${index.model().modelId}`;
      if (this.store.getMeta('index_digest') !== digest || index.count() !== this.kb.size) {
        for (const key of this.store.getMeta('index_keys')?.split(',') ?? []) if (!this.kb.has(key)) index.remove(key);
        await index.upsert([...this.kb.values()].map((t) => ({
          key: t.key,
          fields: { key: t.key.replace(/[._-]/g, ' '), title: t.title, body: [t.affects, t.risks, t.signals.join(' '), t.area].join(' ') },
          embedText: `${t.title}. ${t.affects}`,
        })));
        this.store.setMeta('index_digest', digest);
        this.store.setMeta('index_keys', [...this.kb.keys()].join(','));
      }
      return index;
    })();
    this.index.catch(() => { this.index = undefined; });
    return this.index;
  }

  async list(options: { area?: Tunable['area']; query?: string; target?: string; limit?: number } = {}): Promise<{ tunables: TunableView[]; search?: { provider: string; reasons: Record<string, string> } }> {
    let keys = [...this.kb.keys()].filter((k) => !options.area || this.kb.get(k)!.area === options.area);
    let search: { provider: string; reasons: Record<string, string> } | undefined;
    if (options.query) {
      const index = await this.searchIndex();
      const allowed = new Set(keys);
      const result = await index.search(options.query, { limit: options.limit ?? 10, filter: (k) => allowed.has(k) });
      keys = result.hits.map((h) => h.key);
      search = { provider: result.provider, reasons: Object.fromEntries(result.hits.map((h) => [h.key, h.reason])) };
    }
    if (options.limit) keys = keys.slice(0, options.limit);
    return { tunables: await this.views(keys, options.target), ...(search && { search }) };
  }

  private async views(keys: readonly string[], targetSpec?: string): Promise<TunableView[]> {
    const target = this.target(targetSpec);
    const tunables = keys.map((k) => this.kb.get(k)!);
    const current = await target.readMany(tunables);
    const allow = this.allowList();
    return tunables.map((t) => {
      const value = current.get(t.key);
      const location = value === undefined ? undefined : target.locate(t);
      return { ...t, present: value !== undefined, ...(value !== undefined && { current: value }), ...(location && { location }), allowed: allow.length === 0 || allow.includes(t.key), allowedRange: allowedRangeText(t) };
    });
  }

  async explain(key: string, targetSpec?: string): Promise<{ tunable: TunableView; related: TunableView[] }> {
    const t = this.kb.get(key);
    if (!t) {
      const near = [...this.kb.keys()].filter((k) => editDistance(k, key) <= 3).slice(0, 5);
      throw new SchedcpError('not_found', `Tunable ${quote(key)} is not in the knowledge base.${near.length ? ` Did you mean ${near.join(', ')}?` : ' list_tunables shows all.'}`);
    }
    const relatedKeys = new Set(t.relations.map((r) => r.other));
    for (const other of this.kb.values()) if (other.relations.some((r) => r.other === key)) relatedKeys.add(other.key);
    const views = await this.views([key, ...relatedKeys], targetSpec);
    return { tunable: views[0]!, related: views.slice(1) };
  }

  /** Current values of the plan's keys and of every key they relate to. */
  private async currentFor(target: SysctlTarget, changes: readonly ProposedChange[]): Promise<Map<string, string | undefined>> {
    const keys = new Set<string>();
    for (const c of changes) {
      const t = this.kb.get(c.key);
      if (!t) continue;
      keys.add(c.key);
      for (const r of t.relations) keys.add(r.other);
    }
    return target.readMany([...keys].map((k) => this.kb.get(k)!));
  }

  async validate(request: { target?: string; changes: ProposedChange[] }): Promise<PlanCheck & { stagedText: string }> {
    const target = this.target(request.target);
    const check = checkPlan({ kb: this.kb, allow: this.allowList(), target: target.kind, current: await this.currentFor(target, request.changes), changes: request.changes, absentReason: (t) => target.absentReason(t) });
    return { ...check, stagedText: this.render(target, check, undefined) };
  }

  private render(target: SysctlTarget, check: PlanCheck, planId: number | undefined): string {
    const locations = new Map(check.changes.map((c) => [c.key, target.locate(this.kb.get(c.key)!)]));
    return renderSysctlFile({ planId, target: target.label, createdAt: new Date().toISOString(), changes: check.changes, kb: this.kb, locations });
  }

  async recommend(options: { signals?: Signal[]; windowMs?: number; target?: string } = {}): Promise<RecommendResult & { signals: Signal[] }> {
    const signals = options.signals ?? await this.feedback.currentSignals(options.windowMs);
    const target = this.target(options.target);
    const current = await target.readMany([...this.kb.values()]);
    const numaNodes = numaNodeCount();
    return { ...recommend({ signals, kb: this.kb, current, allow: this.allowList(), host: { ...(numaNodes !== undefined && { numaNodes }) } }), signals };
  }

  /** Plans are applied one at a time so two callers never interleave writes or backups. */
  apply(request: ApplyRequest): Promise<ApplyResult> {
    const next = this.queue.then(() => this.applyNow(request));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async applyNow(request: ApplyRequest): Promise<ApplyResult> {
    const target = this.target(request.target);
    if (request.changes.length === 0) throw new SchedcpError('invalid_argument', 'The plan has no changes; give at least one {key, value}.');
    if (request.mode === 'live') await this.assertLiveAllowed(target);
    const live = this.liveContext(target, request);
    if (request.mode === 'live') await detectYields(live, request.changes.map((c) => c.key));
    const check = checkPlan({ kb: this.kb, allow: this.allowList(), target: target.kind, current: await this.currentFor(target, request.changes), changes: request.changes, absentReason: (t) => target.absentReason(t) });
    if (request.mode === 'live' && !request.reclaimYielded) {
      const yielded = new Map(this.store.managed(target.label).filter((r) => r.state === 'yielded').map((r) => [r.key, r]));
      for (const c of check.changes.filter((c) => yielded.has(c.key))) {
        check.denials.push({ key: c.key, rule: 'yielded', message: `${c.key} was changed by someone else after schedcp wrote ${yielded.get(c.key)!.written}; schedcp yields it to the administrator. Pass reclaimYielded to take it back.` });
      }
      check.changes = check.changes.filter((c) => !yielded.has(c.key));
      check.ok = check.denials.length === 0;
    }
    if (!check.ok) {
      throw new SchedcpError('invalid_argument', `The plan was refused; nothing was written. ${check.denials.map((d) => `[${d.rule}] ${d.message}${d.allowed ? ` Allowed: ${d.allowed}.` : ''}`).join(' ')}`, { details: { denials: check.denials } });
    }
    const planId = this.store.createPlan({ caller: request.caller, target: target.label, mode: request.mode, status: request.mode === 'live' ? 'applying' : request.mode === 'stage' ? 'staged' : 'advised', changes: check.changes });
    const stagedText = this.render(target, check, planId);
    const base: ApplyResult = { planId, mode: request.mode, target: target.label, check, stagedText };
    if (request.mode === 'advise') {
      this.store.finishPlan(planId, 'advised', { changes: check.changes });
      return base;
    }
    if (request.mode === 'stage') {
      const dir = join(this.app.config.dataDir, 'tuning', 'staged');
      mkdirSync(dir, { recursive: true });
      const stagedPath = join(dir, `99-schedcp-plan-${planId}.conf`);
      writeFileSync(stagedPath, stagedText, { mode: 0o644 });
      this.store.event({ planId, target: target.label, kind: 'stage', detail: stagedPath });
      this.store.finishPlan(planId, 'staged', { stagedPath });
      return { ...base, stagedPath };
    }
    const result = await applyLive(live, planId, check.changes, { ...(request.guard && { guard: request.guard }), rollout: request.rollout ?? (request.guard ? 'one_by_one' : 'all') });
    return { ...base, live: result };
  }

  private liveContext(target: SysctlTarget, request: { signal?: AbortSignal; onProgress?: ApplyRequest['onProgress'] }): LiveContext {
    return { store: this.store, target, kb: this.kb, feedback: this.feedback, ...(request.signal && { signal: request.signal }), ...(request.onProgress && { progress: request.onProgress }) };
  }

  private async assertLiveAllowed(target: SysctlTarget): Promise<void> {
    if (!this.app.config.tuning.liveApply) {
      throw new SchedcpError('precondition_failed', 'Live apply is disabled: set config.tuning.liveApply to true (and run as root) to write kernel tunables. Use mode "advise" or "stage" meanwhile; nothing was written.');
    }
    if (process.getuid?.() !== 0) {
      throw new SchedcpError('permission_denied', `Live apply needs root; this server runs as uid ${process.getuid?.()}. Use mode "stage" and apply the file as root; nothing was written.`);
    }
    const blocker = await target.writeBlocker();
    if (blocker) throw new SchedcpError('precondition_failed', `${blocker} Nothing was written.`);
  }

  async rollback(request: { backupId?: number; planId?: number; signal?: AbortSignal }): Promise<RollbackResult> {
    const run = async () => {
      const backupId = request.backupId ?? (request.planId !== undefined ? this.store.backupForPlan(request.planId) : undefined);
      if (backupId === undefined) {
        throw new SchedcpError('not_found', request.planId !== undefined ? `Plan ${request.planId} has no backup (only live plans make one).` : 'Give backupId or planId.');
      }
      const backup = this.store.getBackup(backupId);
      if (!backup) throw new SchedcpError('not_found', `Backup ${backupId} does not exist; tuning_history lists backups.`);
      const target = this.target(backup.target === 'host' || backup.target.startsWith('netns:') ? backup.target : undefined);
      await this.assertLiveAllowed(target);
      return rollbackBackup(this.liveContext(target, request), backupId);
    };
    const next = this.queue.then(run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async history(options: { planId?: number; limit: number; target?: string }): Promise<{ plans: PlanRow[]; events: EventRow[]; backups: ReturnType<TuningStore['listBackups']>; managed: ManagedRow[] }> {
    const plans = options.planId !== undefined ? [this.store.getPlan(options.planId)].filter((p): p is PlanRow => p !== undefined) : this.store.listPlans({ limit: options.limit, ...(options.target && { target: options.target }) });
    if (options.planId !== undefined && plans.length === 0) throw new SchedcpError('not_found', `Plan ${options.planId} does not exist.`);
    const label = options.target ?? 'host';
    return { plans, events: this.store.events({ limit: options.limit * 5, ...(options.planId !== undefined && { planId: options.planId }) }), backups: this.store.listBackups(options.limit), managed: this.store.managed(label) };
  }
}

/** Levenshtein distance, for "did you mean" on a mistyped key. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

function numaNodeCount(): number | undefined {
  try { return readdirSync('/sys/devices/system/node').filter((n) => /^node\d+$/.test(n)).length || undefined; } catch { return undefined; }
}

export function tuningOf(app: App, options?: TuningOptions): Tuning {
  return app.component('tuning', (a) => new Tuning(a, options), tuningMigrations);
}
