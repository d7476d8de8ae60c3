// The deployer's records: deployments, their events (stage changes, trips, rollbacks with timing,
// heartbeat loss), KPI samples, and the last known-good policy per node. Only the deployer touches
// these tables.
import type { Db, Migration } from '../db/index.js';
import { SchedcpError, quote } from '../errors.js';
import type { Breaker, Stage } from './plan.js';

export const deployerMigrations: Migration[] = [{
  component: 'deployer', version: 1, description: 'deployments, deployment_events, deployment_samples, node_known_good',
  up(db) {
    db.exec(`CREATE TABLE deployments (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      node TEXT NOT NULL,
      policy_name TEXT NOT NULL,
      repository_policy_id INTEGER,
      policy_sha256 TEXT NOT NULL,
      object_sha256 TEXT NOT NULL,
      verification_id INTEGER NOT NULL,
      token_modes TEXT NOT NULL,
      stage TEXT NOT NULL,
      breaker TEXT NOT NULL,
      plan_json TEXT NOT NULL,
      baseline_json TEXT,
      trip_json TEXT,
      stage_started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      ended_at TEXT)`);
    db.exec('CREATE INDEX deployments_node ON deployments (node, id)');
    db.exec(`CREATE TABLE deployment_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      deployment_id INTEGER NOT NULL REFERENCES deployments(id),
      at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      kind TEXT NOT NULL,
      detail_json TEXT NOT NULL)`);
    db.exec('CREATE INDEX deployment_events_dep ON deployment_events (deployment_id, id)');
    db.exec(`CREATE TABLE deployment_samples (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      deployment_id INTEGER NOT NULL REFERENCES deployments(id),
      at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      stage TEXT NOT NULL,
      sample_json TEXT NOT NULL)`);
    db.exec('CREATE INDEX deployment_samples_dep ON deployment_samples (deployment_id, id)');
    db.exec(`CREATE TABLE node_known_good (
      node TEXT PRIMARY KEY,
      policy_name TEXT NOT NULL,
      policy_sha256 TEXT NOT NULL,
      object_sha256 TEXT NOT NULL,
      deployment_id INTEGER NOT NULL REFERENCES deployments(id),
      since TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))`);
  },
}, {
  component: 'deployer', version: 2, description: 'deployments.paused: an operator hold on automatic stage changes',
  up(db) {
    db.exec('ALTER TABLE deployments ADD COLUMN paused INTEGER NOT NULL DEFAULT 0');
  },
}];

export interface DeploymentRow {
  id: number; createdAt: string; updatedAt: string; node: string; policyName: string; repositoryPolicyId: number | null;
  policySha256: string; objectSha256: string; verificationId: number; tokenModes: string[]; stage: Stage; breaker: Breaker;
  plan: Record<string, unknown>; baseline: Record<string, number> | null; trip: Record<string, unknown> | null;
  stageStartedAt: string; endedAt: string | null; paused: boolean;
}

export interface KnownGood { node: string; policyName: string; policySha256: string; objectSha256: string; deploymentId: number; since: string }

function toRow(r: Record<string, unknown>): DeploymentRow {
  return {
    id: r.id as number, createdAt: r.created_at as string, updatedAt: r.updated_at as string, node: r.node as string,
    policyName: r.policy_name as string, repositoryPolicyId: r.repository_policy_id as number | null,
    policySha256: r.policy_sha256 as string, objectSha256: r.object_sha256 as string, verificationId: r.verification_id as number,
    tokenModes: JSON.parse(r.token_modes as string) as string[], stage: r.stage as Stage, breaker: r.breaker as Breaker,
    plan: JSON.parse(r.plan_json as string) as Record<string, unknown>,
    baseline: r.baseline_json ? JSON.parse(r.baseline_json as string) as Record<string, number> : null,
    trip: r.trip_json ? JSON.parse(r.trip_json as string) as Record<string, unknown> : null,
    stageStartedAt: r.stage_started_at as string, endedAt: r.ended_at as string | null, paused: r.paused === 1,
  };
}

export class DeploymentStore {
  constructor(private readonly db: Db) {}

