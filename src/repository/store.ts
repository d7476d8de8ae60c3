// SQL for the repository's tables: plain reads and writes, no rules (those live in curation.ts).
import { commitWatcher, prepared, type Db } from '../db/index.js';
import type { Direction } from '../stats/index.js';
import type { PolicyMetadata, PolicyStatus, Provenance } from './metadata.js';
import type { PerfSample } from './curation.js';

export interface Policy {
  id: number;
  name: string;
  version: number;
  source: string;
  /** The policy's own headers (name relative to its folder → text), compiled with the source; absent when none. */
  headers?: Record<string, string>;
  sourceSha256: string;
  objectSha256: string | null;
  description: string;
  algorithm: string;
  metadata: PolicyMetadata;
  provenance: Provenance;
  parentId: number | null;
  status: PolicyStatus;
  createdBy: string;
  createdAt: string;
}

export interface NewPolicy {
  name: string;
  version: number;
  source: string;
  headers?: Record<string, string> | undefined;
  sourceSha256: string;
  objectSha256?: string | null;
  metadata: PolicyMetadata;
  provenance: Provenance;
  parentId: number | null;
  createdBy: string;
}

export interface StatusChange { id: number; policyId: number; from: PolicyStatus | null; to: PolicyStatus; reason: string; actor: string; at: string }
export interface VerificationRecord { id: number; policyId: number; verificationId: string; verdict: 'pass' | 'warn' | 'fail'; tokenId: string | null; detail: string | null; at: string }
export interface PerformanceRecord {
  id: number; policyId: number; workload: string; metric: string; direction: Direction; value: number; baseline: number | null;
  ratio: number | null; spread: number | null; host: string | null; kit: string | null; source: 'verify_run' | 'benchmark' | 'deployment'; at: string;
}
export interface DeploymentRecord { id: number; policyId: number; result: 'success' | 'failure' | 'rolled_back'; detail: string | null; host: string | null; at: string }

/** What search reads of a policy per candidate: no source, no headers. */
export type PolicyBrief = Pick<Policy, 'id' | 'name' | 'version' | 'status' | 'description' | 'metadata'>;
const BRIEF_COLUMNS = 'id, name, version, status, description, metadata_json';

function toBrief(r: Record<string, unknown>): PolicyBrief {
  return {
    id: r.id as number, name: r.name as string, version: r.version as number, status: r.status as PolicyStatus,
    description: r.description as string, metadata: JSON.parse(r.metadata_json as string) as PolicyMetadata,
  };
}

function toPolicy(r: Record<string, unknown>): Policy {
  return {
    ...toBrief(r), source: r.source as string,
    ...(typeof r.headers_json === 'string' ? { headers: JSON.parse(r.headers_json) as Record<string, string> } : {}),
    sourceSha256: r.source_sha256 as string, objectSha256: (r.object_sha256 as string | null) ?? null,
    algorithm: r.algorithm as string, provenance: r.provenance as Provenance,
    parentId: (r.parent_id as number | null) ?? null, createdBy: r.created_by as string, createdAt: r.created_at as string,
  };
}

export class PolicyStore {
  /** Newest version's brief by name; cleared on this connection's writes and on other connections' commits. */
  private readonly briefs = new Map<string, PolicyBrief | undefined>();
  private committedElsewhere: (() => boolean) | undefined;

  constructor(private readonly db: Db) {}

  /**
   * A lookup of the newest version's brief by name for one read pass (a search's candidates): one
   * freshness check per pass, then memory. Inside a transaction nothing is cached (it may roll back).
   */
  briefLookup(): (name: string) => PolicyBrief | undefined {
    this.committedElsewhere ??= commitWatcher(this.db);
    if (this.committedElsewhere()) this.briefs.clear();
    return (name) => {
      if (this.briefs.has(name)) return this.briefs.get(name);
      const r = prepared(this.db, `SELECT ${BRIEF_COLUMNS} FROM policies WHERE name = ? ORDER BY version DESC LIMIT 1`).get(name) as Record<string, unknown> | undefined;
      const brief = r && toBrief(r);
      if (!this.db.inTransaction) this.briefs.set(name, brief);
      return brief;
    };
  }

  /** BEGIN IMMEDIATE: read-then-insert sequences stay correct when a CLI and a server share the file. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  byId(id: number): Policy | undefined {
    const r = prepared(this.db, 'SELECT * FROM policies WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r && toPolicy(r);
  }

  byName(name: string, version?: number): Policy | undefined {
    const r = (version === undefined
      ? prepared(this.db, 'SELECT * FROM policies WHERE name = ? ORDER BY version DESC LIMIT 1').get(name)
      : prepared(this.db, 'SELECT * FROM policies WHERE name = ? AND version = ?').get(name, version)) as Record<string, unknown> | undefined;
    return r && toPolicy(r);
  }

  bySourceSha(sha: string): Policy | undefined {
    const r = prepared(this.db, 'SELECT * FROM policies WHERE source_sha256 = ? ORDER BY id DESC LIMIT 1').get(sha) as Record<string, unknown> | undefined;
    return r && toPolicy(r);
  }

  versions(name: string): Array<{ id: number; version: number; status: PolicyStatus; sourceSha256: string; createdAt: string }> {
    return (prepared(this.db, 'SELECT id, version, status, source_sha256, created_at FROM policies WHERE name = ? ORDER BY version').all(name) as Array<Record<string, unknown>>)
      .map((r) => ({ id: r.id as number, version: r.version as number, status: r.status as PolicyStatus, sourceSha256: r.source_sha256 as string, createdAt: r.created_at as string }));
  }

  /** The newest version of every policy name. */
  latestAll(): Policy[] {
    return (prepared(this.db, `SELECT p.* FROM policies p JOIN (SELECT name, max(version) AS v FROM policies GROUP BY name) l
      ON l.name = p.name AND l.v = p.version ORDER BY p.name`).all() as Array<Record<string, unknown>>).map(toPolicy);
  }

