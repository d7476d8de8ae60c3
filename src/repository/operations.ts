// The repository's public operations (what the MCP tools and CLI call): search, submit, record
// outcomes, history. Each validates its input first so a bad call writes nothing.
import type { App } from '../app.js';
import { sha256Hex } from '../audit/index.js';
import { SchedcpError, quote } from '../errors.js';
import type { Direction } from '../stats/index.js';
import { parseMetadata, POLICY_NAME, type PolicyStatus, type Provenance } from './metadata.js';
import { Repository, SYSTEM_ACTOR, type Actor, type PolicyRef } from './repository.js';
import type { Policy } from './store.js';
import { loadVerifier, type StaticStageResult } from './verifier-bridge.js';
import { repositoryMigrations } from './migrations.js';

export const MAX_QUERY_CHARS = 1000;

export function repositoryOf(app: App): Repository {
  return app.component('repository', (a) => new Repository(a), repositoryMigrations);
}

export interface SearchInput {
  query: string;
  status?: PolicyStatus[] | undefined;
  workload?: string | undefined;
  minScore?: number | undefined;
  limit?: number | undefined;
}

export async function searchPolicies(app: App, input: SearchInput) {
  const query = input.query.trim();
  if (query.length === 0) throw new SchedcpError('invalid_argument', 'The search query is empty; describe the workload or goal, e.g. "low tail latency for interactive web requests".');
  if (query.length > MAX_QUERY_CHARS) throw new SchedcpError('invalid_argument', `The search query is ${query.length} characters; at most ${MAX_QUERY_CHARS} are allowed. Summarise the goal in a sentence.`);
  const repo = repositoryOf(app);
  const index = await repo.ready();
  const limit = input.limit ?? 5;
  // Status and target workloads come from the store, so a status change re-ranks without re-indexing.
  const brief = repo.store.briefLookup();
  const describe = (name: string) => {
    const p = brief(name);
    return p && { status: p.status, fields: { target_workloads: p.metadata.targetWorkloads.join(', '), use_cases: p.metadata.useCases.join('\n') } };
  };
  const result = await index.search(query, { limit, filter: repo.searchFilter(input, brief), describe });
  return {
    embedding: { provider: result.provider, modelId: result.modelId },
    // An indexed name with no row (never expected: the index follows the store) is left out, not thrown on.
    hits: result.hits.flatMap((h) => {
      const p = brief(h.key);
      if (!p) return [];
      return [{
        id: p.id, name: p.name, version: p.version, status: p.status, targetWorkloads: p.metadata.targetWorkloads,
        summary: p.description.length > 200 ? `${p.description.slice(0, 197)}...` : p.description,
        score: Number(h.score.toFixed(5)), reason: h.reason, decidedBy: h.decidedBy, matchedFields: h.matchedFields,
      }];
    }),
    timings: result.timings,
  };
}

export function getPolicy(app: App, ref: PolicyRef): Policy {
  return repositoryOf(app).get(ref);
}

export interface SubmitInput {
  source: string;
  /** The policy's own headers for its quoted includes (name → text); the verifier checks them. */
  headers?: Record<string, string> | undefined;
  metadata: unknown;
  parent?: string | number | undefined;
  provenance?: Extract<Provenance, 'agent-submitted' | 'imported'>;
  /** Run the verifier's static stage now (default true). */
  staticCheck?: boolean;
  signal?: AbortSignal | undefined;
}