  insert(d: Pick<DeploymentRow, 'node' | 'policyName' | 'repositoryPolicyId' | 'policySha256' | 'objectSha256' | 'verificationId' | 'tokenModes' | 'stage' | 'breaker' | 'plan'>): number {
    const r = this.db.prepare(`INSERT INTO deployments (node, policy_name, repository_policy_id, policy_sha256, object_sha256, verification_id, token_modes, stage, breaker, plan_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(d.node, d.policyName, d.repositoryPolicyId, d.policySha256, d.objectSha256, d.verificationId, JSON.stringify(d.tokenModes), d.stage, d.breaker, JSON.stringify(d.plan));
    return Number(r.lastInsertRowid);
  }

  get(id: number): DeploymentRow {
    const r = this.db.prepare('SELECT * FROM deployments WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    if (!r) throw new SchedcpError('not_found', `No deployment ${quote(id)}; list_deployments shows the deployments.`);
    return toRow(r);
  }

  list(filter: { node?: string | undefined; limit?: number | undefined } = {}): DeploymentRow[] {
    const rows = filter.node
      ? this.db.prepare('SELECT * FROM deployments WHERE node = ? ORDER BY id DESC LIMIT ?').all(filter.node, filter.limit ?? 50)
      : this.db.prepare('SELECT * FROM deployments ORDER BY id DESC LIMIT ?').all(filter.limit ?? 50);
    return (rows as Record<string, unknown>[]).map(toRow);
  }

  activeOn(node: string): DeploymentRow | undefined {
    const r = this.db.prepare("SELECT * FROM deployments WHERE node = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1").get(node) as Record<string, unknown> | undefined;
    return r ? toRow(r) : undefined;
  }

  active(): DeploymentRow[] {
    return (this.db.prepare('SELECT * FROM deployments WHERE ended_at IS NULL ORDER BY id').all() as Record<string, unknown>[]).map(toRow);
  }

  update(id: number, fields: { stage?: Stage; breaker?: Breaker; baseline?: Record<string, number>; trip?: Record<string, unknown>; ended?: boolean; paused?: boolean }): void {
    const sets: string[] = ["updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')"];
    const args: unknown[] = [];
    if (fields.stage) { sets.push("stage = ?", "stage_started_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')"); args.push(fields.stage); }
    if (fields.breaker) { sets.push('breaker = ?'); args.push(fields.breaker); }
    if (fields.baseline) { sets.push('baseline_json = ?'); args.push(JSON.stringify(fields.baseline)); }
    if (fields.trip) { sets.push('trip_json = ?'); args.push(JSON.stringify(fields.trip)); }
    if (fields.paused !== undefined) { sets.push('paused = ?'); args.push(fields.paused ? 1 : 0); }
    if (fields.ended) sets.push("ended_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')");
    this.db.prepare(`UPDATE deployments SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
  }

  addEvent(id: number, kind: string, detail: Record<string, unknown>): void {
    this.db.prepare('INSERT INTO deployment_events (deployment_id, kind, detail_json) VALUES (?, ?, ?)').run(id, kind, JSON.stringify(detail));
  }

  events(id: number): Array<{ at: string; kind: string; detail: Record<string, unknown> }> {
    return (this.db.prepare('SELECT at, kind, detail_json FROM deployment_events WHERE deployment_id = ? ORDER BY id').all(id) as Array<{ at: string; kind: string; detail_json: string }>)
      .map((e) => ({ at: e.at, kind: e.kind, detail: JSON.parse(e.detail_json) as Record<string, unknown> }));
  }

  addSample(id: number, stage: Stage, sample: Record<string, unknown>): void {
    this.db.prepare('INSERT INTO deployment_samples (deployment_id, stage, sample_json) VALUES (?, ?, ?)').run(id, stage, JSON.stringify(sample));
  }

  sampleCount(id: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM deployment_samples WHERE deployment_id = ?').get(id) as { n: number }).n;
  }

  samples(id: number, limit: number): Array<{ at: string; stage: string; sample: Record<string, unknown> }> {
    return (this.db.prepare('SELECT at, stage, sample_json FROM (SELECT * FROM deployment_samples WHERE deployment_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id').all(id, limit) as Array<{ at: string; stage: string; sample_json: string }>)
      .map((s) => ({ at: s.at, stage: s.stage, sample: JSON.parse(s.sample_json) as Record<string, unknown> }));
  }

  /** Trips recorded for one policy object (quarantine counts these). */
  tripsOf(policySha256: string): number {
    return (this.db.prepare("SELECT count(*) AS n FROM deployments WHERE policy_sha256 = ? AND stage = 'rolled_back' AND trip_json IS NOT NULL AND json_extract(trip_json, '$.counts') = 1").get(policySha256) as { n: number }).n;
  }

  knownGood(node: string): KnownGood | undefined {
    const r = this.db.prepare('SELECT * FROM node_known_good WHERE node = ?').get(node) as Record<string, unknown> | undefined;
    return r ? { node, policyName: r.policy_name as string, policySha256: r.policy_sha256 as string, objectSha256: r.object_sha256 as string, deploymentId: r.deployment_id as number, since: r.since as string } : undefined;
  }

  setKnownGood(kg: Omit<KnownGood, 'since'>): void {
    this.db.prepare(`INSERT INTO node_known_good (node, policy_name, policy_sha256, object_sha256, deployment_id) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(node) DO UPDATE SET policy_name = excluded.policy_name, policy_sha256 = excluded.policy_sha256, object_sha256 = excluded.object_sha256,
      deployment_id = excluded.deployment_id, since = strftime('%Y-%m-%dT%H:%M:%fZ','now')`).run(kg.node, kg.policyName, kg.policySha256, kg.objectSha256, kg.deploymentId);
  }
}