  insert(p: NewPolicy, initialStatus: PolicyStatus, reason: string): Policy {
    this.briefs.clear();
    const info = prepared(this.db, `INSERT INTO policies (name, version, source, source_sha256, object_sha256, description, algorithm, metadata_json, provenance, parent_id, status, created_by, headers_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(p.name, p.version, p.source, p.sourceSha256, p.objectSha256 ?? null, p.metadata.description,
      p.metadata.algorithm, JSON.stringify(p.metadata), p.provenance, p.parentId, initialStatus, p.createdBy,
      p.headers && Object.keys(p.headers).length > 0 ? JSON.stringify(p.headers) : null);
    const id = Number(info.lastInsertRowid);
    prepared(this.db, 'INSERT INTO policy_status_changes (policy_id, from_status, to_status, reason, actor) VALUES (?, NULL, ?, ?, ?)').run(id, initialStatus, reason, p.createdBy);
    return this.byId(id)!;
  }

  setObjectSha(id: number, sha: string): void {
    this.briefs.clear();
    prepared(this.db, 'UPDATE policies SET object_sha256 = ? WHERE id = ?').run(sha, id);
  }

  setStatus(id: number, from: PolicyStatus, to: PolicyStatus, reason: string, actor: string): void {
    this.briefs.clear();
    prepared(this.db, 'UPDATE policies SET status = ? WHERE id = ?').run(to, id);
    prepared(this.db, 'INSERT INTO policy_status_changes (policy_id, from_status, to_status, reason, actor) VALUES (?, ?, ?, ?, ?)').run(id, from, to, reason, actor);
  }

  statusChanges(policyId: number): StatusChange[] {
    return (prepared(this.db, 'SELECT * FROM policy_status_changes WHERE policy_id = ? ORDER BY id').all(policyId) as Array<Record<string, unknown>>).map((r) => ({
      id: r.id as number, policyId: r.policy_id as number, from: (r.from_status as PolicyStatus | null) ?? null, to: r.to_status as PolicyStatus,
      reason: r.reason as string, actor: r.actor as string, at: r.at as string,
    }));
  }

  addVerification(policyId: number, v: { verificationId: string; verdict: 'pass' | 'warn' | 'fail'; tokenId?: string | undefined; detail?: string | undefined }): number {
    return Number(prepared(this.db, 'INSERT INTO policy_verifications (policy_id, verification_id, verdict, token_id, detail) VALUES (?, ?, ?, ?, ?)')
      .run(policyId, v.verificationId, v.verdict, v.tokenId ?? null, v.detail ?? null).lastInsertRowid);
  }

  verifications(policyId: number): VerificationRecord[] {
    return (prepared(this.db, 'SELECT * FROM policy_verifications WHERE policy_id = ? ORDER BY id').all(policyId) as Array<Record<string, unknown>>).map((r) => ({
      id: r.id as number, policyId: r.policy_id as number, verificationId: r.verification_id as string, verdict: r.verdict as 'pass' | 'warn' | 'fail',
      tokenId: (r.token_id as string | null) ?? null, detail: (r.detail as string | null) ?? null, at: r.at as string,
    }));
  }

  addPerformance(policyId: number, p: Omit<PerformanceRecord, 'id' | 'policyId' | 'at'>): number {
    return Number(prepared(this.db, `INSERT INTO policy_performance (policy_id, workload, metric, direction, value, baseline, ratio, spread, host, kit, source)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(policyId, p.workload, p.metric, p.direction, p.value, p.baseline, p.ratio, p.spread, p.host, p.kit, p.source).lastInsertRowid);
  }

  performance(policyId: number): PerformanceRecord[] {
    return (prepared(this.db, 'SELECT * FROM policy_performance WHERE policy_id = ? ORDER BY id').all(policyId) as Array<Record<string, unknown>>).map((r) => ({
      id: r.id as number, policyId: r.policy_id as number, workload: r.workload as string, metric: r.metric as string, direction: r.direction as Direction,
      value: r.value as number, baseline: (r.baseline as number | null) ?? null, ratio: (r.ratio as number | null) ?? null, spread: (r.spread as number | null) ?? null,
      host: (r.host as string | null) ?? null, kit: (r.kit as string | null) ?? null, source: r.source as PerformanceRecord['source'], at: r.at as string,
    }));
  }

  perfSamples(policyId: number): PerfSample[] {
    return this.performance(policyId).map((p) => ({ workload: p.workload, metric: p.metric, direction: p.direction, value: p.value, baseline: p.baseline }));
  }

  addDeployment(policyId: number, d: { result: DeploymentRecord['result']; detail?: string | undefined; host?: string | undefined }): number {
    return Number(prepared(this.db, 'INSERT INTO policy_deployments (policy_id, result, detail, host) VALUES (?, ?, ?, ?)')
      .run(policyId, d.result, d.detail ?? null, d.host ?? null).lastInsertRowid);
  }

  deployments(policyId: number): DeploymentRecord[] {
    return (prepared(this.db, 'SELECT * FROM policy_deployments WHERE policy_id = ? ORDER BY id').all(policyId) as Array<Record<string, unknown>>).map((r) => ({
      id: r.id as number, policyId: r.policy_id as number, result: r.result as DeploymentRecord['result'],
      detail: (r.detail as string | null) ?? null, host: (r.host as string | null) ?? null, at: r.at as string,
    }));
  }
}