export async function submitPolicy(app: App, input: SubmitInput, actor: Actor) {
  const repo = repositoryOf(app);
  await repo.ready();
  const bytes = Buffer.byteLength(input.source, 'utf8');
  const max = app.config.limits.maxPolicySourceBytes;
  if (bytes > max) throw new SchedcpError('limit_exceeded', `The policy source is ${bytes} bytes; at most ${max} (limits.maxPolicySourceBytes) are allowed.`);
  if (!input.source.trim()) throw new SchedcpError('invalid_argument', 'The policy source is empty.');
  const metadata = parseMetadata(input.metadata, 'submitted policy');
  if (!POLICY_NAME.test(metadata.name)) throw new SchedcpError('invalid_argument', `Policy name ${quote(metadata.name)} is invalid.`);
  const existing = repo.store.byName(metadata.name);
  if (existing) {
    throw new SchedcpError('already_exists', `A policy named ${quote(metadata.name)} already exists (versions ${repo.store.versions(metadata.name).map((v) => v.version).join(', ')}, ${existing.provenance}). Choose a new name and pass parent: ${quote(metadata.name)} to record the lineage.`);
  }
  const sourceSha256 = sha256Hex(input.source);
  const same = repo.store.bySourceSha(sourceSha256);
  if (same) throw new SchedcpError('already_exists', `This exact source is already stored as ${same.name} v${same.version} (id ${same.id}); submit a changed source or use that policy.`);
  let parentId: number | null = null;
  if (input.parent !== undefined) parentId = repo.get(typeof input.parent === 'number' ? { id: input.parent } : { name: input.parent }).id;

  let staticStage: StaticStageResult | { verdict: 'unavailable'; reason: string } | undefined;
  if (input.staticCheck ?? true) {
    try {
      const verifier = await loadVerifier();
      staticStage = await verifier.runStaticStage(app, { source: input.source, fileName: `${metadata.name}.bpf.c`, ...(input.headers ? { headers: input.headers } : {}) }, { signal: input.signal });
    } catch (error) {
      if (!(error instanceof SchedcpError && error.code === 'precondition_failed')) throw error;
      staticStage = { verdict: 'unavailable', reason: error.message };
    }
  }
  const staticNote = staticStage ? `; static stage ${staticStage.verdict}${'reason' in staticStage && staticStage.reason ? ` (${staticStage.reason})` : ''}` : '';
  const policy = repo.store.transaction(() => {
    if (repo.store.byName(metadata.name)) throw new SchedcpError('already_exists', `A policy named ${quote(metadata.name)} was added meanwhile.`);
    const p = repo.store.insert({
      name: metadata.name, version: 1, source: input.source, headers: input.headers, sourceSha256, metadata, provenance: input.provenance ?? 'agent-submitted',
      parentId, createdBy: actor.caller,
      objectSha256: staticStage && 'objectSha256' in staticStage ? staticStage.objectSha256 ?? null : null,
    }, 'candidate', `${input.provenance === 'imported' ? 'imported' : 'submitted'} by ${actor.caller}${staticNote}`);
    return p;
  });
  app.audit.record({
    caller: actor.caller, transport: actor.transport, tool: 'repository.status_change',
    arguments: { policy: policy.name, version: policy.version, id: policy.id, from: null, to: 'candidate' },
    justification: `new ${policy.provenance} policy${staticNote}`, outcome: 'ok', durationMs: 0, readOnly: false,
  });
  await repo.reindex(policy);
  return { id: policy.id, name: policy.name, version: policy.version, status: policy.status, sourceSha256, parentId, staticStage };
}

export interface OutcomeInput {
  policy: PolicyRef;
  source: 'verify_run' | 'benchmark' | 'deployment';
  /** Trusted callers (the verifier itself) pass the outcome; agents pass verificationId instead. */
  verification?: { id: string; verdict: 'pass' | 'warn' | 'fail'; tokenId?: string | undefined; detail?: string | undefined } | undefined;
  /** A verify_policy run; its verdict is read from the verifier's store, never taken from the caller. */
  verificationId?: number | undefined;
  performance?: Array<{ workload: string; metric: string; direction: Direction; value: number; baseline?: number | undefined; spread?: number | undefined; host?: string | undefined; kit?: string | undefined }> | undefined;
  deployment?: { result: 'success' | 'failure' | 'rolled_back'; detail?: string | undefined; host?: string | undefined } | undefined;
}

