// The repository component: policy store + hybrid search + curation, seeded with the built-in
// library on first use. Tools and CLI commands call these methods; rules live in curation.ts.
import type { App } from '../app.js';
import { sha256Hex } from '../audit/index.js';
import { SchedcpError, quote } from '../errors.js';
import { builtinPoliciesDir, loadBuiltinPolicies } from './builtins.js';
import { nextStatus, manualTransitionAllowed, allowedManualTargets, workloadScores, isTargetWorkload, type Transition, type WorkloadScore } from './curation.js';
import { codeIdentifiers, type PolicyStatus } from './metadata.js';
import { createEmbedder, HybridIndex, type IndexDoc } from './search/index.js';
import { PolicyStore, type Policy, type PolicyBrief } from './store.js';

export interface Actor { caller: string; transport: 'stdio' | 'http' | 'rest' | 'cli' }
export const SYSTEM_ACTOR: Actor = { caller: 'schedcp', transport: 'cli' };

export type PolicyRef = { id: number } | { name: string; version?: number | undefined } | { sourceSha256: string };

export const POLICY_FIELDS = [
  { name: 'name', weight: 8 },
  { name: 'description', weight: 4 },
  { name: 'use_cases', weight: 3 },
  { name: 'identifiers', weight: 1 },
] as const;

export interface SeedReport { added: string[]; updated: string[]; unchanged: string[] }

export class Repository {
  readonly store: PolicyStore;
  private ready_: Promise<HybridIndex> | undefined;
  /** What the implicit seed in ready() did, until an explicit seed() reports it. */
  private implicitSeed: SeedReport | undefined;

  constructor(readonly app: App) {
    this.store = new PolicyStore(app.db);
  }

  /** The search index, opened (and the built-ins seeded) on first use; idempotent. */
  ready(): Promise<HybridIndex> {
    this.ready_ ??= (async () => {
      const embedder = await createEmbedder(this.app.config);
      const index = await HybridIndex.open(this.app.db, { namespace: 'policies', fields: POLICY_FIELDS, embedder });
      this.implicitSeed = await this.seedInto(index, SYSTEM_ACTOR);
      const missing = this.store.latestAll().filter((p) => !index.has(p.name));
      await index.upsert(missing.map(policyDoc));
      return index;
    })();
    this.ready_.catch(() => { this.ready_ = undefined; });
    return this.ready_;
  }

  /** Load policies/ into the store: new names as version 1, changed sources as a new version. */
  async seed(actor: Actor = SYSTEM_ACTOR, dir = builtinPoliciesDir()): Promise<SeedReport> {
    const index = await this.ready();
    const first = this.implicitSeed;
    this.implicitSeed = undefined;
    const again = await this.seedInto(index, actor, dir);
    if (!first) return again;
    const changed = new Set([...first.added, ...first.updated, ...again.added, ...again.updated]);
    return { added: [...first.added, ...again.added], updated: [...first.updated, ...again.updated], unchanged: again.unchanged.filter((n) => !changed.has(n)) };
  }

  private async seedInto(index: HybridIndex, actor: Actor, dir = builtinPoliciesDir()): Promise<SeedReport> {
    const report: SeedReport = { added: [], updated: [], unchanged: [] };
    const changed: Policy[] = [];
    for (const b of loadBuiltinPolicies(dir)) {
      const sha = sha256Hex(b.source);
      const latest = this.store.byName(b.metadata.name);
      const sameMetadata = latest && JSON.stringify(latest.metadata) === JSON.stringify(b.metadata);
      if (latest && latest.sourceSha256 === sha && sameMetadata) { report.unchanged.push(b.metadata.name); continue; }
      const inserted = this.store.transaction(() => {
        const again = this.store.byName(b.metadata.name);
        if (again && again.id !== latest?.id) return undefined; // another process seeded it meanwhile
        return this.store.insert({
          name: b.metadata.name, version: (latest?.version ?? 0) + 1, source: b.source, sourceSha256: sha, metadata: b.metadata,
          provenance: 'built-in', parentId: latest?.id ?? null, createdBy: actor.caller,
        }, 'candidate', latest ? `built-in ${latest.sourceSha256 === sha ? 'metadata' : 'source'} changed (was version ${latest.version})` : 'built-in policy seeded');
      });
      if (!inserted) { report.unchanged.push(b.metadata.name); continue; }
      changed.push(inserted);
      (latest ? report.updated : report.added).push(b.metadata.name);
    }
    await index.upsert(changed.map(policyDoc));
    return report;
  }

  /** A policy by id, name (latest or given version) or source hash; not_found names what was asked. */
  get(ref: PolicyRef): Policy {
    let p: Policy | undefined;
    if ('id' in ref) p = this.store.byId(ref.id);
    else if ('sourceSha256' in ref) p = this.store.bySourceSha(ref.sourceSha256);
    else p = this.store.byName(ref.name, ref.version);
    if (!p) {
      const what = 'id' in ref ? `id ${ref.id}` : 'sourceSha256' in ref ? `source hash ${quote(ref.sourceSha256)}`
        : `${quote(ref.name)}${ref.version !== undefined ? ` version ${ref.version}` : ''}`;
      const hint = 'name' in ref && this.store.byName(ref.name) ? ` (it has versions ${this.store.versions(ref.name).map((v) => v.version).join(', ')})` : '';
      throw new SchedcpError('not_found', `No policy with ${what}${hint}. Use search_policies to find policy names.`);
    }
    return p;
  }

