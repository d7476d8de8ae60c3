// The evidence store: one row per verification with the full stage outputs as JSON, its digest,
// and the token issued (if any). Only the verifier touches this table.
import type { App } from '../app.js';
import { baselineMigration } from './baseline-store.js';
import { sha256Hex } from '../audit/index.js';
import type { Db, Migration } from '../db/index.js';
import { SchedcpError } from '../errors.js';

export const verifierMigrations: Migration[] = [{
  component: 'verifier', version: 1, description: 'verifications: evidence bundles and tokens',
  up(db) {
    db.exec(`CREATE TABLE verifications (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      verdict TEXT NOT NULL CHECK (verdict IN ('pass','warn','fail','error')),
      failed_stage TEXT,
      reason TEXT,
      policy_label TEXT NOT NULL,
      repository_policy_id INTEGER,
      source_sha256 TEXT,
      object_sha256 TEXT,
      duration_ms REAL NOT NULL,
      evidence_json TEXT NOT NULL,
      evidence_sha256 TEXT NOT NULL,
      token TEXT)`);
    db.exec('CREATE INDEX verifications_object ON verifications (object_sha256)');
  },
}, baselineMigration];

export interface VerificationRow {
  id: number;
  createdAt: string;
  verdict: 'pass' | 'warn' | 'fail' | 'error';
  failedStage: string | null;
  reason: string | null;
  policyLabel: string;
  repositoryPolicyId: number | null;
  sourceSha256: string | null;
  objectSha256: string | null;
  durationMs: number;
  evidence: unknown;
  evidenceSha256: string;
  token: string | null;
}

export class VerificationStore {
  constructor(private readonly db: Db) {}

  insert(row: Omit<VerificationRow, 'id' | 'createdAt' | 'evidence' | 'token'> & { evidenceJson: string }): number {
    const result = this.db.prepare(`INSERT INTO verifications (verdict, failed_stage, reason, policy_label, repository_policy_id, source_sha256, object_sha256, duration_ms, evidence_json, evidence_sha256)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(row.verdict, row.failedStage, row.reason, row.policyLabel, row.repositoryPolicyId, row.sourceSha256, row.objectSha256, row.durationMs, row.evidenceJson, row.evidenceSha256);
    return Number(result.lastInsertRowid);
  }

  setToken(id: number, token: string): void {
    this.db.prepare('UPDATE verifications SET token = ? WHERE id = ?').run(token, id);
  }

  /** sha256 of the evidence JSON as stored (not the digest column), or undefined for an unknown id. */
  storedEvidenceSha256(id: number): string | undefined {
    const r = this.db.prepare('SELECT evidence_json FROM verifications WHERE id = ?').get(id) as { evidence_json: string } | undefined;
    return r ? sha256Hex(r.evidence_json) : undefined;
  }

  get(id: number): VerificationRow {
    const r = this.db.prepare('SELECT * FROM verifications WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    if (!r) throw new SchedcpError('not_found', `No verification with id ${id}. Ids come from verify_policy / \`schedcp verify\` results.`);
    return {
      id: r.id as number, createdAt: r.created_at as string, verdict: r.verdict as VerificationRow['verdict'],
      failedStage: r.failed_stage as string | null, reason: r.reason as string | null, policyLabel: r.policy_label as string,
      repositoryPolicyId: r.repository_policy_id as number | null, sourceSha256: r.source_sha256 as string | null,
      objectSha256: r.object_sha256 as string | null, durationMs: r.duration_ms as number,
      evidence: JSON.parse(r.evidence_json as string), evidenceSha256: r.evidence_sha256 as string, token: r.token as string | null,
    };
  }
}

/** The evidence store, with the verifier's migrations applied on first use. */
export function verificationStoreOf(app: App): VerificationStore {
  return app.component('verifier', (a) => new VerificationStore(a.db), verifierMigrations);
}