/** Attach evidence to a policy version and apply the curation rules. Used by tools and the verifier. */
export async function recordOutcome(app: App, input: OutcomeInput, actor: Actor = SYSTEM_ACTOR) {
  const repo = repositoryOf(app);
  await repo.ready();
  const p = repo.get(input.policy);
  if (input.verification && input.verificationId !== undefined) throw new SchedcpError('invalid_argument', 'Give a verification outcome or a verificationId, not both.');
  if (input.verificationId !== undefined) {
    if (input.source !== 'verify_run') throw new SchedcpError('invalid_argument', `A verification needs source "verify_run", not ${quote(input.source)}.`);
    const verifier = await loadVerifier();
    input = { ...input, verification: verifier.verificationOutcomeFor(app, input.verificationId, { id: p.id, sourceSha256: p.sourceSha256, label: `${p.name} v${p.version}` }) };
  }
  if (!input.verification && !input.performance?.length && !input.deployment) {
    throw new SchedcpError('invalid_argument', 'An outcome needs at least one of verification, performance or deployment.');
  }
  if (input.deployment && input.source !== 'deployment') throw new SchedcpError('invalid_argument', `A deployment result needs source "deployment", not ${quote(input.source)}.`);
  for (const perf of input.performance ?? []) {
    for (const [k, v] of Object.entries({ value: perf.value, baseline: perf.baseline, spread: perf.spread })) {
      if (v !== undefined && !Number.isFinite(v)) throw new SchedcpError('invalid_argument', `performance ${k} ${quote(v)} for ${perf.workload}/${perf.metric} is not a finite number.`);
    }
    if (perf.baseline === 0) throw new SchedcpError('invalid_argument', `baseline 0 for ${perf.workload}/${perf.metric} cannot define a ratio; omit it or give the measured baseline.`);
  }
  const ids = repo.store.transaction(() => {
    const out: { verification?: number; performance: number[]; deployment?: number } = { performance: [] };
    if (input.verification) out.verification = repo.store.addVerification(p.id, { verificationId: input.verification.id, verdict: input.verification.verdict, tokenId: input.verification.tokenId, detail: input.verification.detail });
    for (const perf of input.performance ?? []) {
      const ratio = perf.baseline === undefined ? null : perf.value / perf.baseline;
      out.performance.push(repo.store.addPerformance(p.id, {
        workload: perf.workload, metric: perf.metric, direction: perf.direction, value: perf.value, baseline: perf.baseline ?? null, ratio,
        spread: perf.spread ?? null, host: perf.host ?? null, kit: perf.kit ?? null, source: input.source,
      }));
    }
    if (input.deployment) out.deployment = repo.store.addDeployment(p.id, input.deployment);
    return out;
  });
  const statusChanges = repo.applyCuration(p.id, actor);
  const after = repo.store.byId(p.id)!;
  return { policy: { id: after.id, name: after.name, version: after.version, status: after.status }, recorded: ids, statusChanges, scores: repo.scores(p.id) };
}

export function policyHistory(app: App, ref: PolicyRef, options: { limit?: number } = {}) {
  const repo = repositoryOf(app);
  const p = repo.get(ref);
  const limit = options.limit ?? 50;
  const lineage: Array<{ id: number; name: string; version: number; status: PolicyStatus; provenance: Provenance }> = [];
  for (let cur: Policy | undefined = p, guard = 0; cur && guard < 64; cur = cur.parentId === null ? undefined : repo.store.byId(cur.parentId), guard++) {
    lineage.push({ id: cur.id, name: cur.name, version: cur.version, status: cur.status, provenance: cur.provenance });
  }
  const tail = <T>(xs: T[]) => xs.slice(-limit);
  return {
    policy: { id: p.id, name: p.name, version: p.version, status: p.status, provenance: p.provenance },
    versions: repo.store.versions(p.name),
    lineage,
    statusChanges: tail(repo.store.statusChanges(p.id)),
    verifications: tail(repo.store.verifications(p.id)),
    performance: tail(repo.store.performance(p.id)),
    deployments: tail(repo.store.deployments(p.id)),
    scores: repo.scores(p.id),
  };
}

export interface SeedOptions {
  /** Verify the built-ins (kernel verifier + dynamic stage in the micro-VM) and record the results. */
  verify?: boolean;
  /** Also run the verifier's performance stage (slow). */
  perf?: boolean;
  signal?: AbortSignal | undefined;
  onProgress?: ((done: number, total: number, message: string) => void) | undefined;
}

/** Seed (idempotently) the built-in library; optionally verify the current versions in the VM. */
export async function seedPolicies(app: App, options: SeedOptions = {}, actor: Actor = SYSTEM_ACTOR) {
  const repo = repositoryOf(app);
  const report = await repo.seed(actor);
  if (!options.verify) return { ...report, verifications: undefined };
  const verifier = await loadVerifier();
  const builtins = repo.list().filter((p) => p.provenance === 'built-in');
  const results = await verifier.verifyPolicies(app, builtins.map((p) => ({
    source: p.source, fileName: `${p.name}.bpf.c`, label: p.name, repositoryPolicyId: p.id,
  })), { perf: options.perf ?? false, ...(options.signal && { signal: options.signal }), ...(options.onProgress && { onProgress: options.onProgress }) });
  return {
    ...report,
    verifications: results.map((v, i) => ({
      policy: builtins[i]!.name, verificationId: v.id, verdict: v.verdict, failedStage: v.failedStage, reason: v.reason,
      stages: v.stages.map((s) => `${s.stage}:${s.verdict}`), status: repo.store.byId(builtins[i]!.id)!.status,
    })),
  };
}