  list(filter: { status?: readonly PolicyStatus[] | undefined } = {}): Policy[] {
    const all = this.store.latestAll();
    return filter.status?.length ? all.filter((p) => filter.status!.includes(p.status)) : all;
  }

  scores(policyId: number): WorkloadScore[] {
    return workloadScores(this.store.perfSamples(policyId));
  }

  /** Apply the curation rules after new evidence; every change is stored with its reason and audited. */
  applyCuration(policyId: number, actor: Actor): Array<{ from: PolicyStatus; to: PolicyStatus; reason: string }> {
    const changes: Array<{ from: PolicyStatus; to: PolicyStatus; reason: string }> = [];
    for (let step = 0; step < 4; step++) {
      const p = this.store.byId(policyId)!;
      const t = this.evidenceTransition(p);
      if (!t) break;
      // A promotion reserved to a human waits for approve_policy (config approval.requireHumanFor).
      if (t.to === 'promoted' && this.app.config.approval.requireHumanFor.includes('promote_policy')) break;
      this.changeStatus(p, t.to, t.reason, actor);
      changes.push({ from: p.status, to: t.to, reason: t.reason });
    }
    return changes;
  }

  /** The status change the curation rules call for on the stored evidence, or undefined. */
  evidenceTransition(p: Policy): Transition | undefined {
    return nextStatus({
      status: p.status,
      targetWorkloads: p.metadata.targetWorkloads,
      verifications: this.store.verifications(p.id).map((v) => v.verdict),
      scores: this.scores(p.id),
      deployments: this.store.deployments(p.id).map((d) => d.result),
    }, this.app.config.repository);
  }

  /** A status change decided by approve_policy (src/repository/approval.ts checks who may). */
  approvedChange(p: Policy, to: PolicyStatus, reason: string, actor: Actor): Policy {
    this.changeStatus(p, to, reason, actor);
    return this.store.byId(p.id)!;
  }

  /** An explicit status change (retire, quarantine, release from quarantine) with a stated reason. */
  setStatus(ref: PolicyRef, to: PolicyStatus, reason: string, actor: Actor): Policy {
    const p = this.get(ref);
    if (!reason.trim()) throw new SchedcpError('invalid_argument', 'A status change needs a non-empty reason.');
    if (!manualTransitionAllowed(p.status, to)) {
      throw new SchedcpError('precondition_failed', `${p.name} v${p.version} is ${p.status}; it can be set to ${allowedManualTargets(p.status).join(', ')} by hand, not ${quote(to)} (promotion only follows verification and benchmark evidence).`);
    }
    this.changeStatus(p, to, reason, actor);
    return this.store.byId(p.id)!;
  }

  private changeStatus(p: Policy, to: PolicyStatus, reason: string, actor: Actor): void {
    this.store.setStatus(p.id, p.status, to, reason, actor.caller);
    this.app.audit.record({
      caller: actor.caller, transport: actor.transport, tool: 'repository.status_change',
      arguments: { policy: p.name, version: p.version, id: p.id, from: p.status, to },
      justification: reason, outcome: 'ok', durationMs: 0, readOnly: false,
    });
    this.app.logger.log('info', 'policy status changed', { policy: p.name, version: p.version, from: p.status, to, reason });
  }

  /**
   * Filters for search, evaluated only on candidate hits (cheap at any library size); undefined when
   * none is asked for, so the search fetches no extra candidates.
   */
  searchFilter(f: { status?: readonly PolicyStatus[] | undefined; workload?: string | undefined; minScore?: number | undefined }, brief: (name: string) => PolicyBrief | undefined): ((key: string) => boolean) | undefined {
    if (!f.status?.length && !f.workload && f.minScore === undefined) return undefined;
    return (name) => {
      const p = brief(name);
      if (!p) return false;
      if (f.status?.length && !f.status.includes(p.status)) return false;
      if (f.workload && !p.metadata.targetWorkloads.includes(f.workload) && !isTargetWorkload(f.workload, p.metadata.targetWorkloads)) return false;
      if (f.minScore !== undefined) {
        const scores = this.scores(p.id).filter((s) => !f.workload || s.workload === f.workload || isTargetWorkload(s.workload, [f.workload]));
        if (!scores.some((s) => s.score >= f.minScore!)) return false;
      }
      return true;
    };
  }

  /** Re-index one policy name (after a new version). */
  async reindex(policy: Policy): Promise<void> {
    await (await this.ready()).upsert([policyDoc(policy)]);
  }
}

/** How a policy appears to search: name words, prose fields, and code identifiers. */
export function policyDoc(p: Policy): IndexDoc {
  const m = p.metadata;
  const nameWords = p.name.replace(/_/g, ' ');
  const useCases = [m.algorithm, ...m.useCases, ...m.tradeoffs, `workloads: ${m.targetWorkloads.join(', ')}`].join('\n');
  return {
    key: p.name,
    fields: { name: nameWords, description: m.description, use_cases: useCases, identifiers: codeIdentifiers(p.source) },
    embedText: `${nameWords}. ${m.description} Good for: ${m.useCases.join('; ')}. Workloads: ${m.targetWorkloads.join(', ')}.`,
  };
}
